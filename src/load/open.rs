//! Target references and loading an artifact from them: an OCI image layout
//! (`oci:<dir>[:<tag>|@<digest>]`) or a registry (`<registry>/<repo>[:<tag>|@<digest>]`).

use crate::artifact::Artifact;
use crate::document::{Document, Limits};
use crate::image_index::{Selection, is_image_index};
use crate::inspect::{InspectOptions, LayerTap, collect_tapped};
use crate::source::BlobSource;
use crate::targets::layout::{LayoutError, OciLayout};
use crate::targets::registry::client::ClientError;
use crate::targets::registry::config::RegistryConfig;
use crate::targets::registry::reference::Reference;
use crate::targets::registry::referrers::Via;
use crate::targets::registry::source::ManifestError;
use crate::targets::registry::{OpenError, RemoteManifest};
use std::path::PathBuf;

/// What the user named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    /// An OCI image layout directory, with an optional tag or digest.
    Layout {
        dir: PathBuf,
        selector: Option<String>,
    },
    /// A manifest in a registry, read-only, blobs streamed from the registry.
    Registry(Reference),
}

/// A loaded artifact and what else the target told about it (for the report's options).
pub struct Loaded {
    pub artifact: Artifact,
    /// e.g. how referrers were discovered; `null` for layouts.
    pub notes: serde_json::Value,
}

/// Why a target could not be loaded, split by who must act: the user (usage) or the suite
/// and its environment (harness).
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Harness(String),
}

impl TargetRef {
    pub fn parse(s: &str) -> Result<TargetRef, TargetError> {
        if let Some((_, digest)) = s.rsplit_once('@') {
            check_digest(digest)?;
        }
        let Some(rest) = s.strip_prefix("oci:") else {
            return Reference::parse(s).map(TargetRef::Registry).map_err(|e| {
                TargetError::Usage(format!(
                    "unsupported target {s:?}: use oci:<dir>[:<tag>|@<digest>] or \
                     <registry>/<repository>[:<tag>|@<digest>] ({})",
                    e.message
                ))
            });
        };
        if rest.is_empty() {
            return Err(TargetError::Usage("oci: needs a directory".into()));
        }
        if let Some((dir, digest)) = rest.rsplit_once('@') {
            return Ok(TargetRef::Layout {
                dir: dir.into(),
                selector: Some(digest.to_string()),
            });
        }
        // A tag follows the last ':' unless that ':' belongs to the path itself.
        match rest.rsplit_once(':') {
            Some((dir, tag)) if !tag.contains('/') && !dir.is_empty() => Ok(TargetRef::Layout {
                dir: dir.into(),
                selector: Some(tag.to_string()),
            }),
            _ => Ok(TargetRef::Layout {
                dir: rest.into(),
                selector: None,
            }),
        }
    }

    /// A credential-free display form.
    pub(crate) fn describe(&self) -> String {
        match self {
            TargetRef::Layout { dir, selector } => match selector {
                None => format!("oci:{}", dir.display()),
                Some(s) if s.contains(':') => format!("oci:{}@{s}", dir.display()),
                Some(s) => format!("oci:{}:{s}", dir.display()),
            },
            TargetRef::Registry(r) => match &r.scheme {
                Some(scheme) => format!("{scheme}://{r}"),
                None => r.to_string(),
            },
        }
    }

    /// Whether this is a registry reference.
    pub(crate) fn is_registry(&self) -> bool {
        matches!(self, TargetRef::Registry(_))
    }

    /// Read the artifact and gather its facts by streaming every blob. A registry target takes
    /// its settings from the environment (`AI_INTEROP_REGISTRY_*`).
    pub fn load(&self, limits: &Limits, options: &InspectOptions) -> Result<Artifact, TargetError> {
        let registry = match self {
            TargetRef::Registry(_) => {
                RegistryConfig::from_env().map_err(|e| TargetError::Usage(e.to_string()))?
            }
            TargetRef::Layout { .. } => RegistryConfig::default(),
        };
        self.load_with(limits, options, &registry)
            .map(|l| l.artifact)
    }

    /// [`load`](Self::load) with explicit registry settings (credentials, TLS, timeouts; the
    /// URL comes from the reference).
    pub fn load_with(
        &self,
        limits: &Limits,
        options: &InspectOptions,
        registry: &RegistryConfig,
    ) -> Result<Loaded, TargetError> {
        self.load_selected(limits, options, registry, &Selection::default())
    }

    /// [`load_with`](Self::load_with), keeping only the manifests of an image index that
    /// `selection` names (a usage error when it names none).
    pub(crate) fn load_selected(
        &self,
        limits: &Limits,
        options: &InspectOptions,
        registry: &RegistryConfig,
        selection: &Selection,
    ) -> Result<Loaded, TargetError> {
        self.load_tapped(limits, options, registry, selection, None)
    }

