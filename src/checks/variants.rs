//! Known producer variants of ModelPack: what real tools write where the spec says something else.
//!
//! A check that would report a generic mismatch (a media type that is not ModelPack's, a missing
//! `artifactType`) looks here first; when the value is a known variant, the finding names the
//! producer, says what the spec expects instead and whether the difference breaks an upstream
//! spec or only this contract, and the mark carries the variant's ID. The table is the one place
//! these variants are described; `spec/v1.0/modelpack.md` ("Known producer variants") lists it.

use crate::vocabulary::{
    DMR_WEIGHT_GGUF, DMR_WEIGHT_SAFETENSORS, DOCKER_AI_PREFIX, KITOPS_KITFILE,
    KITOPS_MODELKIT_PREFIX, MODEL_CONFIG,
};

/// Which spec a variant's difference breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// ModelPack (model-spec) itself: upstream consumers may refuse it too.
    Modelpack,
    /// Only this contract: the producer wrote its own format, which no upstream rule governs.
    Contract,
    /// Nothing: the variant is recognised and allowed.
    Nothing,
}

impl Breaks {
    pub fn as_str(self) -> &'static str {
        match self {
            Breaks::Modelpack => "breaks ModelPack",
            Breaks::Contract => "contract only",
            Breaks::Nothing => "allowed",
        }
    }
}

/// Where a variant shows, and how it is recognised there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// A layer media type, exactly.
    LayerType(&'static str),
    /// Layer media types starting with this.
    LayerTypePrefix(&'static str),
    /// `artifactType` starting with this.
    ArtifactTypePrefix(&'static str),
    /// The config media type starting with this.
    ConfigTypePrefix(&'static str),
    /// No `artifactType`, and a config media type starting with this.
    NoArtifactTypeConfigPrefix(&'static str),
    /// A manifest annotation key.
    ManifestAnnotation(&'static str),
}

/// One known variant.
#[derive(Debug)]
pub struct Variant {
    /// Stable ID, carried by the marks that name the variant.
    pub id: &'static str,
    /// Who writes it, and with which command.
    pub producer: &'static str,
    /// What to do instead to meet the spec (the finding's own text quotes the expected value).
    pub fix: &'static str,
    pub breaks: Breaks,
    /// Where it shows; a variant may show in several places.
    pub sites: &'static [Site],
}

impl Variant {
    /// What a finding appends: the producer, what it breaks, the ID and the fix.
    pub fn describe(&self) -> String {
        format!(
            "this is {} ({}; variant {}); {}",
            self.producer,
            self.breaks.as_str(),
            self.id,
            self.fix
        )
    }
}

/// Every known variant (spec/v1.0/modelpack.md, "Known producer variants").
pub(crate) const VARIANTS: &[Variant] = &[
    Variant {
        id: "docker-model-runner-gguf-weight",
        producer: "Docker Model Runner's legacy GGUF weight type, written by its ModelPack packaging (docker model package --format cncf) until March 2026 and still read by it",
        fix: "the spec's weight type is format-agnostic (weight.v1.raw for one uncompressed file) and the file format goes in the config's config.format",
        breaks: Breaks::Modelpack,
        sites: &[Site::LayerType(DMR_WEIGHT_GGUF)],
    },
    Variant {
        id: "docker-model-runner-safetensors-weight",
        producer: "Docker Model Runner's legacy safetensors weight type, written by its ModelPack packaging (docker model package --format cncf) until March 2026 and still read by it",
        fix: "the spec's weight type is format-agnostic (weight.v1.raw for one uncompressed file) and the file format goes in the config's config.format",
        breaks: Breaks::Modelpack,
        sites: &[Site::LayerType(DMR_WEIGHT_SAFETENSORS)],
    },
    Variant {
        id: "docker-model-runner-docker-format",
        producer: "Docker Model Runner's own format, written by docker model package without --format cncf",
        fix: "docker model package --format cncf writes ModelPack",
        breaks: Breaks::Contract,
        sites: &[
            Site::ConfigTypePrefix(DOCKER_AI_PREFIX),
            Site::LayerTypePrefix(DOCKER_AI_PREFIX),
            Site::NoArtifactTypeConfigPrefix(DOCKER_AI_PREFIX),
        ],
    },
    Variant {
        id: "kitops-modelkit",
        producer: "a KitOps ModelKit, written by kit pack without --use-model-pack",
        fix: "kit pack --use-model-pack writes ModelPack",
        breaks: Breaks::Contract,
        sites: &[
            Site::ArtifactTypePrefix(KITOPS_MODELKIT_PREFIX),
            Site::ConfigTypePrefix(KITOPS_MODELKIT_PREFIX),
            Site::LayerTypePrefix(KITOPS_MODELKIT_PREFIX),
        ],
    },
    Variant {
        id: "modelpack-config-without-artifact-type",
        producer: "a ModelPack artifact without artifactType, which kit (and KServe's pending ModelPack support) still recognise by its config media type",
        fix: "model-spec requires artifactType to be the ModelPack manifest type, and consumers that look only at artifactType miss the model",
        breaks: Breaks::Modelpack,
        sites: &[Site::NoArtifactTypeConfigPrefix(MODEL_CONFIG)],
    },
    Variant {
        id: "kitops-kitfile-annotation",
        producer: "KitOps kit pack --use-model-pack, which keeps the Kitfile (JSON) as a manifest annotation",
        fix: "nothing to change: OCI, ModelPack and this contract allow annotations outside the org.cncf.ai namespace, and none reads it as ModelPack metadata",
        breaks: Breaks::Nothing,
        sites: &[Site::ManifestAnnotation(KITOPS_KITFILE)],
    },
];

fn find(pred: impl Fn(&Site) -> bool) -> Option<&'static Variant> {
    VARIANTS.iter().find(|v| v.sites.iter().any(&pred))
}

/// The variant a layer media type is, if any.
pub(crate) fn layer_type(t: &str) -> Option<&'static Variant> {
    find(|s| match s {
        Site::LayerType(x) => t == *x,
        Site::LayerTypePrefix(p) => t.starts_with(p),
        _ => false,
    })
}

/// The variant an `artifactType` is, if any.
pub fn artifact_type(t: &str) -> Option<&'static Variant> {
    find(|s| matches!(s, Site::ArtifactTypePrefix(p) if t.starts_with(p)))
}

/// The variant a config media type is, if any.
pub fn config_type(t: &str) -> Option<&'static Variant> {
    find(|s| matches!(s, Site::ConfigTypePrefix(p) if t.starts_with(p)))
}

/// The variant a manifest without `artifactType` is, given its config media type.
pub(crate) fn without_artifact_type(config_type: &str) -> Option<&'static Variant> {
    find(|s| matches!(s, Site::NoArtifactTypeConfigPrefix(p) if config_type.starts_with(p)))
}

