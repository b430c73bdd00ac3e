//! Discovery: the referrers of one manifest digest, read bounded and verified.
//!
//! - OCI image layout: every image manifest listed in `index.json` whose `subject` is the
//!   artifact; the referrers tag-schema index (an image index tagged `<alg>-<hex>`); the legacy
//!   cosign tag `<alg>-<hex>.sig`.
//! - Registry: the referrers API, else the fallback tag (already asked by
//!   [`crate::targets::registry::open`]); the legacy `.sig` tag. Evidence pushed after the artifact is
//!   found the same way, because nothing here depends on when it was attached.
//!
//! Every manifest and blob is read as stored, at most [`Limits::max_document_bytes`] of it,
//! and hashed with the algorithm of the digest that named it. At most [`MAX_REFERRERS`]
//! referrers are examined; more is an error of discovery, never a hang.

use crate::digest::{Digest, Hasher};
use crate::document::{Document, Limits};
use crate::evidence::{
    EvidenceBlob, EvidenceFacts, Problem, Referrer, Rejected, SubjectFacts, SubjectRead, Via,
};
use crate::source::{BlobError, BlobSource};
use crate::targets::layout::OciLayout;
use crate::targets::registry::referrers::fallback_tag;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

/// The most referrers examined for one artifact.
pub(crate) const MAX_REFERRERS: usize = 1_000;

use crate::vocabulary::{OCI_MANIFEST, REF_NAME};

/// The legacy cosign signature tag of a digest: `<alg>-<hex>.sig`.
pub(crate) fn legacy_signature_tag(subject: &Digest) -> String {
    format!("{}.sig", fallback_tag(subject))
}

/// A referrer to read: where it was listed and its descriptor there.
struct Candidate {
    via: Via,
    descriptor: Value,
    /// The legacy scheme has no `subject`; its tag is the link.
    needs_subject: bool,
}

/// Read a blob from `source`, at most `max` bytes, verifying the digest of what was read.
pub(crate) fn read_verified(
    source: &dyn BlobSource,
    digest: &Digest,
    max: u64,
) -> Result<Vec<u8>, String> {
    let reader = source.open_blob(digest).map_err(|e| match e {
        BlobError::NotFound(_) => "not present in the target".to_string(),
        other => other.to_string(),
    })?;
    read_bounded(reader, digest, max)
}

fn read_bounded(reader: impl Read, digest: &Digest, max: u64) -> Result<Vec<u8>, String> {
    let bytes = read_at_most(reader, max).map_err(|e| format!("read failed: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!(
            "larger than the {max}-byte bound on evidence; not read"
        ));
    }
    let got = rehash(&bytes, digest)
        .ok_or_else(|| format!("unregistered digest algorithm {}", digest.algorithm()))?;
    if &got != digest {
        return Err(format!("the stored bytes hash to {got}, not {digest}"));
    }
    Ok(bytes)
}

