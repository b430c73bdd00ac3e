//! `ai-interop push`: one manifest of a layout and the blobs it names, streamed from disk into
//! a registry with the suite's own client (monolithic uploads; a blob the repository already
//! has is not sent again), then the manifest's exact bytes put under the tag.

use crate::digest::Digest;
use crate::document::Limits;
use crate::source::BlobError;
use crate::targets::layout::{LayoutError, OciLayout};
use crate::targets::registry::client::{Client, ClientError};
use crate::targets::registry::config::{self, RegistryConfig};
use crate::targets::registry::manifest::referenced_blobs;
use crate::targets::registry::reference::{Reference, Target};
use reqwest::Method;
use serde_json::Value;
use std::path::Path;

/// Why a push failed. Wrapped errors show as themselves (their sources follow in the chain).
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("the manifest is too large to push")]
    TooLarge,
    #[error("the manifest is not JSON: {0}")]
    NotJson(String),
    #[error("an image index: push each member, then the index (not supported yet)")]
    Index,
    #[error("unusable descriptor {0}")]
    Descriptor(String),
    #[error("upload of blob {digest} ({size} bytes): {summary} (expected 201): {snippet}")]
    Upload {
        digest: Digest,
        size: u64,
        summary: String,
        snippet: String,
    },
    #[error("manifest PUT {repo}:{reference}: {summary} (expected 201): {snippet}")]
    Put {
        repo: String,
        reference: String,
        summary: String,
        snippet: String,
    },
}

/// What was pushed.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub manifest_digest: Digest,
    pub blobs_sent: usize,
    pub blobs_present: usize,
    pub bytes_sent: u64,
}

/// The settings for writing to `dest`: `base`'s credentials, TLS and timeouts, `dest`'s URL
/// unless `base` names the same host without a scheme of its own; never read-only.
pub(crate) fn writable_config(base: &RegistryConfig, dest: &Reference) -> RegistryConfig {
    let mut cfg = base.clone();
    let same_host = base
        .base_url()
        .ok()
        .is_some_and(|u| config::host_port(&u) == dest.registry);
    if !same_host || dest.scheme.is_some() {
        cfg.url = dest.base_url();
    }
    cfg.read_only = false;
    cfg
}

/// Push the manifest `selector` selects in `layout` to `dest` (which names a tag or a digest).
/// `base` supplies credentials, TLS and timeouts; the URL comes from `dest`.
pub fn push(
    layout: &Path,
    selector: Option<&str>,
    dest: &Reference,
    base: &RegistryConfig,
) -> Result<Pushed, PushError> {
    let limits = Limits::default();
    let layout = OciLayout::open(layout, &limits)?;
    let (facts, manifest) = layout.select(selector, &limits)?;
    let bytes = manifest.bytes.clone().ok_or(PushError::TooLarge)?;
    let json = manifest.json.map_err(PushError::NotJson)?;
    if json.get("manifests").is_some() {
        return Err(PushError::Index);
    }
    let media_type = json
        .get("mediaType")
        .or_else(|| facts.selected.get("mediaType"))
        .and_then(Value::as_str)
        .unwrap_or(crate::vocabulary::OCI_MANIFEST)
        .to_string();
    let client = Client::new(&writable_config(base, dest))?;
    let repo = &dest.repository;
    let mut out = Pushed {
        manifest_digest: Digest::sha256_of(&bytes),
        blobs_sent: 0,
        blobs_present: 0,
        bytes_sent: 0,
    };
    for (desc, parts) in referenced_blobs(&json) {
        let (_, digest, size) = parts.ok_or_else(|| PushError::Descriptor(desc.to_string()))?;
        let head = client.blob(Method::HEAD, repo, &digest, false)?;
        if head.status == 200 {
            out.blobs_present += 1;
            continue;
        }
        let file = layout.open_blob_file(&digest)?;
        let large = size >= 64 << 20;
        let resp = client.push_blob(repo, &digest, size, Box::new(file), large)?;
        if resp.status != 201 {
            return Err(PushError::Upload {
                digest,
                size,
                summary: resp.summary(),
                snippet: resp.snippet(),
            });
        }
        out.blobs_sent += 1;
        out.bytes_sent += size;
    }
    let reference = match &dest.target {
        Some(Target::Tag(t)) => t.clone(),
        Some(Target::Digest(d)) => d.to_string(),
        None => "latest".into(),
    };
    let resp = client.put_manifest(repo, &reference, &media_type, &bytes)?;
    if resp.status != 201 {
        return Err(PushError::Put {
            repo: repo.clone(),
            reference,
            summary: resp.summary(),
            snippet: resp.snippet(),
        });
    }
    Ok(out)
}
