//! Evidence: what refers to an artifact (signatures, SBOMs, provenance, openness documents), as
//! plain facts. Discovery ([`crate::load::discover`]: from a layout's `index.json`, a referrers
//! tag-schema index, a registry's referrers API or its fallback tag, and the legacy cosign `.sig`
//! tag) fills these;
//! the trust checks read them. The bytes of every referrer manifest and blob are kept exactly as
//! stored, bounded in size, so that signatures are verified over the stored bytes.

use crate::digest::Digest;
use crate::document::Document;
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
    pub(crate) fn blob(&self, media_type: &str) -> Option<&EvidenceBlob> {
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
    /// What was listed as a referrer of the artifact but is not one (another subject, the
    /// artifact itself, unreadable): the evidence checks report each.
    pub rejected: Vec<Rejected>,
    /// The other direction: the manifest the artifact names as its own `subject` (a LoRA
    /// adapter's base model), read from the same target; `None` when it names none.
    pub subject: Option<SubjectFacts>,
}

/// The manifest an artifact's `subject` descriptor names, looked up in the same target.
#[derive(Debug, Clone)]
pub struct SubjectFacts {
    /// The subject's digest as written.
    pub digest: String,
    /// What reading it found.
    pub read: SubjectRead,
}

/// What looking up a subject manifest found.
#[derive(Debug, Clone)]
pub enum SubjectRead {
    /// Stored with the digest and size the descriptor names.
    Found(Document),
    /// The target holds nothing under the digest (or the digest is malformed).
    Absent(String),
    /// Stored, but not with the bytes or size the descriptor names.
    Mismatch(String),
    /// Reading failed (an I/O or network error, or over the document bound): undecided.
    Failed(String),
}

/// Why a listed referrer was not accepted as evidence of the artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The manifest's `subject` names another digest (or none).
    WrongSubject(Option<String>),
    /// The listed descriptor is the artifact itself: a referrer pointing at itself.
    SelfReference,
    /// The listed descriptor is not an image manifest (its media type).
    NotAManifest(String),
    /// The descriptor or the manifest cannot be read (absent, digest mismatch, over the bound).
    Unreadable(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::WrongSubject(Some(d)) => {
                write!(f, "its subject is {d}, not the artifact's manifest")
            }
            Problem::WrongSubject(None) => f.write_str("it has no subject digest"),
            Problem::SelfReference => {
                f.write_str("it is the artifact's own manifest: a referrer pointing at itself")
            }
            Problem::NotAManifest(m) => write!(f, "its media type is {m:?}, not an image manifest"),
            Problem::Unreadable(e) => write!(f, "it cannot be read: {e}"),
        }
    }
}

/// A listed referrer that was not accepted.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub via: Via,
    /// The descriptor as listed.
    pub descriptor: Value,
    pub problem: Problem,
}

impl Via {
    /// Where the referrer was listed, for findings.
    pub(crate) fn describe(&self) -> String {
        match self {
            Via::LayoutIndex => "index.json".into(),
            Via::LayoutTagSchema(t) => format!("the referrers tag-schema index {t}"),
            Via::RegistryApi => "the registry's referrers API".into(),
            Via::RegistryFallbackTag(t) => format!("the registry's referrers fallback tag {t}"),
            Via::LegacySignatureTag(t) => format!("the legacy signature tag {t}"),
        }
    }
}

impl EvidenceFacts {
    /// Referrers of one artifact type.
    pub(crate) fn of_type<'a>(
        &'a self,
        artifact_type: &'a str,
    ) -> impl Iterator<Item = &'a Referrer> {
        self.referrers
            .iter()
            .filter(move |r| r.artifact_type.as_deref() == Some(artifact_type))
    }
}