/// At most `max + 1` bytes of `reader`: one byte more than the bound shows it was exceeded.
fn read_at_most(reader: impl Read, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// What `bytes` hash to under `digest`'s algorithm; `None` when that is not registered.
fn rehash(bytes: &[u8], digest: &Digest) -> Option<Digest> {
    let mut h = Hasher::new(digest.algorithm())?;
    h.update(bytes);
    Some(h.finish())
}

fn str_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn descriptor_digest(d: &Value) -> Result<Digest, String> {
    let s = d
        .get("digest")
        .and_then(Value::as_str)
        .ok_or("the descriptor has no digest string")?;
    Digest::parse(s).map_err(|e| format!("digest {s:?}: {e}"))
}

/// Judge and read the candidates: reject what is not a referrer of `subject`, keep the rest
/// with their blobs.
fn examine(
    subject: &Digest,
    candidates: Vec<Candidate>,
    fetch_manifest: &dyn Fn(&Digest) -> Result<Vec<u8>, String>,
    blobs: &dyn BlobSource,
    limits: &Limits,
    facts: &mut EvidenceFacts,
) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let listed = candidates.len();
    if listed > MAX_REFERRERS {
        facts.error = Some(format!(
            "{listed} referrers are listed; only the first {MAX_REFERRERS} are examined"
        ));
    }
    for c in candidates.into_iter().take(MAX_REFERRERS) {
        let reject = |facts: &mut EvidenceFacts, c: Candidate, problem: Problem| {
            facts.rejected.push(Rejected {
                via: c.via,
                descriptor: c.descriptor,
                problem,
            });
        };
        let digest = match descriptor_digest(&c.descriptor) {
            Ok(d) => d,
            Err(e) => {
                reject(facts, c, Problem::Unreadable(e));
                continue;
            }
        };
        if !seen.insert(digest.to_string()) {
            continue;
        }
        if &digest == subject {
            reject(facts, c, Problem::SelfReference);
            continue;
        }
        let media_type = c.descriptor.get("mediaType").and_then(Value::as_str);
        if media_type.is_some_and(|m| m != OCI_MANIFEST) {
            let m = media_type.unwrap_or_default().to_string();
            reject(facts, c, Problem::NotAManifest(m));
            continue;
        }
        let bytes = match fetch_manifest(&digest) {
            Ok(b) => b,
            Err(e) => {
                reject(facts, c, Problem::Unreadable(e));
                continue;
            }
        };
        let manifest = Document::from_bytes(bytes);
        let json = manifest.json.as_ref().ok();
        let named = json
            .and_then(|m| m.pointer("/subject/digest"))
            .and_then(Value::as_str);
        if c.needs_subject && named != Some(subject.to_string().as_str()) {
            let named = named.map(str::to_string);
            reject(facts, c, Problem::WrongSubject(named));
            continue;
        }
        let artifact_type = json
            .and_then(|m| m.get("artifactType"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .or_else(|| json.and_then(|m| m.pointer("/config/mediaType")?.as_str()))
            .map(str::to_string);
        let annotations = str_map(json.and_then(|m| m.get("annotations")));
        let layers: Vec<Value> = json
            .and_then(|m| m.get("layers"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let blobs = layers
            .iter()
            .enumerate()
            .map(|(index, l)| read_blob(index, l, blobs, limits))
            .collect();
        facts.referrers.push(Referrer {
            via: c.via,
            descriptor: c.descriptor,
            digest,
            artifact_type,
            manifest,
            annotations,
            blobs,
        });
    }
}

fn read_blob(index: usize, l: &Value, source: &dyn BlobSource, limits: &Limits) -> EvidenceBlob {
    let size = l.get("size").and_then(Value::as_u64).unwrap_or_default();
    let content = descriptor_digest(l).and_then(|d| {
        if size > limits.max_document_bytes {
            return Err(format!(
                "the descriptor says {size} bytes, more than the {}-byte bound on evidence; not read",
                limits.max_document_bytes
            ));
        }
        if let Some(data) = l.get("data").and_then(Value::as_str) {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|e| format!("`data` is not base64: {e}"))?;
            return read_bounded(&bytes[..], &d, limits.max_document_bytes)
                .map(Document::from_bytes);
        }
        read_verified(source, &d, limits.max_document_bytes).map(Document::from_bytes)
    });
    EvidenceBlob {
        index,
        media_type: l
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        digest: l
            .get("digest")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        size,
        annotations: str_map(l.get("annotations")),
        content,
    }
}

/// The `manifests` array of an index document, or why it has none.
fn index_manifests(doc: &Document) -> Result<Vec<Value>, String> {
    let v = doc.json.as_ref().map_err(Clone::clone)?;
    v.get("manifests")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| "it has no `manifests` array".into())
}

/// The referrers of `subject` in an OCI image layout.
pub fn from_layout(layout: &OciLayout, subject: &Digest, limits: &Limits) -> EvidenceFacts {
    let mut facts = EvidenceFacts::default();
    let listed = match index_manifests(layout.index()) {
        Ok(l) => l,
        Err(e) => {
            facts.error = Some(format!("index.json cannot be read for referrers: {e}"));
            return facts;
        }
    };
    let tag = fallback_tag(subject);
    let legacy = legacy_signature_tag(subject);
    let mut candidates = Vec::new();
    let mut tag_schema_seen = false;
    for d in &listed {
        let name = d
            .get("annotations")
            .and_then(|a| a.get(REF_NAME))
            .and_then(Value::as_str);
        let media_type = d.get("mediaType").and_then(Value::as_str);
        if name == Some(tag.as_str()) {
            tag_schema_seen = true;
            let index = descriptor_digest(d).and_then(|dg| {
                read_verified(layout, &dg, limits.max_document_bytes).map(Document::from_bytes)
            });
            match index.and_then(|doc| index_manifests(&doc)) {
                Ok(entries) => {
                    facts.notes.push(format!(
                        "layout: referrers tag-schema index {tag} lists {}",
                        entries.len()
                    ));
                    candidates.extend(entries.into_iter().map(|descriptor| Candidate {
                        via: Via::LayoutTagSchema(tag.clone()),
                        descriptor,
                        needs_subject: true,
                    }));
                }
                Err(e) => facts.rejected.push(Rejected {
                    via: Via::LayoutTagSchema(tag.clone()),
                    descriptor: d.clone(),
                    problem: Problem::Unreadable(format!("the referrers index: {e}")),
                }),
            }
        } else if name == Some(legacy.as_str()) {
            candidates.push(Candidate {
                via: Via::LegacySignatureTag(legacy.clone()),
                descriptor: d.clone(),
                needs_subject: false,
            });
        } else if media_type == Some(OCI_MANIFEST)
            && descriptor_digest(d).is_ok_and(|dg| &dg != subject)
        {
            // Only manifests whose `subject` is the artifact are its referrers; which ones
            // are is known after reading them, so unrelated manifests are dropped silently.
            candidates.push(Candidate {
                via: Via::LayoutIndex,
                descriptor: d.clone(),
                needs_subject: true,
            });
        }
    }
    let direct = candidates
        .iter()
        .filter(|c| c.via == Via::LayoutIndex)
        .count();
    let fetch = |d: &Digest| read_verified(layout, d, limits.max_document_bytes);
    let mut found = EvidenceFacts::default();
    examine(subject, candidates, &fetch, layout, limits, &mut found);
    // A manifest listed in index.json with another subject (or one that cannot be read, so
    // that its subject is unknown) belongs to another artifact as far as discovery can tell.
    found.rejected.retain(|r| {
        r.via != Via::LayoutIndex
            || !matches!(r.problem, Problem::WrongSubject(_) | Problem::Unreadable(_))
    });
    facts.notes.push(format!(
        "layout: {direct} other manifests in index.json examined, {} referrers of {subject}{}",
        found.referrers.len(),
        if tag_schema_seen {
            String::new()
        } else {
            format!("; no tag-schema index {tag}")
        }
    ));
    facts.notes.extend(found.notes);
    facts.error = facts.error.or(found.error);
    facts.referrers = found.referrers;
    facts.rejected.extend(found.rejected);
    facts
}

/// The referrers of a manifest read from a registry: the descriptors the referrers API or the
/// fallback tag listed (`listed`, with how), then the legacy `.sig` tag.
pub fn from_registry(
    source: &crate::targets::registry::source::RegistrySource,
    subject: &Digest,
    listed: &crate::targets::registry::referrers::Referrers,
    limits: &Limits,
) -> EvidenceFacts {
    use crate::targets::registry::reference::Target;
    use crate::targets::registry::referrers::Via as RegistryVia;
    use crate::targets::registry::source::ManifestError;
    let mut facts = EvidenceFacts::default();
    let via = match &listed.via {
        RegistryVia::Api { .. } => Some(Via::RegistryApi),
        RegistryVia::FallbackTag(t) => Some(Via::RegistryFallbackTag(t.clone())),
        RegistryVia::None => None,
    };
    facts.notes.push(format!("registry: {}", listed.evidence));
    let mut candidates: Vec<Candidate> = match via {
        Some(via) => listed
            .descriptors
            .iter()
            .map(|d| Candidate {
                via: via.clone(),
                descriptor: d.clone(),
                needs_subject: true,
            })
            .collect(),
        None => Vec::new(),
    };
    let legacy = legacy_signature_tag(subject);
    match source.fetch_manifest(&Target::Tag(legacy.clone())) {
        Ok(m) => {
            facts
                .notes
                .push(format!("registry: legacy signature tag {legacy} found"));
            candidates.push(Candidate {
                via: Via::LegacySignatureTag(legacy),
                descriptor: serde_json::json!({
                    "mediaType": m.content_type.as_deref().unwrap_or(OCI_MANIFEST),
                    "digest": m.digest.to_string(),
                    "size": m.bytes.len(),
                }),
                needs_subject: false,
            });
        }
        Err(ManifestError::NotFound(_)) => facts
            .notes
            .push(format!("registry: no legacy signature tag {legacy}")),
        Err(e) => {
            facts.error = Some(format!("reading the legacy signature tag {legacy}: {e}"));
        }
    }
    let fetch = |d: &Digest| {
        source
            .fetch_manifest(&Target::Digest(d.clone()))
            .map_err(|e| e.to_string())
            .and_then(|m| {
                if m.bytes.len() as u64 > limits.max_document_bytes {
                    Err(format!(
                        "larger than the {}-byte bound on evidence",
                        limits.max_document_bytes
                    ))
                } else {
                    Ok(m.bytes)
                }
            })
    };
    let mut found = EvidenceFacts::default();
    examine(subject, candidates, &fetch, source, limits, &mut found);
    facts.error = facts.error.or(found.error);
    facts.referrers = found.referrers;
    facts.rejected = found.rejected;
    facts.notes.push(format!(
        "registry: {} referrers of {subject}",
        facts.referrers.len()
    ));
    facts
}

/// What fetching a subject manifest returned.
pub(crate) enum Fetched {
    /// The stored bytes, at most one byte more than the document bound.
    Bytes(Vec<u8>),
    /// Bytes the fetch already checked against the digest asked for (a registry serving a
    /// manifest by digest): not hashed a second time.
    Verified(Vec<u8>),
    /// Nothing is stored under the digest.
    Absent,
    /// Reading failed.
    Failed(String),
}

/// The manifest that `manifest`'s `subject` names, fetched with `fetch` and checked against the
/// descriptor's digest and size. `None` when the manifest has no `subject` object.
pub(crate) fn resolve_subject(
    manifest: Option<&Value>,
    limits: &Limits,
    fetch: &dyn Fn(&Digest) -> Fetched,
) -> Option<SubjectFacts> {
    let subject = manifest?.get("subject")?.as_object()?;
    let written = subject.get("digest").and_then(Value::as_str).unwrap_or("");
    let facts = |read| {
        Some(SubjectFacts {
            digest: written.to_string(),
            read,
        })
    };
    let digest = match Digest::parse(written) {
        Ok(d) => d,
        Err(e) => return facts(SubjectRead::Absent(format!("digest {written:?}: {e}"))),
    };
    let (bytes, verified) = match fetch(&digest) {
        Fetched::Bytes(b) => (b, false),
        Fetched::Verified(b) => (b, true),
        Fetched::Absent => {
            return facts(SubjectRead::Absent(format!(
                "no manifest {digest} is stored in the target"
            )));
        }
        Fetched::Failed(e) => return facts(SubjectRead::Failed(e)),
    };
    let max = limits.max_document_bytes;
    if bytes.len() as u64 > max {
        return facts(SubjectRead::Failed(format!(
            "the manifest {digest} is larger than the {max}-byte document bound; not read"
        )));
    }
    if !verified {
        let Some(got) = rehash(&bytes, &digest) else {
            return facts(SubjectRead::Absent(format!(
                "unregistered digest algorithm {}",
                digest.algorithm()
            )));
        };
        if got != digest {
            return facts(SubjectRead::Mismatch(format!(
                "the bytes stored as {digest} hash to {got}"
            )));
        }
    }
    match subject.get("size").and_then(Value::as_u64) {
        Some(n) if n == bytes.len() as u64 => {
            facts(SubjectRead::Found(Document::from_bytes(bytes)))
        }
        other => facts(SubjectRead::Mismatch(format!(
            "the subject's size is {}, the stored manifest has {} bytes",
            other.map_or("not a non-negative integer".to_string(), |n| n.to_string()),
            bytes.len()
        ))),
    }
}

/// [`resolve_subject`] in an OCI image layout: the subject is a blob of the layout.
pub(crate) fn subject_in_layout(
    layout: &OciLayout,
    manifest: Option<&Value>,
    limits: &Limits,
) -> Option<SubjectFacts> {
    let max = limits.max_document_bytes;
    resolve_subject(manifest, limits, &|d| match layout.open_blob(d) {
        Err(BlobError::NotFound(_)) => Fetched::Absent,
        Err(e) => Fetched::Failed(e.to_string()),
        Ok(reader) => match read_at_most(reader, max) {
            Ok(bytes) => Fetched::Bytes(bytes),
            Err(e) => Fetched::Failed(format!("read failed: {e}")),
        },
    })
}

/// [`resolve_subject`] in a registry: the subject is a manifest of the same repository, which
/// `fetch_manifest` returns only when its bytes hash to the digest asked for.
pub(crate) fn subject_in_registry(
    source: &crate::targets::registry::source::RegistrySource,
    manifest: Option<&Value>,
    limits: &Limits,
) -> Option<SubjectFacts> {
    use crate::targets::registry::reference::Target;
    use crate::targets::registry::source::ManifestError;
    resolve_subject(
        manifest,
        limits,
        &|d| match source.fetch_manifest(&Target::Digest(d.clone())) {
            Ok(m) => Fetched::Verified(m.bytes),
            Err(ManifestError::NotFound(_)) => Fetched::Absent,
            Err(e) => Fetched::Failed(e.to_string()),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(size: u64, stored: &[u8], fetched: impl Fn() -> Fetched) -> SubjectRead {
        let digest = Digest::sha256_of(stored);
        let manifest = json!({"subject": {"digest": digest.to_string(), "size": size}});
        let limits = Limits {
            max_document_bytes: 64,
            ..Limits::default()
        };
        resolve_subject(Some(&manifest), &limits, &|_| fetched())
            .expect("a subject")
            .read
    }

    #[test]
    fn a_subject_is_bound_to_its_digest_and_size() {
        let base = br#"{"schemaVersion":2}"#;
        let n = base.len() as u64;
        assert!(matches!(
            resolve(n, base, || Fetched::Bytes(base.to_vec())),
            SubjectRead::Found(_)
        ));
        assert!(matches!(
            resolve(n, base, || Fetched::Bytes(b"{}".to_vec())),
            SubjectRead::Mismatch(e) if e.contains("hash to")
        ));
        assert!(matches!(
            resolve(n + 1, base, || Fetched::Bytes(base.to_vec())),
            SubjectRead::Mismatch(e) if e.contains("size")
        ));
        assert!(matches!(
            resolve(n, base, || Fetched::Absent),
            SubjectRead::Absent(_)
        ));
        // Bytes a registry already verified are bound by their size and the document bound
        // all the same.
        assert!(matches!(
            resolve(n, base, || Fetched::Verified(base.to_vec())),
            SubjectRead::Found(_)
        ));
        assert!(matches!(
            resolve(n + 1, base, || Fetched::Verified(base.to_vec())),
            SubjectRead::Mismatch(e) if e.contains("size")
        ));
        assert!(matches!(
            resolve(n, base, || Fetched::Verified(vec![b' '; 65])),
            SubjectRead::Failed(e) if e.contains("bound")
        ));
        assert!(matches!(
            resolve(n, base, || Fetched::Failed("reset".into())),
            SubjectRead::Failed(_)
        ));
        assert!(matches!(
            resolve(n, base, || Fetched::Bytes(vec![b' '; 65])),
            SubjectRead::Failed(e) if e.contains("bound")
        ));
        assert!(
            resolve_subject(Some(&json!({})), &Limits::default(), &|_| Fetched::Absent).is_none()
        );
        let malformed = json!({"subject": {"digest": "sha256:zz"}});
        assert!(matches!(
            resolve_subject(Some(&malformed), &Limits::default(), &|_| Fetched::Absent)
                .map(|s| s.read),
            Some(SubjectRead::Absent(_))
        ));
    }
}
