//! `ai-interop attach`: an evidence file attached as an OCI 1.1 referrer of a manifest — an image
//! manifest with `artifactType`, the empty config, one layer (the file) and `subject` — in an
//! OCI image layout (listed in `index.json`) or in a registry (pushed by digest; when the
//! registry does not answer with `OCI-Subject`, i.e. it has no referrers API, the referrers
//! fallback tag index `sha256-<hex>` is updated, keeping what it already lists). So "sign after
//! pack" works with this tool alone, and `check --profile trusted` finds what was attached.

use crate::digest::Digest;
use crate::document::Limits;
use crate::reference::blobs::{BlobStore, unique_name};
use crate::targets::layout::{LayoutError, OciLayout};
use crate::targets::registry::client::{Client, ClientError};
use crate::targets::registry::config::RegistryConfig;
use crate::targets::registry::reference::Reference;
use crate::targets::registry::referrers::{referrer_descriptor, update_fallback_index};
use crate::targets::registry::source::{ManifestError, RegistrySource};
use crate::vocabulary::{OCI_EMPTY, OCI_MANIFEST};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Why an attach failed. Wrapped errors show as themselves (their sources follow in the chain);
/// the rest carry the messages the command has always printed.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("the subject manifest is not JSON")]
    SubjectNotJson(#[source] serde_json::Error),
    #[error("the subject manifest is too large")]
    SubjectTooLarge,
    #[error("the subject {0}: {1}")]
    Subject(String, ManifestError),
    #[error("{0}: not a directory (a link is not followed)")]
    NotADirectory(String),
    #[error("{0}: {1}")]
    Directory(String, std::io::Error),
    #[error("index.json is too large")]
    IndexTooLarge,
    #[error("index.json is not JSON")]
    IndexNotJson(#[source] serde_json::Error),
    #[error("index.json has no manifests list")]
    NoManifestsList,
    #[error("{0}")]
    Descriptor(String),
    #[error("manifest PUT {repo}@{digest}: {summary} (expected 201): {snippet}")]
    Put {
        repo: String,
        digest: Digest,
        summary: String,
        snippet: String,
    },
}

type Result<T, E = AttachError> = std::result::Result<T, E>;

/// The OCI 1.1 empty blob (the config of an artifact manifest).
const EMPTY_BLOB: &[u8] = b"{}";

/// What to attach.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub bytes: Vec<u8>,
    /// The referrer's `artifactType`.
    pub artifact_type: String,
    /// The layer's media type.
    pub media_type: String,
    pub annotations: BTreeMap<String, String>,
}

/// What was attached.
#[derive(Debug, Clone)]
pub(crate) struct Attached {
    pub subject: Digest,
    pub referrer: Digest,
    /// How it can be found: `index.json`, the referrers API, or the fallback tag.
    pub via: String,
}

/// The descriptor of `bytes` of `media_type`.
fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({
        "mediaType": media_type,
        "digest": Digest::sha256_of(bytes).to_string(),
        "size": bytes.len(),
    })
}

/// The referrer manifest of `ev` for the subject descriptor `subject`.
fn referrer_manifest(ev: &Evidence, subject: Value) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("schemaVersion".into(), json!(2));
    m.insert("mediaType".into(), json!(OCI_MANIFEST));
    m.insert("artifactType".into(), json!(ev.artifact_type));
    let mut config = descriptor(OCI_EMPTY, EMPTY_BLOB);
    config["data"] = json!("e30=");
    m.insert("config".into(), config);
    m.insert(
        "layers".into(),
        json!([descriptor(&ev.media_type, &ev.bytes)]),
    );
    m.insert("subject".into(), subject);
    if !ev.annotations.is_empty() {
        m.insert("annotations".into(), json!(ev.annotations));
    }
    serde_json::to_vec(&Value::Object(m)).expect("JSON")
}

/// The subject descriptor of a manifest: its media type (as it says, else the index's) and size.
fn subject_descriptor(bytes: &[u8], fallback_media_type: Option<&str>) -> Result<Value> {
    let json: Value = serde_json::from_slice(bytes).map_err(AttachError::SubjectNotJson)?;
    let media_type = json
        .get("mediaType")
        .and_then(Value::as_str)
        .or(fallback_media_type)
        .unwrap_or(OCI_MANIFEST);
    Ok(descriptor(media_type, bytes))
}

/// A directory of the layout that must be a real directory (never a link out of the layout).
fn real_dir(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_dir() => Ok(()),
        Ok(_) => Err(AttachError::NotADirectory(path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AttachError::Directory(path.display().to_string(), e)),
    }
}

