//! ANN-*: the annotation contract on the manifest.

use super::support::{annotation, annotation_pointer, manifest_annotations, manifest_object};
use super::{Check, CheckContext, Marks};
use crate::artifact::Artifact;
use crate::model::Location;
use crate::trust::openness::{MOF_CLASSES, mof_class_requires};
use serde_json::Value;

use crate::vocabulary::{
    ARTIFACT_TYPE, CONTRACT_PREFIX, IMAGE_AUTHORS, IMAGE_CREATED, IMAGE_LICENSES, IMAGE_SOURCE,
    IMAGE_TITLE, IMAGE_VERSION, LEGACY_MODEL_CONFIG, LEGACY_MODEL_MANIFEST, LIFECYCLE,
    LORA_ADAPTER, MODEL_CONFIG, MODEL_KIND, MODEL_MANIFEST, MOF_CLASS, MOF_COMPONENTS, MOF_VERSION,
    PACKAGING, PROFILE_VERSION, PROVENANCE, SBOM, SIGNING,
};

/// Every key this profile defines in the `org.cncf.ai.` namespace: the draft's and our own.
fn profile_keys() -> impl Iterator<Item = &'static str> {
    crate::vocabulary::CNCF_AI_DRAFT_KEYS
        .iter()
        .chain(crate::vocabulary::CNCF_AI_CONTRACT_ONLY_KEYS)
        .copied()
}

/// The values of `org.cncf.ai.artifact.type` that spec 1.0 defines: `model` in core, the
/// agentic kinds by the `agentic` extension, `lora-adapter` by the `lora` extension.
pub(crate) const ARTIFACT_TYPES: &[&str] = &[
    MODEL_KIND,
    "skill",
    "prompt-template",
    "workflow",
    "agent-bundle",
    LORA_ADAPTER,
];
/// Values reserved for extensions that spec 1.0 does not define yet.
pub(crate) const RESERVED_ARTIFACT_TYPES: &[&str] = &["rag-context"];

/// Whether the artifact says it is something other than a model (a defined agentic kind or a
/// reserved value): the model-only requirements (MOF, ModelPack) do not apply to it. A LoRA
/// adapter is weights packaged like a model (`spec/v1.0/lora.md`): they apply to it.
pub(crate) fn non_model_type(a: &Artifact) -> Option<&str> {
    annotation(manifest_annotations(a), ARTIFACT_TYPE)
        .filter(|t| *t != MODEL_KIND && *t != LORA_ADAPTER)
        .filter(|t| ARTIFACT_TYPES.contains(t) || RESERVED_ARTIFACT_TYPES.contains(t))
}
const LIFECYCLES: &[&str] = &["experimental", "validated", "deprecated", "product-ready"];

pub(crate) const MOF_VOCABULARY: &[&str] = &[
    "datasets",
    "data-preprocessing-code",
    "model-architecture",
    "final-model-parameters",
    "intermediate-model-parameters",
    "model-metadata",
    "training-code",
    "inference-code",
    "evaluation-code",
    "evaluation-data",
    "evaluation-results",
    "supporting-libraries-and-tools",
    "model-card",
    "data-card",
    "technical-report",
    "research-paper",
    "sample-model-outputs",
    "model-openness-config-file",
];

/// Components each class adds; classes are cumulative (II ⊃ III, I ⊃ II).
pub(crate) const CHECKS: &[Check] = &[
    Check {
        id: "annotations.identity",
        title: "Profile version, artifact type, lifecycle status and the org.cncf.ai namespace",
        covers: &["ANN-001", "ANN-002", "ANN-003", "ANN-023"],
        run: identity,
    },
    Check {
        id: "annotations.openness",
        title: "Model Openness Framework class, version and components",
        covers: &[
            "ANN-004", "ANN-005", "ANN-006", "ANN-007", "ANN-008", "ANN-009", "ANN-022",
        ],
        run: openness,
    },
    Check {
        id: "annotations.security",
        title: "Signing, SBOM and provenance pointers",
        covers: &[
            "ANN-010", "ANN-011", "ANN-012", "ANN-019", "ANN-020", "ANN-021",
        ],
        run: security,
    },
    Check {
        id: "annotations.packaging",
        title: "Packaging format and the reused OCI keys",
        covers: &[
            "ANN-013", "ANN-014", "ANN-015", "ANN-016", "ANN-017", "ANN-018",
        ],
        run: packaging,
    },
];

