//! Following an OCI image index that is not an agent bundle to the manifests it lists
//! (`spec/v1.0/indexes.md`, IDX-*).
//!
//! Real tools put an image index under a tag (multi-platform builds, packers that wrap a model
//! manifest). The walk reads every descriptor of the index through any [`BlobSource`] (a layout
//! or a registry), descends into nested indexes within [`MAX_INDEX_DEPTH`] and
//! [`MAX_INDEX_DESCRIPTORS`], and gathers each manifest it reaches as an artifact of its own.
//! What stops it (a missing child, a lie about a digest, a cycle, a bound) becomes an
//! [`IndexProblem`] for the `index.follow` check.

use crate::artifact::{
    Artifact, ChildFacts, IndexFacts, IndexProblem, IndexProblemKind, LayoutFacts,
};
use crate::digest::{Digest, Hasher};
use crate::document::{Document, Limits};
use crate::inspect::{InspectOptions, collect};
use crate::source::{BlobError, BlobSource};
use crate::vocabulary::{OCI_INDEX, OCI_MANIFEST};
use serde_json::Value;

/// Indexes in one chain, counting the selected index: an index at a deeper level is not read.
pub const MAX_INDEX_DEPTH: usize = 4;
/// Descriptors followed in all indexes of one target together; the rest are not read.
pub const MAX_INDEX_DESCRIPTORS: usize = 256;

/// Which manifests of an index to check (`--platform`, `--artifact-type`); empty keeps all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `os/architecture[/variant]`, matched against the descriptor's `platform`.
    pub platform: Option<String>,
    /// Matched against the descriptor's `artifactType`, else the manifest's.
    pub artifact_type: Option<String>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.platform.is_none() && self.artifact_type.is_none()
    }

    fn keeps(&self, descriptor: &Value, manifest: &Document) -> bool {
        let platform_ok = self
            .platform
            .as_deref()
            .is_none_or(|want| platform_of(descriptor).is_some_and(|have| have == want));
        let type_ok = self
            .artifact_type
            .as_deref()
            .is_none_or(|want| artifact_type_of(descriptor, manifest) == Some(want));
        platform_ok && type_ok
    }
}

/// Whether a selected document is an image index to follow: a `manifests` array, no `layers`,
/// and not an agent bundle (bundles are judged as a whole, `spec/v1.0/bundles.md`).
pub fn is_image_index(doc: &Document) -> bool {
    let Ok(v) = &doc.json else {
        return false;
    };
    let media_type = v.get("mediaType").and_then(Value::as_str);
    v.get("manifests").is_some_and(Value::is_array)
        && v.get("layers").is_none()
        && (media_type.is_none() || media_type == Some(OCI_INDEX))
        && !crate::bundle::is_bundle(doc)
}

/// The index as an [`Artifact`] whose [`IndexFacts`] hold every manifest reached.
///
/// Errs (with a message for the user) only when a selection was given and no manifest
/// reached matches it.
pub fn load(
    source: &dyn BlobSource,
    target: String,
    layout: Option<LayoutFacts>,
    index: Document,
    limits: &Limits,
    options: &InspectOptions,
    selection: &Selection,
) -> Result<Artifact, String> {
    let mut walk = Walk {
        source,
        limits,
        followed: 0,
        ancestors: vec![index.sha256.to_string()],
        leaves: Vec::new(),
        problems: Vec::new(),
    };
    if let Some(selected) = layout
        .as_ref()
        .and_then(|l| l.selected.get("digest"))
        .and_then(Value::as_str)
    {
        walk.ancestors.push(selected.to_string());
    }
    if let Ok(v) = &index.json {
        walk.index(v, "", 1);
    }
    let reached = walk.leaves.len();
    let (kept, dropped): (Vec<_>, Vec<_>) = walk
        .leaves
        .into_iter()
        .partition(|(_, d, m)| selection.keeps(d, m));
    if !selection.is_empty() && kept.is_empty() && reached > 0 {
        let shown: Vec<String> = dropped
            .iter()
            .map(|(path, d, m)| {
                format!(
                    "{path} platform {} artifactType {}",
                    platform_of(d).unwrap_or_else(|| "none".into()),
                    artifact_type_of(d, m).unwrap_or("none")
                )
            })
            .collect();
        return Err(format!(
            "no manifest of the index matches the selection (manifests: {})",
            shown.join("; ")
        ));
    }
    let children = kept
        .into_iter()
        .map(|(path, descriptor, manifest)| {
            let shown = format!("{target}#{path}");
            let artifact = if crate::bundle::is_bundle(&manifest) {
                crate::bundle::load(source, shown, None, manifest, limits, options)
            } else {
                collect(source, shown, None, manifest, limits, options)
            };
            ChildFacts {
                path,
                descriptor,
                artifact,
            }
        })
        .collect();
    Ok(Artifact {
        target,
        layout,
        manifest_digest: index.sha256.clone(),
        manifest: index,
        config: None,
        layers: Vec::new(),
        bundle: None,
        evidence: None,
        index: Some(IndexFacts {
            children,
            problems: walk.problems,
            excluded: dropped.len(),
        }),
    })
}

