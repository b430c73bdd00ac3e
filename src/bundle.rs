//! Agent bundles (`spec/v1.0/bundles.md`): an image index whose members are artifacts.
//!
//! Loading a bundle reads each member manifest from the target and gathers its facts with
//! [`collect`], like any artifact's, plus what the BND checks read straight from the member
//! (its kind, a workflow's `oci://` references). Judging each member under the `agentic`
//! profile is the engine's work (`engine::bundle`), done before the BND checks run: this module
//! gathers facts and never runs checks or the engine.

use crate::artifact::{Artifact, LayoutFacts, MemberFacts};
use crate::digest::Digest;
use crate::document::{Document, Limits};
use crate::frontmatter::{oci_references, parse_document};
use crate::inspect::{InspectOptions, collect};
use crate::source::BlobSource;
use crate::vocabulary::{
    ARTIFACT_TYPE, BUNDLE_ARTIFACT_TYPE, OCI_MANIFEST, WORKFLOW_DOCUMENT_LAYER,
};
use serde_json::Value;

/// The `org.cncf.ai.artifact.type` of an agent bundle.
pub const BUNDLE_KIND: &str = "agent-bundle";

/// Whether a selected document is an agent bundle: an image index (a `manifests` array) with the
/// bundle `artifactType` or the `agent-bundle` artifact type annotation.
pub fn is_bundle(doc: &Document) -> bool {
    let Ok(v) = &doc.json else {
        return false;
    };
    v.get("manifests").is_some_and(Value::is_array)
        && (v.get("artifactType").and_then(Value::as_str) == Some(BUNDLE_ARTIFACT_TYPE)
            || v.get("annotations")
                .and_then(|a| a.get(ARTIFACT_TYPE))
                .and_then(Value::as_str)
                == Some(BUNDLE_KIND))
}

/// The bundle as an [`Artifact`]: the index stands where a manifest would, and every member is
/// evaluated on its own.
pub fn load(
    source: &dyn BlobSource,
    target: String,
    facts: Option<LayoutFacts>,
    index: Document,
    limits: &Limits,
    options: &InspectOptions,
) -> Artifact {
    let descriptors: Vec<Value> = index
        .json
        .as_ref()
        .ok()
        .and_then(|v| v.get("manifests"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let members = descriptors
        .iter()
        .enumerate()
        .map(|(i, d)| member(source, &target, i, d, limits, options))
        .collect();
    Artifact {
        target,
        layout: facts,
        manifest_digest: index.sha256.clone(),
        manifest: index,
        config: None,
        layers: Vec::new(),
        bundle: Some(members),
        evidence: None,
        index: None,
    }
}

fn member(
    source: &dyn BlobSource,
    target: &str,
    index: usize,
    descriptor: &Value,
    limits: &Limits,
    options: &InspectOptions,
) -> MemberFacts {
    let mut facts = MemberFacts {
        index,
        unreadable: None,
        kind: None,
        artifact: None,
        breaking: None,
        references: Vec::new(),
    };
    let doc = match read_member(source, descriptor, limits) {
        Ok(doc) => doc,
        Err(why) => {
            facts.unreadable = Some(why);
            return facts;
        }
    };
    let artifact = collect(
        source,
        format!("{target}#/manifests/{index}"),
        None,
        doc,
        limits,
        options,
    );
    facts.kind = artifact
        .manifest_json()
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(ARTIFACT_TYPE))
        .and_then(Value::as_str)
        .map(str::to_string);
    if facts.kind.as_deref() == Some("workflow") {
        let document = artifact
            .layers
            .iter()
            .filter(|l| {
                artifact
                    .manifest_json()
                    .and_then(|m| m.get("layers"))
                    .and_then(|ls| ls.get(l.index))
                    .and_then(|d| d.get("mediaType"))
                    .and_then(Value::as_str)
                    == Some(WORKFLOW_DOCUMENT_LAYER)
            })
            .find_map(|l| l.content.files.first());
        if let Some(doc) = document.and_then(|f| parse_document(&f.bytes).ok()) {
            oci_references(&doc.value, String::new(), &mut facts.references);
        }
    }
    facts.artifact = Some(std::sync::Arc::new(artifact));
    facts
}

/// The member's manifest document, or why it is not an image manifest present in the target.
fn read_member(
    source: &dyn BlobSource,
    descriptor: &Value,
    limits: &Limits,
) -> Result<Document, String> {
    let media_type = descriptor.get("mediaType").and_then(Value::as_str);
    if media_type != Some(OCI_MANIFEST) {
        return Err(format!(
            "its media type is {media_type:?}, not {OCI_MANIFEST:?}"
        ));
    }
    let digest = descriptor
        .get("digest")
        .and_then(Value::as_str)
        .ok_or_else(|| "it has no digest".to_string())
        .and_then(|s| Digest::parse(s).map_err(|e| format!("its digest is malformed: {e}")))?;
    let reader = source
        .open_blob(&digest)
        .map_err(|e| format!("the manifest {digest} cannot be read from the target: {e}"))?;
    let doc = Document::from_reader(reader, limits)
        .map_err(|e| format!("the manifest {digest} cannot be read: {e}"))?;
    match &doc.json {
        Ok(v) if v.get("mediaType").and_then(Value::as_str) == Some(OCI_MANIFEST) => Ok(doc),
        Ok(_) => Err(format!("the blob {digest} is not an image manifest")),
        Err(e) => Err(format!("the blob {digest} is not JSON: {e}")),
    }
}
