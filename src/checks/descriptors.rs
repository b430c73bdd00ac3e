//! DSC-*: the descriptors of `config`, `layers[]` and `subject`, and the blobs they reference.

use super::layout::show;
use super::support::{DescriptorRef, Role, blob_of, descriptors, is_media_type};
use super::{Check, CheckContext, Marks};
use crate::artifact::{BlobFacts, BlobProblem};
use crate::digest::{Digest, Hasher};
use crate::model::Location;
use base64::Engine as _;
use serde_json::Value;

pub const CHECKS: &[Check] = &[
    Check {
        id: "descriptors.fields",
        title: "Descriptor digests, sizes, media types, data and urls",
        covers: &["DSC-001", "DSC-002", "DSC-006", "DSC-008"],
        run: fields,
    },
    Check {
        id: "descriptors.blobs",
        title: "Every referenced blob is present and matches its descriptor",
        covers: &["DSC-003", "DSC-004", "DSC-005", "DSC-007"],
        run: blobs,
    },
];

fn fields(a: &CheckContext, m: &mut Marks) {
    let ds = descriptors(a);
    if ds.is_empty() {
        m.all_not_applicable(CHECKS[0].covers, "the manifest has no descriptors");
        return;
    }
    for d in ds.iter().filter(|d| d.object().is_some()) {
        let at = |f: &str| Location::manifest(format!("{}/{f}", d.pointer));
        match d.value.get("digest") {
            Some(Value::String(s)) => match Digest::parse_grammar(s) {
                Err(e) => m.fail("DSC-001", at("digest"), e.to_string()),
                Ok(dg) => {
                    if let Err(e) = dg.check_registered() {
                        m.fail("DSC-002", at("digest"), e.to_string());
                    }
                }
            },
            other => m.fail(
                "DSC-001",
                at("digest"),
                format!("a descriptor needs a digest string, found {}", show(other)),
            ),
        }
        match d.value.get("mediaType") {
            Some(Value::String(t)) if is_media_type(t) => {}
            other => m.fail(
                "DSC-006",
                at("mediaType"),
                format!(
                    "mediaType must be an RFC 6838 media type, found {}",
                    show(other)
                ),
            ),
        }
        if d.value.get("urls").is_some() {
            m.fail(
                "DSC-008",
                at("urls"),
                "descriptors must not carry urls: the content has to travel inside the artifact",
            );
        }
    }
}

fn blobs(a: &CheckContext, m: &mut Marks) {
    let mut any_blob = false;
    let mut any_data = false;
    for d in descriptors(a) {
        if d.object().is_none() {
            continue;
        }
        // The subject's content lives elsewhere; only the type of its size is checked here.
        let Some(blob) = blob_of(a, d.role) else {
            if d.role == Role::Subject && d.value.get("size").and_then(Value::as_u64).is_none() {
                m.fail(
                    "DSC-005",
                    Location::manifest(format!("{}/size", d.pointer)),
                    format!(
                        "size must be a non-negative integer, found {}",
                        show(d.value.get("size"))
                    ),
                );
            }
            continue;
        };
        any_blob = true;
        any_data |= d.value.get("data").is_some();
        check_blob(&d, blob, m);
    }
    if !any_blob {
        m.all_not_applicable(CHECKS[1].covers, "the manifest references no blobs");
    } else if !any_data {
        m.not_applicable("DSC-007", "no descriptor carries embedded data");
    }
}

fn check_blob(d: &DescriptorRef<'_>, blob: &Result<BlobFacts, BlobProblem>, m: &mut Marks) {
    let at = |f: &str| Location::manifest(format!("{}/{f}", d.pointer));
    let facts = match blob {
        Ok(f) => f,
        Err(BlobProblem::Missing) => {
            for r in ["DSC-004", "DSC-005", "DSC-007"] {
                m.not_applicable(r, format!("{}: the blob is missing", d.pointer));
            }
            m.fail(
                "DSC-003",
                at("digest"),
                format!(
                    "blob {} is not in the artifact's store",
                    d.str_field("digest").unwrap_or("?")
                ),
            );
            return;
        }
        Err(BlobProblem::Unaddressable(why)) => {
            for r in ["DSC-003", "DSC-004", "DSC-005", "DSC-007"] {
                m.not_applicable(r, format!("{}: blob cannot be located: {why}", d.pointer));
            }
            return;
        }
        Err(BlobProblem::OutsideLayout(why)) => {
            for r in ["DSC-003", "DSC-004", "DSC-005", "DSC-007"] {
                m.not_applicable(r, format!("{}: not read, see OCI-004: {why}", d.pointer));
            }
            return;
        }
        Err(BlobProblem::Io(e)) => {
            m.error(
                "DSC-003",
                at("digest"),
                format!("blob could not be read: {e}"),
            );
            return;
        }
    };
    m.pass("DSC-003");
    let declared = d.str_field("digest").unwrap_or("");
    m.pass("DSC-004");
    m.pass("DSC-005");
    if facts.digest.to_string() != declared {
        m.fail(
            "DSC-004",
            at("digest"),
            format!(
                "the blob's stored bytes hash to {}, not to the declared {declared}",
                facts.digest
            ),
        );
    }
    match d.value.get("size").and_then(Value::as_u64) {
        Some(s) if s == facts.size => {}
        Some(s) => m.fail(
            "DSC-005",
            at("size"),
            format!("size says {s} bytes, the blob has {} bytes", facts.size),
        ),
        None => m.fail(
            "DSC-005",
            at("size"),
            format!(
                "size must be a non-negative integer, found {}",
                show(d.value.get("size"))
            ),
        ),
    }
    if let Some(data) = d.value.get("data") {
        m.pass("DSC-007");
        check_data(data, facts, &at("data"), m);
    }
}

fn check_data(data: &Value, facts: &BlobFacts, at: &Location, m: &mut Marks) {
    let Some(text) = data.as_str() else {
        m.fail("DSC-007", at.clone(), "data must be a base64 string");
        return;
    };
    let bytes = match base64::engine::general_purpose::STANDARD.decode(text) {
        Ok(b) => b,
        Err(e) => {
            m.fail(
                "DSC-007",
                at.clone(),
                format!("data is not padded base64: {e}"),
            );
            return;
        }
    };
    let mut h = Hasher::new(facts.digest.algorithm()).expect("facts use a registered algorithm");
    h.update(&bytes);
    if bytes.len() as u64 != facts.size || h.finish() != facts.digest {
        m.fail(
            "DSC-007",
            at.clone(),
            format!(
                "data decodes to {} bytes that differ from the blob's {} bytes",
                bytes.len(),
                facts.size
            ),
        );
    }
}