fn at(key: &str) -> Location {
    Location::manifest(annotation_pointer("", key))
}

/// The manifest's annotations, or marks every requirement of the check not-applicable.
fn annotations_or_na<'a>(
    a: &'a Artifact,
    covers: &[&'static str],
    m: &mut Marks,
) -> Option<&'a Value> {
    if manifest_object(a).is_none() {
        m.all_not_applicable(covers, "the manifest is not a JSON object");
        return None;
    }
    static EMPTY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Some(
        manifest_annotations(a)
            .unwrap_or_else(|| EMPTY.get_or_init(|| Value::Object(Default::default()))),
    )
}

fn require_one_of(
    m: &mut Marks,
    req: &'static str,
    ann: &Value,
    key: &str,
    allowed: &[&str],
    required: bool,
) {
    match annotation(Some(ann), key) {
        None if required => m.fail(req, at(key), format!("the manifest must carry {key}")),
        None => m.not_applicable(req, format!("{key} is absent")),
        Some(v) if allowed.contains(&v) => {}
        Some(v) => m.fail(
            req,
            at(key),
            format!("{key} is {v:?}; allowed values: {}", allowed.join(", ")),
        ),
    }
}

fn require_present(m: &mut Marks, req: &'static str, ann: &Value, key: &str) {
    if annotation(Some(ann), key).is_none() {
        m.fail(req, at(key), format!("the manifest must carry {key}"));
    }
}

fn identity(a: &CheckContext, m: &mut Marks) {
    let Some(ann) = annotations_or_na(a, CHECKS[0].covers, m) else {
        return;
    };
    match annotation(Some(ann), PROFILE_VERSION) {
        None => m.fail(
            "ANN-001",
            at(PROFILE_VERSION),
            format!("the manifest must carry {PROFILE_VERSION}"),
        ),
        Some(v) => match semver::Version::parse(v) {
            Err(e) => m.fail(
                "ANN-001",
                at(PROFILE_VERSION),
                format!("{v:?} is not a SemVer 2.0.0 version: {e}"),
            ),
            Ok(ver) if ver.major != 1 => m.fail(
                "ANN-001",
                at(PROFILE_VERSION),
                format!(
                    "profile version {v} has major {}, this profile is major 1",
                    ver.major
                ),
            ),
            Ok(_) => {}
        },
    }
    match annotation(Some(ann), ARTIFACT_TYPE) {
        None => m.fail(
            "ANN-002",
            at(ARTIFACT_TYPE),
            format!("the manifest must carry {ARTIFACT_TYPE}"),
        ),
        Some(v) if ARTIFACT_TYPES.contains(&v) => {}
        Some(v) if RESERVED_ARTIFACT_TYPES.contains(&v) => m.fail(
            "ANN-002",
            at(ARTIFACT_TYPE),
            format!(
                "artifact type {v:?} is reserved for an extension that spec 1.0 does not define"
            ),
        ),
        Some(v) => m.fail(
            "ANN-002",
            at(ARTIFACT_TYPE),
            format!(
                "artifact type {v:?} is not defined; use one of {}",
                ARTIFACT_TYPES.join(", ")
            ),
        ),
    }
    require_one_of(m, "ANN-003", ann, LIFECYCLE, LIFECYCLES, true);
    for key in ann.as_object().into_iter().flat_map(|o| o.keys()) {
        if key.starts_with(CONTRACT_PREFIX) && !profile_keys().any(|k| k == key) {
            m.fail(
                "ANN-023",
                at(key),
                format!(
                    "{key:?} is in the org.cncf.ai namespace but the profile does not define it{}",
                    did_you_mean(key)
                ),
            );
        }
    }
}