    /// [`load_selected`](Self::load_selected), the selected manifest's layers read through
    /// `tap` (see [`collect_tapped`]).
    pub(crate) fn load_tapped(
        &self,
        limits: &Limits,
        options: &InspectOptions,
        registry: &RegistryConfig,
        selection: &Selection,
        tap: Option<&dyn LayerTap>,
    ) -> Result<Loaded, TargetError> {
        let artifact = match self {
            TargetRef::Registry(_) => {
                return load_registry(self, limits, options, registry, selection, tap);
            }
            TargetRef::Layout { dir, selector } => {
                if !dir.is_dir() {
                    return Err(TargetError::Usage(format!(
                        "{} is not a directory",
                        dir.display()
                    )));
                }
                let layout = OciLayout::open(dir, limits).map_err(layout_error)?;
                let (facts, manifest) = layout
                    .select(selector.as_deref(), limits)
                    .map_err(layout_error)?;
                if crate::bundle::is_bundle(&manifest) {
                    return Ok(Loaded {
                        artifact: crate::bundle::load(
                            &layout,
                            self.describe(),
                            Some(facts),
                            manifest,
                            limits,
                            options,
                        ),
                        notes: serde_json::Value::Null,
                    });
                }
                if is_image_index(&manifest) {
                    let artifact = crate::image_index::load(
                        &layout,
                        self.describe(),
                        Some(facts),
                        manifest,
                        limits,
                        options,
                        selection,
                    )
                    .map_err(|e| TargetError::Usage(format!("{}: {e}", self.describe())))?;
                    return Ok(Loaded {
                        artifact,
                        notes: serde_json::Value::Null,
                    });
                }
                let subject = subject_digest(&facts.selected);
                let mut artifact = collect_tapped(
                    &layout as &dyn BlobSource,
                    self.describe(),
                    Some(facts),
                    manifest,
                    limits,
                    options,
                    tap,
                );
                let subject = subject.unwrap_or_else(|| artifact.manifest_digest.clone());
                let mut evidence = crate::load::discover::from_layout(&layout, &subject, limits);
                evidence.subject = crate::load::discover::subject_in_layout(
                    &layout,
                    artifact.manifest_json(),
                    limits,
                );
                artifact.evidence = Some(evidence);
                artifact
            }
        };
        Ok(Loaded {
            artifact,
            notes: serde_json::Value::Null,
        })
    }
}

/// A digest after `@` must follow the grammar, and a registered algorithm its exact encoding:
/// `@sha256:deadbeef` is malformed, not merely absent from the index.
fn check_digest(digest: &str) -> Result<(), TargetError> {
    let malformed = |e: crate::digest::DigestError| {
        TargetError::Usage(format!("malformed digest {digest:?}: {e}"))
    };
    let d = crate::digest::Digest::parse_grammar(digest).map_err(malformed)?;
    if matches!(d.algorithm(), "sha256" | "sha512") {
        d.check_registered().map_err(malformed)?;
    }
    Ok(())
}

/// Open the reference read-only and stream every blob from the registry into the inspector.
fn load_registry(
    target: &TargetRef,
    limits: &Limits,
    options: &InspectOptions,
    registry: &RegistryConfig,
    selection: &Selection,
    tap: Option<&dyn LayerTap>,
) -> Result<Loaded, TargetError> {
    let remote = target.open_remote(registry)?;
    target.load_remote(remote, true, limits, options, selection, tap)
}

impl TargetRef {
    /// Fetch a registry target's manifest (one request), no blob and no referrer yet: what
    /// `unpack` judges its destination by before [`load_remote`](Self::load_remote) reads the
    /// blobs. A layout target is a usage error.
    pub(crate) fn open_remote(
        &self,
        registry: &RegistryConfig,
    ) -> Result<RemoteManifest, TargetError> {
        if !self.is_registry() {
            return Err(TargetError::Usage(format!(
                "{}: not a registry reference",
                self.describe()
            )));
        }
        let shown = self.describe();
        crate::targets::registry::open_manifest(&shown, registry)
            .map_err(|e| registry_error(&shown, e))
    }

