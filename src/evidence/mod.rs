//! Evidence: what refers to an artifact (signatures, SBOMs, provenance, openness documents), as
//! plain facts. Discovery (from a layout's `index.json`, a referrers tag-schema index, a
//! registry's referrers API or its fallback tag, and the legacy cosign `.sig` tag) fills these;
//! the trust checks read them. The bytes of every referrer manifest and blob are kept exactly as
//! stored, bounded in size, so that signatures are verified over the stored bytes.

use crate::artifact::Document;
use crate::digest::Digest;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a referrer was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A manifest listed in the layout's `index.json` whose `subject` is the artifact.
    LayoutIndex,
    /// The referrers tag-schema index (`<alg>-<hex>` tag) in a layout.
    LayoutTagSchema(String),
    /// The registry's referrers API.
    RegistryApi,
    /// The registry's referrers tag-schema fallback tag.
    RegistryFallbackTag(String),
    /// The legacy cosign tag scheme (`<alg>-<hex>.sig`): read, reported as legacy.
    LegacySignatureTag(String),
}

/// One blob (layer) of a referrer manifest, read bounded.
#[derive(Debug, Clone)]
pub struct EvidenceBlob {
    /// Position in the referrer manifest's `layers` array.
    pub index: usize,
    pub media_type: String,
    /// The descriptor's digest as written (may be malformed: checks report it).
    pub digest: String,
    pub size: u64,
    pub annotations: BTreeMap<String, String>,
    /// The stored bytes, or why they could not be read (absent, digest mismatch, over the bound).
    pub content: Result<Document, String>,
}

/// One referrer manifest of the artifact.
#[derive(Debug, Clone)]
pub struct Referrer {
    pub via: Via,
    /// The descriptor as listed where it was found.
    pub descriptor: Value,
    pub digest: Digest,
    /// `artifactType` of the manifest (or its config media type when it has none, per OCI 1.1).
    pub artifact_type: Option<String>,
    pub manifest: Document,
    pub annotations: BTreeMap<String, String>,
    pub blobs: Vec<EvidenceBlob>,
}

impl Referrer {
    /// The first blob of a media type, e.g. the Sigstore bundle of a bundle referrer.
    pub fn blob(&self, media_type: &str) -> Option<&EvidenceBlob> {
        self.blobs.iter().find(|b| b.media_type == media_type)
    }
}

/// Everything discovery found for one artifact.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFacts {
    /// What discovery did, in order, for the report (e.g. "registry referrers API: 404, fallback
    /// tag sha256-… absent").
    pub notes: Vec<String>,
    /// Set when discovery could not complete; evidence checks then report `error`, not `fail`.
    pub error: Option<String>,
    pub referrers: Vec<Referrer>,
}

impl EvidenceFacts {
    /// Referrers of one artifact type.
    pub fn of_type<'a>(&'a self, artifact_type: &'a str) -> impl Iterator<Item = &'a Referrer> {
        self.referrers
            .iter()
            .filter(move |r| r.artifact_type.as_deref() == Some(artifact_type))
    }
}
