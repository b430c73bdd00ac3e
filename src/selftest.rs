//! The suite's self-test: every golden fixture is evaluated and compared with the verdict its
//! case descriptor expects. `ai-interop run` with no target and the `fixtures` test target both
//! use this module, so the two can never disagree.

use crate::document::Limits;
use crate::engine::{self, EvalOptions, Evaluation};
use crate::fixtures::CaseDescriptor;
use crate::inspect::InspectOptions;
use crate::load::open::TargetRef;
use crate::model::{Finding, Level, Location, Status};
use crate::report::{RequirementResult, TestResult};
use crate::spec::{AppliesTo, Catalog};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Instant;

/// The result of one fixture case.
pub struct CaseOutcome {
    pub test: TestResult,
    /// What went wrong, one line per mismatch; empty when the case met its expectation.
    pub mismatches: Vec<String>,
    pub evaluation: Option<Evaluation>,
}

/// Evaluate one committed case directory against its descriptor.
pub fn run_case(catalog: &Catalog, dir: &Path, case: &CaseDescriptor) -> CaseOutcome {
    let started = Instant::now();
    let target = TargetRef::Layout {
        dir: dir.to_path_buf(),
        selector: Some(case.reference.clone()),
    };
    let expected: BTreeSet<String> = expected_failures(case).into_iter().collect();
    let mut mismatches = Vec::new();
    let evaluation = match load_case(&target) {
        Err(e) => {
            mismatches.push(format!("the case could not be loaded: {e}"));
            None
        }
        Ok((artifact, trust)) => {
            let options = EvalOptions {
                profile: case.profile.clone(),
                trust,
                ..Default::default()
            };
            let ev = engine::evaluate(catalog, &artifact, &options);
            let failed: BTreeSet<String> = ev.with_status(Status::Fail).into_iter().collect();
            for id in expected.difference(&failed) {
                mismatches.push(format!(
                    "expected {id} to fail, but it did not ({})",
                    status_of(&ev, id)
                ));
            }
            for id in failed.difference(&expected) {
                mismatches.push(format!("{id} failed unexpectedly: {}", messages(&ev, id)));
            }
            for id in ev.with_status(Status::Error) {
                mismatches.push(format!("{id} errored: {}", messages(&ev, &id)));
            }
            if expected.is_empty() {
                let passed: BTreeSet<String> = ev.with_status(Status::Pass).into_iter().collect();
                for id in case.requirements.iter().filter(|id| !passed.contains(*id)) {
                    mismatches.push(format!(
                        "positive case lists {id} as exercised, but it is {}",
                        status_of(&ev, id)
                    ));
                }
            }
            Some(ev)
        }
    };
    let mut findings: Vec<Finding> = evaluation
        .as_ref()
        .map(|e| e.findings().cloned().collect())
        .unwrap_or_default();
    // A mismatch is reported against the first requirement the case is about, so that the
    // report stays valid against its schema (findings always name a requirement).
    let about = expected
        .iter()
        .next()
        .or(case.requirements.first())
        .cloned()
        .unwrap_or_else(|| "OCI-001".into());
    for m in &mismatches {
        findings.push(Finding {
            requirement: about.clone(),
            level: Level::Must,
            status: Status::Fail,
            location: Location::document("case.json"),
            message: m.clone(),
            variant: None,
        });
    }
    let test = TestResult {
        id: format!("fixtures/{}", case.id),
        title: case.description.clone(),
        covers: case.requirements.clone(),
        status: if mismatches.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        duration_ms: started.elapsed().as_millis() as u64,
        findings,
        expected: serde_json::to_value(&case.expect).ok(),
        manifest: None,
    };
    CaseOutcome {
        test,
        mismatches,
        evaluation,
    }
}

fn status_of(ev: &Evaluation, id: &str) -> String {
    ev.requirements
        .iter()
        .find(|r| r.id == id)
        .map_or("not evaluated in the case's profile".to_string(), |r| {
            r.status.to_string()
        })
}

fn messages(ev: &Evaluation, id: &str) -> String {
    let m: Vec<String> = ev
        .findings()
        .filter(|f| f.requirement == id)
        .map(|f| format!("{} {}", f.location, f.message))
        .collect();
    if m.is_empty() {
        "no finding".into()
    } else {
        m.join("; ")
    }
}

/// Per-requirement verdicts of the self-test: a requirement passes when every case that covers
/// it met its expectation, fails when one did not, and is not-applicable when no case covers it.
pub(crate) fn requirement_verdicts(
    catalog: &Catalog,
    tests: &[TestResult],
) -> Vec<RequirementResult> {
    let mut by_req: BTreeMap<&str, Vec<&TestResult>> = BTreeMap::new();
    for t in tests {
        for id in &t.covers {
            by_req.entry(id.as_str()).or_default().push(t);
        }
    }
    catalog
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&AppliesTo::Artifact))
        .map(|r| {
            let ts = by_req.get(r.id.as_str()).cloned().unwrap_or_default();
            let status = if ts.is_empty() {
                Status::NotApplicable
            } else if ts.iter().all(|t| t.status == Status::Pass) {
                Status::Pass
            } else {
                Status::Fail
            };
            RequirementResult::decided(r, status, ts.iter().map(|t| t.id.clone()).collect())
        })
        .collect()
}

/// The requirements a freshly generated positive case exercises (evaluates to `pass`): the
/// coverage callback of the fixture generator.
pub fn passing_requirements(dir: &Path, case: &CaseDescriptor) -> Vec<String> {
    let target = TargetRef::Layout {
        dir: dir.to_path_buf(),
        selector: Some(case.reference.clone()),
    };
    let Ok((artifact, trust)) = load_case(&target) else {
        return Vec::new();
    };
    let options = EvalOptions {
        profile: case.profile.clone(),
        trust,
        ..Default::default()
    };
    engine::evaluate(Catalog::embedded(), &artifact, &options).with_status(Status::Pass)
}

/// Load a fixture, with the fixtures' test-only trust inputs (`fixtures/v1.0/trust/`) the
/// checks are to be given.
fn load_case(target: &TargetRef) -> Result<(crate::artifact::Artifact, TrustRef), String> {
    let trust = fixture_trust()?;
    let artifact = target
        .load(&Limits::default(), &InspectOptions { content: true })
        .map_err(|e| e.to_string())?;
    Ok((artifact, trust))
}

type TrustRef = std::sync::Arc<crate::trust::inputs::TrustInputs>;

/// The fixtures' trust inputs, read once per process.
pub fn fixture_trust() -> Result<std::sync::Arc<crate::trust::inputs::TrustInputs>, String> {
    static TRUST: std::sync::OnceLock<
        Result<std::sync::Arc<crate::trust::inputs::TrustInputs>, String>,
    > = std::sync::OnceLock::new();
    TRUST
        .get_or_init(|| {
            crate::fixtures::trust_inputs()
                .map(std::sync::Arc::new)
                .map_err(|e| format!("the fixtures' trust inputs: {e}"))
        })
        .clone()
}

/// The requirement IDs a case expects to fail (empty for a positive case).
pub fn expected_failures(case: &CaseDescriptor) -> Vec<String> {
    case.expect.failures.clone().unwrap_or_default()
}