/// `os/architecture[/variant]` of a descriptor's `platform`.
pub fn platform_of(descriptor: &Value) -> Option<String> {
    let p = descriptor.get("platform")?;
    let os = p.get("os")?.as_str()?;
    let arch = p.get("architecture")?.as_str()?;
    Some(match p.get("variant").and_then(Value::as_str) {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    })
}

/// The descriptor's `artifactType`, else the manifest's.
pub fn artifact_type_of<'a>(descriptor: &'a Value, manifest: &'a Document) -> Option<&'a str> {
    descriptor
        .get("artifactType")
        .and_then(Value::as_str)
        .or_else(|| {
            manifest
                .json
                .as_ref()
                .ok()
                .and_then(|m| m.get("artifactType"))
                .and_then(Value::as_str)
        })
}

struct Walk<'a> {
    source: &'a dyn BlobSource,
    limits: &'a Limits,
    followed: usize,
    /// Digests of the indexes on the current chain (a descriptor naming one is a cycle).
    ancestors: Vec<String>,
    leaves: Vec<(String, Value, Document)>,
    problems: Vec<IndexProblem>,
}

impl Walk<'_> {
    fn problem(&mut self, path: &str, kind: IndexProblemKind, message: String) {
        self.problems.push(IndexProblem {
            path: path.to_string(),
            kind,
            message,
        });
    }

    fn index(&mut self, index: &Value, prefix: &str, depth: usize) {
        let Some(list) = index.get("manifests").and_then(Value::as_array) else {
            return;
        };
        for (i, descriptor) in list.iter().enumerate() {
            let path = format!("{prefix}/manifests/{i}");
            if self.followed == MAX_INDEX_DESCRIPTORS {
                self.problem(
                    &path,
                    IndexProblemKind::TooMany,
                    format!(
                        "more than {MAX_INDEX_DESCRIPTORS} descriptors in the indexes of this \
                         target; the rest are not followed"
                    ),
                );
                return;
            }
            self.followed += 1;
            self.descriptor(descriptor, &path, depth);
        }
    }

    fn descriptor(&mut self, d: &Value, path: &str, depth: usize) {
        use IndexProblemKind as K;
        let declared = d.get("digest").and_then(Value::as_str).unwrap_or("");
        let digest = match Digest::parse(declared) {
            Ok(dg) => dg,
            Err(e) => {
                let why = format!("the descriptor's digest {declared:?} is unusable: {e}");
                return self.problem(path, K::Unaddressable, why);
            }
        };
        if self.ancestors.iter().any(|a| a == declared) {
            let why = format!(
                "{declared} names an index that is already being followed (a cycle); not \
                 followed again"
            );
            return self.problem(path, K::Cycle, why);
        }
        let media_type = d.get("mediaType").and_then(Value::as_str);
        if media_type != Some(OCI_MANIFEST) && media_type != Some(OCI_INDEX) {
            let why = format!(
                "the descriptor's mediaType is {}, neither an image manifest nor an image index",
                media_type.map_or("absent".to_string(), |t| format!("{t:?}"))
            );
            return self.problem(path, K::NotManifest, why);
        }
        let reader = match self.source.open_blob(&digest) {
            Ok(r) => r,
            Err(BlobError::NotFound(_)) => {
                let why = format!("{declared} is not in the target");
                return self.problem(path, K::Missing, why);
            }
            Err(e @ BlobError::OutsideLayout { .. }) => {
                return self.problem(path, K::OutsideLayout, e.to_string());
            }
            Err(e) => return self.problem(path, K::Unreadable, e.to_string()),
        };
        let doc = match Document::from_reader(reader, self.limits) {
            Ok(doc) => doc,
            Err(e) => {
                let why = format!("{declared} cannot be read: {e}");
                return self.problem(path, K::Unreadable, why);
            }
        };
        self.verify(d, &digest, &doc, path);
        let Ok(json) = &doc.json else {
            let why = format!("{declared} is not a JSON document");
            return self.problem(path, K::NotManifest, why);
        };
        let nested =
            json.get("manifests").is_some_and(Value::is_array) && !crate::bundle::is_bundle(&doc);
        if !nested {
            self.leaves.push((path.to_string(), d.clone(), doc));
            return;
        }
        if depth >= MAX_INDEX_DEPTH {
            let why = format!(
                "{declared} is an index at nesting level {}, deeper than the {MAX_INDEX_DEPTH} \
                 levels followed",
                depth + 1
            );
            return self.problem(path, K::TooDeep, why);
        }
        let json = json.clone();
        self.ancestors.push(declared.to_string());
        self.index(&json, path, depth + 1);
        self.ancestors.pop();
    }

    /// IDX-002: the stored bytes have the descriptor's size and digest.
    fn verify(&mut self, d: &Value, digest: &Digest, doc: &Document, path: &str) {
        let size = d.get("size").and_then(Value::as_u64);
        if size != Some(doc.size) {
            let why = format!(
                "the descriptor's size is {}, the stored document has {} bytes",
                size.map_or("invalid".to_string(), |s| s.to_string()),
                doc.size
            );
            self.problem(path, IndexProblemKind::Mismatch, why);
        }
        let actual = if digest.algorithm() == "sha256" {
            Some(doc.sha256.clone())
        } else {
            doc.bytes.as_ref().and_then(|b| {
                let mut h = Hasher::new(digest.algorithm())?;
                h.update(b);
                Some(h.finish())
            })
        };
        match actual {
            Some(a) if a == *digest => {}
            Some(a) => {
                let why =
                    format!("the descriptor's digest is {digest}, the stored bytes hash to {a}");
                self.problem(path, IndexProblemKind::Mismatch, why);
            }
            None => {
                let why = format!("the stored bytes of {digest} could not be hashed");
                self.problem(path, IndexProblemKind::Mismatch, why);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::BUNDLE_ARTIFACT_TYPE;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        Document::from_bytes(serde_json::to_vec(&v).unwrap())
    }

    #[test]
    fn what_counts_as_an_index_to_follow() {
        assert!(is_image_index(&doc(json!({"manifests": []}))));
        assert!(is_image_index(&doc(
            json!({"mediaType": OCI_INDEX, "manifests": []})
        )));
        // A manifest, something with layers, a bundle and non-JSON are not.
        assert!(!is_image_index(&doc(
            json!({"mediaType": OCI_MANIFEST, "manifests": []})
        )));
        assert!(!is_image_index(&doc(
            json!({"manifests": [], "layers": []})
        )));
        assert!(!is_image_index(&doc(json!({"manifests": [],
            "artifactType": BUNDLE_ARTIFACT_TYPE}))));
        assert!(!is_image_index(&Document::from_bytes(b"{".to_vec())));
    }

    #[test]
    fn selection_matches_platform_and_artifact_type() {
        let d = json!({"platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
            "artifactType": "a/b"});
        let m = doc(json!({"artifactType": "c/d"}));
        assert_eq!(platform_of(&d).as_deref(), Some("linux/arm64/v8"));
        assert_eq!(artifact_type_of(&d, &m), Some("a/b"));
        assert_eq!(artifact_type_of(&json!({}), &m), Some("c/d"));
        let sel = |p: Option<&str>, t: Option<&str>| Selection {
            platform: p.map(str::to_string),
            artifact_type: t.map(str::to_string),
        };
        assert!(sel(None, None).is_empty() && sel(None, None).keeps(&d, &m));
        assert!(sel(Some("linux/arm64/v8"), Some("a/b")).keeps(&d, &m));
        assert!(!sel(Some("linux/arm64"), None).keeps(&d, &m));
        assert!(!sel(None, Some("c/d")).keeps(&d, &m));
        assert!(!sel(Some("linux/amd64"), None).keeps(&json!({}), &m));
    }
}
