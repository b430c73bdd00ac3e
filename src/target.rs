//! Target references (`oci:<dir>[:<tag>|@<digest>]`) and loading an artifact from them.

use crate::artifact::{Artifact, Limits};
use crate::inspect::{InspectOptions, collect};
use crate::layout::{LayoutError, OciLayout};
use crate::source::BlobSource;
use std::path::PathBuf;

/// What the user named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    /// An OCI image layout directory, with an optional tag or digest.
    Layout {
        dir: PathBuf,
        selector: Option<String>,
    },
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
        let Some(rest) = s.strip_prefix("oci:") else {
            return Err(TargetError::Usage(format!(
                "unsupported target {s:?}: use oci:<dir>[:<tag>|@<digest>]"
            )));
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
    pub fn describe(&self) -> String {
        match self {
            TargetRef::Layout { dir, selector } => match selector {
                None => format!("oci:{}", dir.display()),
                Some(s) if s.contains(':') => format!("oci:{}@{s}", dir.display()),
                Some(s) => format!("oci:{}:{s}", dir.display()),
            },
        }
    }

    /// Read the artifact and gather its facts by streaming every blob.
    pub fn load(&self, limits: &Limits, options: &InspectOptions) -> Result<Artifact, TargetError> {
        match self {
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
                Ok(collect(
                    &layout as &dyn BlobSource,
                    self.describe(),
                    Some(facts),
                    manifest,
                    limits,
                    options,
                ))
            }
        }
    }
}

fn layout_error(e: LayoutError) -> TargetError {
    match e {
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
        assert_eq!(
            t("oci:d@sha256:abc"),
            TargetRef::Layout {
                dir: "d".into(),
                selector: Some("sha256:abc".into())
            }
        );
        assert!(TargetRef::parse("docker://x").is_err());
        assert!(TargetRef::parse("oci:").is_err());
    }
}