/// Attach `ev` to the manifest `selector` selects in the layout `dir`.
pub(crate) fn to_layout(dir: &Path, selector: Option<&str>, ev: &Evidence) -> Result<Attached> {
    let limits = Limits::default();
    let layout = OciLayout::open(dir, &limits)?;
    let (facts, manifest) = layout.select(selector, &limits)?;
    let bytes = manifest.bytes.clone().ok_or(AttachError::SubjectTooLarge)?;
    let subject = subject_descriptor(
        &bytes,
        facts.selected.get("mediaType").and_then(Value::as_str),
    )?;
    let referrer = referrer_manifest(ev, subject);
    for d in [dir.join("blobs"), dir.join("blobs").join("sha256")] {
        real_dir(&d)?;
    }
    let store = BlobStore::open(dir)?;
    for blob in [EMPTY_BLOB, ev.bytes.as_slice(), referrer.as_slice()] {
        store.put(blob)?;
    }
    let mut index: Value = serde_json::from_slice(
        layout
            .index()
            .bytes
            .as_deref()
            .ok_or(AttachError::IndexTooLarge)?,
    )
    .map_err(AttachError::IndexNotJson)?;
    let d = referrer_descriptor(&referrer, OCI_MANIFEST).map_err(AttachError::Descriptor)?;
    let list = index
        .get_mut("manifests")
        .and_then(Value::as_array_mut)
        .ok_or(AttachError::NoManifestsList)?;
    if !list.iter().any(|m| m.get("digest") == d.get("digest")) {
        list.push(d);
    }
    let path = dir.join("index.json");
    let tmp = dir.join(unique_name(".tmp-index-"));
    std::fs::write(&tmp, serde_json::to_vec(&index)?)?;
    std::fs::rename(&tmp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(Attached {
        subject: Digest::sha256_of(&bytes),
        referrer: Digest::sha256_of(&referrer),
        via: "index.json".into(),
    })
}

/// Attach `ev` to the manifest `target` names in a registry.
pub(crate) fn to_registry(
    target: &Reference,
    base: &RegistryConfig,
    ev: &Evidence,
) -> Result<Attached> {
    let cfg = super::push::writable_config(base, target);
    let client = Arc::new(Client::new(&cfg)?);
    let repo = target.repository.clone();
    let source = RegistrySource::new(client.clone(), repo.clone());
    let subject_manifest = source
        .fetch_manifest(&target.target_or_latest())
        .map_err(|e| AttachError::Subject(target.to_string(), e))?;
    let subject = subject_descriptor(
        &subject_manifest.bytes,
        subject_manifest.content_type.as_deref(),
    )?;
    let referrer = referrer_manifest(ev, subject);
    for blob in [EMPTY_BLOB, ev.bytes.as_slice()] {
        client.push_bytes(&repo, blob)?;
    }
    let digest = Digest::sha256_of(&referrer);
    let resp = client.put_manifest(&repo, &digest.to_string(), OCI_MANIFEST, &referrer)?;
    if resp.status != 201 {
        return Err(AttachError::Put {
            repo,
            digest,
            summary: resp.summary(),
            snippet: resp.snippet(),
        });
    }
    // A registry with the referrers API says so with OCI-Subject; otherwise the client keeps
    // the fallback tag index (OCI distribution spec 1.1, "Pushing Manifests with Subject").
    let via = if resp.header("oci-subject").is_some() {
        "the referrers API".to_string()
    } else {
        let tag =
            update_fallback_index(&source, &subject_manifest.digest, &referrer, OCI_MANIFEST)?;
        format!("the referrers fallback tag {tag}")
    };
    Ok(Attached {
        subject: subject_manifest.digest,
        referrer: digest,
        via,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::SIGSTORE_BUNDLE_V03;

    #[test]
    fn the_referrer_names_type_subject_layer_and_annotations() {
        let ev = Evidence {
            bytes: b"{\"bundle\":1}".to_vec(),
            artifact_type: SIGSTORE_BUNDLE_V03.into(),
            media_type: SIGSTORE_BUNDLE_V03.into(),
            annotations: BTreeMap::from([("k".into(), "v".into())]),
        };
        let subject = descriptor(OCI_MANIFEST, b"{}");
        let m: Value = serde_json::from_slice(&referrer_manifest(&ev, subject.clone())).unwrap();
        assert_eq!(m["artifactType"], ev.artifact_type.as_str());
        assert_eq!(m["subject"], subject);
        assert_eq!(m["config"]["mediaType"], OCI_EMPTY);
        assert_eq!(
            m["layers"][0]["digest"],
            Digest::sha256_of(&ev.bytes).to_string()
        );
        assert_eq!(m["annotations"]["k"], "v");
    }
}