    /// [`load_tapped`](Self::load_tapped) of a registry target [`open_remote`](Self::open_remote)
    /// opened: its manifest is not fetched again. Its referrers (and the legacy signature tag)
    /// are looked up only with `evidence`, for a profile that judges evidence; without, the
    /// artifact has no evidence facts, so an evidence check that runs anyway says discovery did
    /// not run (an error, never a pass).
    pub(crate) fn load_remote(
        &self,
        remote: RemoteManifest,
        evidence: bool,
        limits: &Limits,
        options: &InspectOptions,
        selection: &Selection,
        tap: Option<&dyn LayerTap>,
    ) -> Result<Loaded, TargetError> {
        let shown = self.describe();
        let (source, fetched, referrers) = if evidence {
            let art = remote
                .with_referrers()
                .map_err(|e| registry_error(&shown, e))?;
            (art.source, art.manifest, Some(art.referrers))
        } else {
            (remote.source, remote.manifest, None)
        };
        let manifest = Document::from_reader(std::io::Cursor::new(fetched.bytes.clone()), limits)
            .map_err(|e| TargetError::Harness(format!("{shown}: manifest: {e}")))?;
        // The inspector hashes every blob: other bytes than the digest says are DSC-004.
        let blobs = source.clone().digests_checked_by_reader(false);
        let artifact = if crate::bundle::is_bundle(&manifest) {
            crate::bundle::load(&blobs, shown, None, manifest, limits, options)
        } else if is_image_index(&manifest) {
            crate::image_index::load(
                &blobs,
                shown.clone(),
                None,
                manifest,
                limits,
                options,
                selection,
            )
            .map_err(|e| TargetError::Usage(format!("{shown}: {e}")))?
        } else {
            let mut artifact = collect_tapped(
                &blobs as &dyn BlobSource,
                shown,
                None,
                manifest,
                limits,
                options,
                tap,
            );
            artifact.evidence = referrers.as_ref().map(|r| {
                let mut evidence =
                    crate::load::discover::from_registry(&source, &fetched.digest, r, limits);
                evidence.subject = crate::load::discover::subject_in_registry(
                    &source,
                    artifact.manifest_json(),
                    limits,
                );
                evidence
            });
            artifact
        };
        let referrers = match &referrers {
            Some(r) => {
                let via = match &r.via {
                    Via::Api { .. } => "referrers-api".to_string(),
                    Via::FallbackTag(t) => format!("fallback-tag {t}"),
                    _ => "none (no referrers API, no fallback tag)".to_string(),
                };
                serde_json::json!({
                    "via": via,
                    "count": r.descriptors.len(),
                    "evidence": r.evidence,
                })
            }
            None => serde_json::json!({
                "via": "not looked up (the profile judges no evidence)",
            }),
        };
        Ok(Loaded {
            artifact,
            notes: serde_json::json!({
                "manifestDigest": fetched.digest.to_string(),
                "contentType": fetched.content_type,
                "referrers": referrers,
            }),
        })
    }
}

/// The digest the layout's descriptor names for the selected manifest (what referrers name as
/// their subject), when it parses.
fn subject_digest(selected: &serde_json::Value) -> Option<crate::digest::Digest> {
    selected
        .get("digest")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| crate::digest::Digest::parse(s).ok())
}

/// Who must act on a registry failure: a bad reference, setting or name is the user's (2);
/// an unreachable registry, refused credentials or a broken answer is the harness's (3).
fn registry_error(shown: &str, e: OpenError) -> TargetError {
    let msg = format!("{shown}: {e}");
    match e {
        OpenError::Reference(_) | OpenError::Client(ClientError::Config(_)) => {
            TargetError::Usage(msg)
        }
        OpenError::Manifest(ManifestError::NotFound(_)) => {
            TargetError::Usage(format!("{msg} in the registry"))
        }
        _ => TargetError::Harness(format!("cannot read {msg}")),
    }
}

fn layout_error(e: LayoutError) -> TargetError {
    match e {
        // A manifest stored as a link out of the layout is the layout's defect (OCI-004).
        LayoutError::Manifest(crate::source::BlobError::OutsideLayout { .. }) => {
            TargetError::Usage(format!("{e} (OCI-004)"))
        }
        LayoutError::Io { .. } | LayoutError::Manifest(_) => TargetError::Harness(e.to_string()),
        _ => TargetError::Usage(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_layout_references() {
        let t = |s: &str| TargetRef::parse(s).unwrap();
        assert_eq!(
            t("oci:dir"),
            TargetRef::Layout {
                dir: "dir".into(),
                selector: None
            }
        );
        assert_eq!(
            t("oci:/a/b:v1"),
            TargetRef::Layout {
                dir: "/a/b".into(),
                selector: Some("v1".into())
            }
        );
        let d = crate::digest::Digest::sha256_of(b"x").to_string();
        assert_eq!(
            t(&format!("oci:d@{d}")),
            TargetRef::Layout {
                dir: "d".into(),
                selector: Some(d.clone())
            }
        );
        for bad in ["oci:d@sha256:deadbeef", "oci:d@sha256:", "oci:d@nodigest"] {
            match TargetRef::parse(bad) {
                Err(TargetError::Usage(m)) => assert!(m.contains("malformed digest"), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(TargetRef::parse("docker://x").is_err());
        assert!(TargetRef::parse("oci:").is_err());
        assert!(matches!(
            TargetRef::parse("noslash"),
            Err(TargetError::Usage(_))
        ));
    }

    #[test]
    fn parses_registry_references() {
        let t = TargetRef::parse("127.0.0.1:5000/ns/model:v1").unwrap();
        assert!(t.is_registry());
        assert_eq!(t.describe(), "127.0.0.1:5000/ns/model:v1");
        let d = crate::digest::Digest::sha256_of(b"x");
        let t = TargetRef::parse(&format!("registry.example/a/b@{d}")).unwrap();
        assert_eq!(t.describe(), format!("registry.example/a/b@{d}"));
        assert_eq!(
            TargetRef::parse("http://localhost:5000/m")
                .unwrap()
                .describe(),
            "http://localhost:5000/m"
        );
        for bad in [
            "r.example/UPPER:v1",
            "r.example/a:bad tag",
            "r.example/a@sha256:zz",
        ] {
            assert!(
                matches!(TargetRef::parse(bad), Err(TargetError::Usage(_))),
                "{bad}"
            );
        }
    }
}
