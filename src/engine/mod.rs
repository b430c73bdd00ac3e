//! The engine: runs the checks a profile needs, turns marks into requirement and test results,
//! and rolls them up per profile. It decides nothing about formats; writers live in `report`.

pub(crate) mod bundle;
pub mod report;
pub(crate) mod rollup;
pub(crate) mod verdict;

use crate::artifact::Artifact;
use crate::checks::{self, Check, CheckContext, Marks};
use crate::model::{Finding, Status};
use crate::report::{RequirementResult, TestResult};
use crate::spec::{AppliesTo, Catalog, Requirement};
use std::collections::BTreeMap;
use std::time::Instant;

pub(crate) use rollup::profile_results;
pub(crate) use rollup::summary;
pub(crate) use verdict::judge;
pub(crate) use verdict::{Claim, Decided, Ladder};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// The claimed profile; its whole lineage is evaluated.
    pub profile: String,
    /// Requirement ID → reason, for failures the user announces (strict expected-failure).
    pub expected_failures: BTreeMap<String, String>,
    /// What the user trusts (keys, roots, identity policy): handed to every check in its
    /// [`checks::CheckContext`], for the target and every manifest or member it leads to.
    pub trust: std::sync::Arc<crate::trust::inputs::TrustInputs>,
}

/// Requirement and test results before any roll-up: what evaluating one artifact decided, or
/// a suite run ([`verdict::decide`]), or the self-test — the decisions [`verdict::judge`] turns
/// into a report.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub requirements: Vec<RequirementResult>,
    pub tests: Vec<TestResult>,
}

impl Evaluation {
    /// IDs of requirements with the given status.
    pub fn with_status(&self, status: Status) -> Vec<String> {
        self.requirements
            .iter()
            .filter(|r| r.status == status)
            .map(|r| r.id.clone())
            .collect()
    }

    /// Every finding of every test.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.tests.iter().flat_map(|t| t.findings.iter())
    }
}

/// The requirements of a profile that apply to artifacts, in catalog order.
pub(crate) fn artifact_requirements<'c>(
    catalog: &'c Catalog,
    profile: &str,
) -> Vec<&'c Requirement> {
    catalog
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&AppliesTo::Artifact) && catalog.in_profile(r, profile))
        .collect()
}

/// Run every check over the artifact and evaluate the profile's requirements. An image index
/// (not an agent bundle) is judged by its own checks and then manifest by manifest.
pub fn evaluate(catalog: &Catalog, artifact: &Artifact, options: &EvalOptions) -> Evaluation {
    if let Some(judged) = bundle::judge_members(catalog, artifact, options) {
        return evaluate(catalog, &judged, options);
    }
    match &artifact.index {
        Some(index) => evaluate_index(catalog, artifact, index, options),
        None => evaluate_one(catalog, artifact, options),
    }
}

fn evaluate_one(catalog: &Catalog, artifact: &Artifact, options: &EvalOptions) -> Evaluation {
    let wanted = artifact_requirements(catalog, &options.profile);
    let mut runs: Vec<(&Check, Vec<&str>, Marks, u64)> = Vec::new();
    for check in checks::all() {
        let judged: Vec<&str> = wanted
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| check.covers.contains(id))
            .collect();
        if judged.is_empty() {
            continue;
        }
        let started = Instant::now();
        let mut marks = Marks::default();
        if artifact.bundle.is_some() && !check.id.starts_with("bundles.") {
            // The index of an agent bundle is not an artifact: every other requirement applies
            // to each member, evaluated on its own (BND-005).
            for r in check.covers {
                marks.not_applicable(
                    r,
                    "the target is an agent bundle; this applies to each member (BND-005)",
                );
            }
        } else if artifact.index.is_some()
            && !(check.id.starts_with("index.") || check.id.starts_with("layout."))
        {
            // An image index is not an artifact either: every other requirement applies to
            // each manifest it leads to, evaluated on its own (IDX-001).
            for r in check.covers {
                marks.not_applicable(
                    r,
                    "the target is an image index; this applies to each manifest it lists",
                );
            }
        } else {
            let context = CheckContext {
                artifact,
                trust: &options.trust,
            };
            (check.run)(&context, &mut marks);
        }
        let duration_ms = started.elapsed().as_millis() as u64;
        runs.push((check, judged, marks, duration_ms));
    }
    let decided: Vec<Decided> = runs
        .iter()
        .map(|(check, judged, marks, duration_ms)| Decided {
            id: check.id,
            title: check.title,
            declares: check.covers,
            judged: judged.clone(),
            marks,
            duration_ms: *duration_ms,
        })
        .collect();
    verdict::decide(&wanted, &decided, "check", &options.expected_failures)
}

/// The index's own verdicts (layout, IDX) merged with every child manifest's: each test says
/// which manifest it judged, and a requirement's status is the worst over all of them.
fn evaluate_index(
    catalog: &Catalog,
    artifact: &Artifact,
    index: &crate::artifact::IndexFacts,
    options: &EvalOptions,
) -> Evaluation {
    let root = evaluate_one(catalog, artifact, options);
    let root_digest = report::root_digest(artifact);
    let mut tests: Vec<TestResult> = root
        .tests
        .into_iter()
        .map(|t| TestResult {
            manifest: Some(root_digest.clone()),
            ..t
        })
        .collect();
    let mut requirements = root.requirements;
    for child in &index.children {
        let digest = report::child_digest(child);
        let ev = evaluate(catalog, &child.artifact, options);
        tests.extend(ev.tests.into_iter().map(|t| TestResult {
            manifest: Some(digest.clone()),
            ..t
        }));
        for (r, c) in requirements.iter_mut().zip(ev.requirements) {
            debug_assert_eq!(r.id, c.id);
            r.status = r.status.graver(c.status);
            for t in c.tests {
                if !r.tests.contains(&t) {
                    r.tests.push(t);
                }
            }
            r.manifests.push(crate::report::ManifestVerdict {
                manifest: digest.clone(),
                status: c.status,
            });
        }
    }
    Evaluation {
        requirements,
        tests,
    }
}
