//! A tool suite's run as the common [`ConformanceReport`]: one test per step the suite took,
//! one requirement result per catalog requirement that applies to the target kind.
//!
//! Steps become results and the report through the one verdict path
//! ([`crate::engine::verdict`]), as the registry suite's tests do
//! (`crate::suites::registry::report`).

use crate::checks::Marks;
use crate::engine::report::ReportContext;
use crate::engine::verdict::{Claim, Decided, Expectations, Ladder, decide, judge};
use crate::model::{Location, Status};
use crate::report::{ConformanceReport, TargetInfo, TargetKind};
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

/// A tool-suite step (a family of them, for steps run once per case), in the one shape of
/// tests ([`crate::checks::Test`]).
pub(crate) type Step = crate::checks::Test<Asking>;

/// How a tool step runs: its body is a closure over the adapter, given when it runs
/// ([`Step::start`]); the table names the requirements only a request to the adapter decides.
/// A step that cannot ask (the adapter lacks the capability, the case is outside its scope)
/// decides only the others, marking them skip or not-applicable with the reason.
pub struct Asking(pub &'static [&'static str]);

impl Step {
    /// What the step decides, in table order: everything it covers when the adapter is asked,
    /// else only what needs no request.
    pub fn decides(&self, asked: bool) -> Vec<&'static str> {
        self.covers
            .iter()
            .copied()
            .filter(|r| asked || !self.run.0.contains(r))
            .collect()
    }

    /// Run the step (or one instance of its family, named `id`) asking the adapter: `f` marks
    /// everything it covers.
    pub fn start(
        &self,
        id: impl Into<String>,
        title: impl Into<String>,
        f: impl FnOnce(&mut Marks),
    ) -> StepResult {
        StepResult::run(id, title, &self.decides(true), f)
    }

    /// Run the step without asking the adapter: `f` marks what needs no request, which it is
    /// given.
    pub(crate) fn without_asking(
        &self,
        id: impl Into<String>,
        title: impl Into<String>,
        f: impl FnOnce(&mut Marks, &[&'static str]),
    ) -> StepResult {
        let decides = self.decides(false);
        StepResult::run(id, title, &decides, |m| f(m, &decides))
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

/// The gravest outcome of a requirement over the steps that cover it.
pub fn outcome(steps: &[StepResult], requirement: &str) -> Option<Status> {
    Status::gravest(
        steps
            .iter()
            .filter(|t| t.covers.contains(&requirement))
            .map(|t| t.marks.outcome(requirement)),
    )
}

impl StepResult {
    /// What the step decided, for the verdict path.
    pub fn decided(&self) -> Decided<'_> {
        Decided {
            id: &self.id,
            title: &self.title,
            declares: &self.covers,
            judged: self.covers.clone(),
            marks: &self.marks,
            duration_ms: self.duration_ms,
        }
    }
}

pub fn build(catalog: &Catalog, steps: &[StepResult], input: ToolReportInput) -> ConformanceReport {
    let applies = input.applies;
    let wanted: Vec<&crate::spec::Requirement> = catalog
        .requirements
        .iter()
        .filter(|r| r.applies_to.contains(&applies))
        .collect();
    let decided: Vec<Decided> = steps.iter().map(StepResult::decided).collect();
    // Tool suites take no announced failures.
    let decisions = decide(&wanted, &decided, "step", &Expectations::new());
    let claim = Claim {
        profile: &input.profile,
        applies,
        ladder: Ladder::Lineage,
    };
    let ctx = ReportContext {
        target: TargetInfo {
            kind: input.kind,
            reference: input.reference,
            manifest_digest: None,
            manifests: Vec::new(),
        },
        options: input.options,
        started: input.started,
        fixtures_digest: input.fixtures_digest,
    };
    judge(catalog, &claim, decisions, ctx)
}

/// A location naming a step's subject (a source tree, a fixture case).
pub fn at(subject: &str) -> Location {
    Location::document(subject)
}
