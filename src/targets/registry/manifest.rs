//! Manifest and index documents as the registry target writes and reads them: the bytes of an
//! image index it pushes (the referrers fallback tag) and the blobs a manifest references.
//!
//! Documents are written with a three-space indent on purpose, so that a registry that
//! re-serializes them is caught by a byte comparison.

use crate::digest::Digest;
use crate::vocabulary::OCI_INDEX;
use serde::Serialize;
use serde_json::{Value, json};

/// Serialize with a three-space indent and a trailing newline.
pub(crate) fn odd_json(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"   ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    v.serialize(&mut ser).expect("a Value always serializes");
    out.push(b'\n');
    out
}

/// An image index holding `manifests`.
pub fn index(manifests: Vec<Value>) -> Vec<u8> {
    odd_json(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": manifests,
    }))
}

/// A blob descriptor's `(mediaType, digest, size)`.
pub(crate) type BlobParts = (String, Digest, u64);

/// `(media type, digest, size)` of one descriptor, when it states all three usably.
pub(crate) fn referenced_blob(d: &Value) -> Option<BlobParts> {
    let media_type = d.get("mediaType").and_then(Value::as_str)?;
    let digest = d
        .get("digest")
        .and_then(Value::as_str)
        .and_then(|s| Digest::parse(s).ok())?;
    let size = d.get("size").and_then(Value::as_u64)?;
    Some((media_type.to_string(), digest, size))
}

/// The config and layer descriptors of a manifest, each with its parts when all three are usable.
pub fn referenced_blobs(manifest: &Value) -> Vec<(&Value, Option<BlobParts>)> {
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    manifest
        .get("config")
        .into_iter()
        .chain(layers)
        .map(|d| (d, referenced_blob(d)))
        .collect()
}
