//! The engine: runs the checks a profile needs, turns marks into requirement and test results,
//! and rolls them up per profile. It decides nothing about formats; writers live in `report`.

pub mod bundle;
pub mod report;
pub mod rollup;

use crate::artifact::Artifact;
use crate::checks::{self, Marks};
use crate::model::{Finding, Level, Status};
use crate::report::{RequirementResult, TestResult};
use crate::spec::{AppliesTo, Catalog, Requirement};
use std::collections::BTreeMap;
use std::time::Instant;

pub use rollup::{profile_results, summary};

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// The claimed profile; its whole lineage is evaluated.
    pub profile: String,
    /// Requirement ID → reason, for failures the user announces (strict expected-failure).
    pub expected_failures: BTreeMap<String, String>,
}

/// The outcome of evaluating one artifact.
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

    /// Conformant: no requirement breaks conformance at its level.
    pub fn conformant(&self) -> bool {
        !self.requirements.iter().any(|r| r.status.breaks(r.level))
    }
}

/// The requirements of a profile that apply to artifacts, in catalog order.
pub fn artifact_requirements<'c>(catalog: &'c Catalog, profile: &str) -> Vec<&'c Requirement> {
    catalog
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&AppliesTo::Artifact) && catalog.in_profile(r, profile))
        .collect()
}

/// Run every check over the artifact and evaluate the profile's requirements. An image index
/// (not an agent bundle) is judged by its own checks and then manifest by manifest.
pub fn evaluate(catalog: &Catalog, artifact: &Artifact, options: &EvalOptions) -> Evaluation {
    if let Some(judged) = bundle::judge_members(catalog, artifact) {
        return evaluate(catalog, &judged, options);
    }
    match &artifact.index {
        Some(index) => evaluate_index(catalog, artifact, index, options),
        None => evaluate_one(catalog, artifact, options),
    }
}

fn evaluate_one(catalog: &Catalog, artifact: &Artifact, options: &EvalOptions) -> Evaluation {
    let wanted = artifact_requirements(catalog, &options.profile);
    let mut outcomes: BTreeMap<&str, (Status, String)> = BTreeMap::new();
    let mut tests = Vec::new();
    for check in checks::all() {
        let covers: Vec<&Requirement> = wanted
            .iter()
            .copied()
            .filter(|r| check.covers.contains(&r.id.as_str()))
            .collect();
        if covers.is_empty() {
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
            (check.run)(artifact, &mut marks);
        }
        let duration_ms = started.elapsed().as_millis() as u64;

        // A strict check that left a requirement unmarked did not look: an error, never a pass.
        if marks.unmarked_is_error {
            for r in &covers {
                if let Some(id) = check.covers.iter().find(|c| **c == r.id)
                    && marks.unmarked(id)
                {
                    marks.error(
                        id,
                        Default::default(),
                        format!("suite defect: check {} did not decide {id}", check.id),
                    );
                }
            }
        }
        let mut statuses = Vec::new();
        for r in &covers {
            let raw = marks.outcome(&r.id);
            let status = apply_expectation(raw, options.expected_failures.contains_key(&r.id));
            outcomes.insert(r.id.as_str(), (status, check.id.to_string()));
            statuses.push((status, r.level));
        }
        let mut findings: Vec<Finding> = marks
            .marks
            .iter()
            .filter(|mk| matches!(mk.status, Status::Fail | Status::Error | Status::Skip))
            .filter_map(|mk| {
                let r = covers.iter().find(|r| r.id == mk.requirement)?;
                Some(Finding {
                    requirement: r.id.clone(),
                    level: r.level,
                    status: mk.status,
                    location: mk.location.clone(),
                    message: mk.message.clone(),
                    variant: mk.variant.map(str::to_string),
                })
            })
            .collect();
        // A mark on an ID the check does not declare is a defect of the suite, never hidden.
        for mk in marks
            .marks
            .iter()
            .filter(|mk| !check.covers.contains(&mk.requirement))
        {
            findings.push(Finding {
                requirement: mk.requirement.to_string(),
                level: Level::Must,
                status: Status::Error,
                location: mk.location.clone(),
                message: format!(
                    "suite defect: check {} marked an undeclared requirement",
                    check.id
                ),
                variant: None,
            });
            statuses.push((Status::Error, Level::Must));
        }
        findings.sort();
        tests.push(TestResult {
            id: check.id.to_string(),
            title: check.title.to_string(),
            covers: covers.iter().map(|r| r.id.clone()).collect(),
            status: test_status(&statuses),
            duration_ms,
            findings,
            expected: None,
            manifest: None,
        });
    }
    let requirements = wanted
        .iter()
        .map(|r| {
            let (status, test) = outcomes
                .get(r.id.as_str())
                .cloned()
                .unwrap_or((Status::Error, String::new()));
            let tests = if test.is_empty() { vec![] } else { vec![test] };
            RequirementResult::decided(r, status, tests)
        })
        .collect();
    Evaluation {
        requirements,
        tests,
    }
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
            r.status = worst(r.status, c.status);
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

/// The graver of two verdicts on one requirement: error, xpass, fail, xfail, skip (not looked
/// at somewhere), pass, not-applicable.
fn worst(a: Status, b: Status) -> Status {
    let rank = |s: Status| match s {
        Status::Error => 6,
        Status::Xpass => 5,
        Status::Fail => 4,
        Status::Xfail => 3,
        Status::Skip => 2,
        Status::Pass => 1,
        Status::NotApplicable => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Fold an announced failure into the outcome.
pub fn apply_expectation(status: Status, announced: bool) -> Status {
    match (status, announced) {
        (Status::Fail, true) => Status::Xfail,
        (Status::Pass, true) => Status::Xpass,
        (s, _) => s,
    }
}

/// One status for a test from the statuses of the requirements it decided.
pub fn test_status(statuses: &[(Status, Level)]) -> Status {
    let has = |s: Status| statuses.iter().any(|(x, _)| *x == s);
    if has(Status::Error) {
        Status::Error
    } else if has(Status::Xpass) {
        Status::Xpass
    } else if has(Status::Fail) {
        Status::Fail
    } else if has(Status::Xfail) {
        Status::Xfail
    } else if has(Status::Pass) {
        Status::Pass
    } else if has(Status::Skip) {
        Status::Skip
    } else {
        Status::NotApplicable
    }
}