/// `; did you mean "…"?` when a profile key is a near miss of `key` (a typo or a synonym in
/// the last word, such as `lifecycle.stage` for `lifecycle.status`), else nothing.
fn did_you_mean(key: &str) -> String {
    profile_keys()
        .map(|k| (strsim::levenshtein(key, k), k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| format!("; did you mean {k:?}?"))
        .unwrap_or_default()
}

/// Items of a comma-separated list, trimmed, so that a whitespace slip is ANN-007's finding only.
fn components(list: &str) -> Vec<&str> {
    list.split(',').map(str::trim).collect()
}

fn openness(a: &CheckContext, m: &mut Marks) {
    let Some(ann) = annotations_or_na(a, CHECKS[1].covers, m) else {
        return;
    };
    if let Some(t) = non_model_type(a) {
        m.all_not_applicable(
            CHECKS[1].covers,
            &format!("the artifact is a {t}, not a model; the MOF keys describe models"),
        );
        return;
    }
    let class = annotation(Some(ann), MOF_CLASS);
    let comps = annotation(Some(ann), MOF_COMPONENTS);
    if class.is_none() {
        m.fail(
            "ANN-004",
            at(MOF_CLASS),
            format!("the manifest should carry {MOF_CLASS}"),
        );
        m.fail(
            "ANN-022",
            at(MOF_CLASS),
            format!("the manifest must carry {MOF_CLASS}"),
        );
        for r in ["ANN-005", "ANN-006", "ANN-007", "ANN-009"] {
            m.not_applicable(r, format!("{MOF_CLASS} is absent"));
        }
    }
    if let Some(class) = class {
        if !MOF_CLASSES.contains(&class) {
            m.fail(
                "ANN-005",
                at(MOF_CLASS),
                format!("MOF class {class:?} is not I, II or III"),
            );
        }
        match annotation(Some(ann), MOF_VERSION) {
            None => m.fail(
                "ANN-006",
                at(MOF_VERSION),
                format!("{MOF_VERSION} must accompany {MOF_CLASS}"),
            ),
            Some(v) if is_major_minor(v) => {}
            Some(v) => m.fail(
                "ANN-006",
                at(MOF_VERSION),
                format!("MOF version {v:?} is not MAJOR.MINOR"),
            ),
        }
        match comps {
            None => m.fail(
                "ANN-007",
                at(MOF_COMPONENTS),
                format!("{MOF_COMPONENTS} must accompany {MOF_CLASS}"),
            ),
            Some(list) => check_component_list(list, m),
        }
    }
    match comps {
        None => m.not_applicable("ANN-008", format!("{MOF_COMPONENTS} is absent")),
        Some(list) => {
            if !components(list).contains(&"model-openness-config-file") {
                m.fail(
                    "ANN-008",
                    at(MOF_COMPONENTS),
                    "the components must include model-openness-config-file",
                );
            }
        }
    }
    match (class, comps) {
        (Some(class), Some(list)) => {
            let Some(required) = mof_class_requires(class) else {
                m.not_applicable("ANN-009", "the claimed class is not a MOF class");
                return;
            };
            let have = components(list);
            let missing: Vec<&str> = required
                .into_iter()
                .filter(|c| !have.contains(c))
                // A research paper may stand in for the technical report.
                .filter(|c| !(*c == "technical-report" && have.contains(&"research-paper")))
                .collect();
            if !missing.is_empty() {
                m.fail(
                    "ANN-009",
                    at(MOF_COMPONENTS),
                    format!(
                        "class {class} requires the components {}",
                        missing.join(", ")
                    ),
                );
            }
        }
        (Some(_), None) => m.not_applicable("ANN-009", format!("{MOF_COMPONENTS} is absent")),
        _ => {}
    }
}

fn check_component_list(list: &str, m: &mut Marks) {
    let mut seen = Vec::new();
    for item in list.split(',') {
        let problem = if item.is_empty() {
            Some("an empty item".to_string())
        } else if item.chars().any(char::is_whitespace) {
            Some(format!("{item:?} contains whitespace"))
        } else if !MOF_VOCABULARY.contains(&item) {
            Some(format!("{item:?} is not a MOF component term"))
        } else if seen.contains(&item) {
            Some(format!("{item:?} is repeated"))
        } else {
            None
        };
        if let Some(p) = problem {
            m.fail(
                "ANN-007",
                at(MOF_COMPONENTS),
                format!("the component list has {p}"),
            );
        }
        seen.push(item);
    }
}

fn is_major_minor(v: &str) -> bool {
    v.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    })
}

