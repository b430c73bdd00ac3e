//! A tool suite's run as the common [`ConformanceReport`]: one test per step the suite took,
//! one requirement result per catalog requirement that applies to the target kind.
//!
//! The pieces every suite's report shares (a suite test as a report test, the profile roll-ups
//! of the claimed lineage) are here too; the registry suite's report
//! (`crate::suites::registry::report`) builds on them and adds its capability summary.

use crate::checks::Marks;
use crate::engine::report::{ReportContext, build_report};
use crate::engine::{apply_expectation, profile_results, test_status};
use crate::model::{Finding, Level, Location, Status};
use crate::report::{
    ConformanceReport, ProfileResult, RequirementResult, TargetInfo, TargetKind, TestResult,
};
use crate::spec::{AppliesTo, Catalog};
use std::time::Instant;

/// One step of a tool suite and the marks it put on requirements.
#[derive(Debug)]
pub struct StepResult {
    pub id: String,
    pub title: String,
    pub covers: Vec<&'static str>,
    pub marks: Marks,
    pub duration_ms: u64,
}

impl StepResult {
    /// Run `f` as a step that decides `covers`.
    pub fn run(
        id: impl Into<String>,
        title: impl Into<String>,
        covers: &[&'static str],
        f: impl FnOnce(&mut Marks),
    ) -> StepResult {
        let started = Instant::now();
        let mut marks = Marks::default();
        f(&mut marks);
        StepResult {
            id: id.into(),
            title: title.into(),
            covers: covers.to_vec(),
            marks,
            duration_ms: started.elapsed().as_millis() as u64,
        }
    }
}

/// Everything a tool report needs besides the steps.
pub struct ToolReportInput {
    pub kind: TargetKind,
    pub applies: AppliesTo,
    /// e.g. `adapter skopeo (skopeo 1.9.3)`.
    pub reference: String,
    pub profile: String,
    pub started: String,
    pub options: serde_json::Value,
    pub fixtures_digest: Option<String>,
}

/// The worst outcome of a requirement over the steps that cover it.
pub fn outcome(steps: &[StepResult], requirement: &str) -> Option<Status> {
    steps
        .iter()
        .filter(|t| t.covers.contains(&requirement))
        .map(|t| t.marks.outcome(requirement))
        .max_by_key(|s| crate::checks::precedence(*s))
}

pub fn build(catalog: &Catalog, steps: &[StepResult], input: ToolReportInput) -> ConformanceReport {
    let applies = input.applies;
    let wanted: Vec<&crate::spec::Requirement> = catalog
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&applies))
        .collect();
    let level_of = |id: &str| {
        wanted
            .iter()
            .find(|r| r.id == id)
            .map_or(Level::Must, |r| r.level)
    };
    let tests: Vec<TestResult> = steps
        .iter()
        .map(|t| {
            let decided = Decided {
                id: &t.id,
                title: &t.title,
                covers: &t.covers,
                marks: &t.marks,
                duration_ms: t.duration_ms,
            };
            test_result(decided, "step", &level_of, &|_| false)
        })
        .collect();
    let requirements: Vec<RequirementResult> = wanted
        .iter()
        .map(|r| {
            let covering: Vec<String> = steps
                .iter()
                .filter(|t| t.covers.contains(&r.id.as_str()))
                .map(|t| t.id.clone())
                .collect();
            // A requirement no step reached is undecided, never a pass.
            let status = outcome(steps, &r.id).unwrap_or(Status::Error);
            RequirementResult::decided(r, status, covering)
        })
        .collect();
    let profiles = profiles_in_lineage(catalog, &requirements, applies, &input.profile);
    let ctx = ReportContext {
        target: TargetInfo {
            kind: input.kind,
            reference: input.reference,
            manifest_digest: None,
            manifests: Vec::new(),
        },
        profile: input.profile,
        options: input.options,
        started: input.started,
        fixtures_digest: input.fixtures_digest,
    };
    build_report(catalog, ctx, profiles, requirements, tests)
}

/// What one suite test decided, as the report reads it: a tool suite's step or a registry
/// suite's test.
pub struct Decided<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub covers: &'a [&'static str],
    pub marks: &'a Marks,
    pub duration_ms: u64,
}

/// One suite test as a report test: its status from the outcomes of the requirements it covers
/// (each folded with an announced expected failure), and a finding per failing, erroring or
/// skipped mark. A mark on a requirement the test does not declare is a suite defect, reported
/// as an error naming the test (`what` says whether it is a `step` or a `test`).
pub fn test_result(
    t: Decided,
    what: &str,
    level_of: &dyn Fn(&str) -> Level,
    announced: &dyn Fn(&str) -> bool,
) -> TestResult {
    let statuses: Vec<(Status, Level)> = t
        .covers
        .iter()
        .map(|r| {
            (
                apply_expectation(t.marks.outcome(r), announced(r)),
                level_of(r),
            )
        })
        .collect();
    let mut findings: Vec<Finding> = t
        .marks
        .marks
        .iter()
        .filter(|m| matches!(m.status, Status::Fail | Status::Error | Status::Skip))
        .map(|m| {
            let declared = t.covers.contains(&m.requirement);
            Finding {
                requirement: m.requirement.to_string(),
                level: level_of(m.requirement),
                status: if declared { m.status } else { Status::Error },
                location: m.location.clone(),
                message: if declared {
                    m.message.clone()
                } else {
                    format!(
                        "suite defect: {what} {} marked an undeclared requirement: {}",
                        t.id, m.message
                    )
                },
                variant: m.variant.map(str::to_string),
            }
        })
        .collect();
    findings.sort();
    TestResult {
        id: t.id.to_string(),
        title: t.title.to_string(),
        covers: t.covers.iter().map(|s| s.to_string()).collect(),
        status: test_status(&statuses),
        duration_ms: t.duration_ms,
        findings,
        expected: None,
        manifest: None,
    }
}

/// The roll-ups of the claimed profile and the profiles it builds on, over the requirements
/// that apply to the target kind.
pub fn profiles_in_lineage(
    catalog: &Catalog,
    requirements: &[RequirementResult],
    applies: AppliesTo,
    profile: &str,
) -> Vec<ProfileResult> {
    let lineage: Vec<String> = catalog
        .lineage(profile)
        .iter()
        .map(|p| p.name.clone())
        .collect();
    profile_results(catalog, requirements, |r| r.applies_to.contains(&applies))
        .into_iter()
        .filter(|p| lineage.contains(&p.name))
        .collect()
}

/// A location naming a step's subject (a source tree, a fixture case).
pub fn at(subject: &str) -> Location {
    Location::document(subject)
}