/// The variants a manifest's annotation keys show.
#[cfg(test)]
pub(crate) fn manifest_annotations<'k>(
    keys: impl IntoIterator<Item = &'k str>,
) -> Vec<&'static Variant> {
    let keys: Vec<&str> = keys.into_iter().collect();
    VARIANTS
        .iter()
        .filter(|v| {
            v.sites
                .iter()
                .any(|s| matches!(s, Site::ManifestAnnotation(k) if keys.contains(k)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let ids: BTreeSet<&str> = VARIANTS.iter().map(|v| v.id).collect();
        assert_eq!(ids.len(), VARIANTS.len());
        for id in ids {
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
        }
    }

    #[test]
    fn every_variant_is_listed_in_the_spec() {
        let spec = include_str!("../../spec/v1.0/modelpack.md");
        for v in VARIANTS {
            assert!(
                spec.contains(&format!("`{}`", v.id)),
                "{} not in modelpack.md",
                v.id
            );
        }
    }

    #[test]
    fn recognition() {
        assert_eq!(
            layer_type(DMR_WEIGHT_GGUF).map(|v| v.id),
            Some("docker-model-runner-gguf-weight")
        );
        assert_eq!(
            layer_type(DMR_WEIGHT_SAFETENSORS).map(|v| v.id),
            Some("docker-model-runner-safetensors-weight")
        );
        assert_eq!(
            layer_type(&format!("{DOCKER_AI_PREFIX}gguf.v3")).map(|v| v.id),
            Some("docker-model-runner-docker-format")
        );
        assert_eq!(
            layer_type(&format!("{KITOPS_MODELKIT_PREFIX}model.v1.tar")).map(|v| v.id),
            Some("kitops-modelkit")
        );
        assert!(layer_type(crate::vocabulary::MODEL_WEIGHT_RAW).is_none());
        assert!(layer_type(crate::vocabulary::OCI_LAYER_TAR).is_none());
        assert_eq!(
            artifact_type(&format!("{KITOPS_MODELKIT_PREFIX}manifest.v1+json")).map(|v| v.id),
            Some("kitops-modelkit")
        );
        assert!(artifact_type(crate::vocabulary::MODEL_MANIFEST).is_none());
        assert_eq!(
            config_type(&format!("{DOCKER_AI_PREFIX}model.config.v0.2+json")).map(|v| v.id),
            Some("docker-model-runner-docker-format")
        );
        assert!(config_type(MODEL_CONFIG).is_none());
        assert_eq!(
            without_artifact_type(MODEL_CONFIG).map(|v| v.id),
            Some("modelpack-config-without-artifact-type")
        );
        assert_eq!(
            without_artifact_type(&format!("{DOCKER_AI_PREFIX}model.config.v0.1+json"))
                .map(|v| v.id),
            Some("docker-model-runner-docker-format")
        );
        assert!(without_artifact_type(crate::vocabulary::OCI_EMPTY).is_none());
        let kit = manifest_annotations([KITOPS_KITFILE, crate::vocabulary::IMAGE_CREATED]);
        assert_eq!(
            kit.iter().map(|v| v.id).collect::<Vec<_>>(),
            ["kitops-kitfile-annotation"]
        );
        assert!(kit.iter().all(|v| v.breaks == Breaks::Nothing));
    }
}
