//! A tool suite's run as the common [`ConformanceReport`]: one test per step the suite took,
//! one requirement result per catalog requirement that applies to the target kind.

use crate::checks::Marks;
use crate::engine::report::{ReportContext, build_report};
use crate::engine::{profile_results, test_status};
use crate::model::{Finding, Level, Location, Status};
use crate::report::{ConformanceReport, RequirementResult, TargetInfo, TargetKind, TestResult};
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
            let statuses: Vec<(Status, Level)> = t
                .covers
                .iter()
                .map(|r| (t.marks.outcome(r), level_of(r)))
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
                                "suite defect: step {} marked an undeclared requirement: {}",
                                t.id, m.message
                            )
                        },
                    }
                })
                .collect();
            findings.sort();
            TestResult {
                id: t.id.clone(),
                title: t.title.clone(),
                covers: t.covers.iter().map(|s| s.to_string()).collect(),
                status: test_status(&statuses),
                duration_ms: t.duration_ms,
                findings,
                expected: None,
                manifest: None,
            }
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
    let lineage: Vec<String> = catalog
        .lineage(&input.profile)
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let profiles = profile_results(catalog, &requirements, |r| r.applies_to.contains(&applies))
        .into_iter()
        .filter(|p| lineage.contains(&p.name))
        .collect();
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

/// A location naming a step's subject (a source tree, a fixture case).
pub fn at(subject: &str) -> Location {
    Location::document(subject)
}