/// Reverse-DNS extension name: at least two lowercase labels of a-z, 0-9 and '-'.
fn is_reverse_dns(v: &str) -> bool {
    let labels: Vec<&str> = v.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
}

fn security(a: &CheckContext, m: &mut Marks) {
    let Some(ann) = annotations_or_na(a, CHECKS[2].covers, m) else {
        return;
    };
    match annotation(Some(ann), SIGNING) {
        None => m.not_applicable("ANN-010", format!("{SIGNING} is absent")),
        Some("sigstore" | "notation") => {}
        Some(v) if is_reverse_dns(v) => {}
        Some(v) => m.fail(
            "ANN-010",
            at(SIGNING),
            format!(
                "{v:?} is not sigstore, notation or a reverse-DNS extension name{}",
                if v.starts_with("sigstore") {
                    " (write \"sigstore\")"
                } else {
                    ""
                }
            ),
        ),
    }
    match annotation(Some(ann), SBOM) {
        Some(v) if v.starts_with("spdx") && v != "spdx" => m.fail(
            "ANN-011",
            at(SBOM),
            format!("{v:?} is not a registered SBOM format (write \"spdx\")"),
        ),
        _ => require_one_of(m, "ANN-011", ann, SBOM, &["spdx", "cyclonedx"], false),
    }
    require_one_of(
        m,
        "ANN-012",
        ann,
        PROVENANCE,
        &["slsa-v1.0", "in-toto"],
        false,
    );
    require_present(m, "ANN-019", ann, SIGNING);
    require_present(m, "ANN-020", ann, SBOM);
    require_present(m, "ANN-021", ann, PROVENANCE);
}

fn is_modelpack(a: &Artifact) -> bool {
    let Some(obj) = manifest_object(a) else {
        return false;
    };
    let at = obj.get("artifactType").and_then(Value::as_str);
    let ct = obj
        .get("config")
        .and_then(|c| c.get("mediaType"))
        .and_then(Value::as_str);
    matches!(at, Some(MODEL_MANIFEST | LEGACY_MODEL_MANIFEST))
        || matches!(ct, Some(MODEL_CONFIG | LEGACY_MODEL_CONFIG))
}

fn packaging(a: &CheckContext, m: &mut Marks) {
    let Some(ann) = annotations_or_na(a, CHECKS[3].covers, m) else {
        return;
    };
    if let Some(t) = non_model_type(a) {
        m.not_applicable("ANN-013", format!("the artifact is a {t}, not a model"));
    } else if !is_modelpack(a) {
        m.not_applicable("ANN-013", "the artifact is not a ModelPack artifact");
    } else {
        match annotation(Some(ann), PACKAGING) {
            Some("modelpack") => {}
            None => m.fail(
                "ANN-013",
                at(PACKAGING),
                format!("a ModelPack artifact should carry {PACKAGING}: modelpack"),
            ),
            Some(v) => m.fail(
                "ANN-013",
                at(PACKAGING),
                format!("a ModelPack artifact should say {PACKAGING}: modelpack, not {v:?}"),
            ),
        }
    }

    match annotation(Some(ann), IMAGE_CREATED) {
        None => m.not_applicable("ANN-014", format!("{IMAGE_CREATED} is absent")),
        Some(v) => {
            if let Err(e) = chrono::DateTime::parse_from_rfc3339(v) {
                m.fail(
                    "ANN-014",
                    at(IMAGE_CREATED),
                    format!("{v:?} is not an RFC 3339 date-time: {e}"),
                );
            }
        }
    }
    match annotation(Some(ann), IMAGE_LICENSES) {
        None => m.not_applicable("ANN-015", format!("{IMAGE_LICENSES} is absent")),
        Some(v) => {
            if let Err(e) = spdx::Expression::parse(v) {
                m.fail(
                    "ANN-015",
                    at(IMAGE_LICENSES),
                    format!("{v:?} is not a valid SPDX expression: {}", e.reason),
                );
            }
        }
    }
    match annotation(Some(ann), IMAGE_SOURCE) {
        None => m.not_applicable("ANN-016", format!("{IMAGE_SOURCE} is absent")),
        Some(v) => match url::Url::parse(v) {
            Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {}
            Ok(_) => m.fail("ANN-016", at(IMAGE_SOURCE), format!("{v:?} has no host")),
            Err(e) => m.fail(
                "ANN-016",
                at(IMAGE_SOURCE),
                format!("{v:?} is not an absolute URL: {e}"),
            ),
        },
    }
    let texts: Vec<(&str, &str)> = [IMAGE_TITLE, IMAGE_VERSION, IMAGE_AUTHORS]
        .into_iter()
        .filter_map(|k| annotation(Some(ann), k).map(|v| (k, v)))
        .collect();
    if texts.is_empty() {
        m.not_applicable("ANN-017", "title, version and authors are absent");
    }
    for (k, v) in texts {
        if v.trim().is_empty() {
            m.fail("ANN-017", at(k), format!("{k} must not be empty"));
        }
    }
    let missing: Vec<&str> = [IMAGE_TITLE, IMAGE_VERSION, IMAGE_CREATED, IMAGE_LICENSES]
        .into_iter()
        .filter(|k| annotation(Some(ann), k).is_none())
        .collect();
    if !missing.is_empty() {
        m.fail(
            "ANN-018",
            Location::manifest("/annotations"),
            format!("the manifest should carry {}", missing.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::openness::{MOF_CLASS_I, MOF_CLASS_II, MOF_CLASS_III};
    use crate::vocabulary::SIGNING_MODEL_TRANSPARENCY;

    #[test]
    fn reverse_dns() {
        assert!(is_reverse_dns(SIGNING_MODEL_TRANSPARENCY));
        assert!(!is_reverse_dns("sigstore-cosign"));
        assert!(!is_reverse_dns("Dev.Sigstore"));
        assert!(!is_reverse_dns("a..b"));
    }

    #[test]
    fn major_minor() {
        assert!(is_major_minor("1.0"));
        assert!(!is_major_minor("1"));
        assert!(!is_major_minor("1.0.0"));
        assert!(!is_major_minor("v1.0"));
    }

    #[test]
    fn near_miss_keys_get_a_suggestion() {
        assert_eq!(
            did_you_mean("org.cncf.ai.lifecycle.stage"),
            format!("; did you mean {LIFECYCLE:?}?")
        );
        assert_eq!(
            did_you_mean("org.cncf.ai.artifact.typ"),
            format!("; did you mean {ARTIFACT_TYPE:?}?")
        );
        assert_eq!(did_you_mean("org.cncf.ai.vendor.build-id"), "");
        // In the finding itself.
        let manifest = serde_json::json!({
            "annotations": {
                PROFILE_VERSION: "1.0.0",
                ARTIFACT_TYPE: "model",
                LIFECYCLE: "validated",
                "org.cncf.ai.lifecycle.stage": "validated",
            }
        });
        let artifact = crate::checks::support::artifact_of(manifest);
        let mut marks = Marks::default();
        let subject = crate::checks::OwnedContext {
            artifact,
            trust: Default::default(),
        };
        identity(&subject.context(), &mut marks);
        let ann023: Vec<_> = marks
            .marks
            .iter()
            .filter(|m| m.requirement == "ANN-023")
            .collect();
        assert_eq!(ann023.len(), 1);
        assert!(
            ann023[0]
                .message
                .ends_with(&format!("did you mean \"{LIFECYCLE}\"?")),
            "{}",
            ann023[0].message
        );
    }

    #[test]
    fn vocabulary_has_eighteen_terms() {
        assert_eq!(MOF_VOCABULARY.len(), 18);
        for c in [MOF_CLASS_III, MOF_CLASS_II, MOF_CLASS_I].concat() {
            assert!(MOF_VOCABULARY.contains(&c), "{c}");
        }
        // The upstream draft's fixed list: the MOF's 17 components, each a component the
        // openness recomputation knows by this term, and the configuration file itself.
        let mut seen = std::collections::BTreeSet::new();
        for term in MOF_VOCABULARY {
            assert!(seen.insert(term), "{term} repeated");
            let expected = (*term != "model-openness-config-file").then_some(*term);
            assert_eq!(
                crate::trust::openness::component_term(term),
                expected,
                "{term}"
            );
        }
    }
}
