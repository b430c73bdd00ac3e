//! The one verdict path every report takes: what tests decided ([`Decided`]) becomes test and
//! requirement results ([`decide`]), and those become a report with its profile roll-ups
//! ([`judge`]). `check`, `run` (the self-test and `run <target>`), the tool suites, the registry
//! suite and `report verify`'s recompute all go through here, so a verdict is folded one way.

use super::report::{ReportContext, build_report};
use super::{Evaluation, profile_results};
use crate::checks::Marks;
use crate::model::{Finding, Level, Location, Status};
use crate::report::{ConformanceReport, ProfileResult, RequirementResult, TestResult};
use crate::spec::{AppliesTo, Catalog, Requirement};
use std::collections::BTreeMap;

/// Requirement ID → reason: failures the user announced (strict expected-failure).
pub(crate) type Expectations = BTreeMap<String, String>;

/// What one test of any kind — an artifact check, a registry suite test, a tool-suite step —
/// decided: the marks it put on the requirements it declares.
pub struct Decided<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// Every requirement the test declares it decides: a mark on any other is a suite defect.
    pub declares: &'a [&'static str],
    /// Of those, the ones this run judges, in report order: for a check, those of the claimed
    /// profile's lineage; for a suite, all it declares.
    pub judged: Vec<&'a str>,
    pub marks: &'a Marks,
    pub duration_ms: u64,
}

impl Decided<'_> {
    /// The test's verdict on one requirement, before expectations. A strict test
    /// ([`Marks::strict`]) that left the requirement unmarked did not look: an error, never a
    /// pass.
    pub(crate) fn outcome(&self, requirement: &str) -> Status {
        if self.unlooked(requirement) {
            Status::Error
        } else {
            self.marks.outcome(requirement)
        }
    }

    fn unlooked(&self, requirement: &str) -> bool {
        self.marks.unmarked_is_error && self.marks.unmarked(requirement)
    }
}

/// Test and requirement results from what the tests decided.
///
/// - A test's status is [`Status::of_test`] over its judged requirements, each folded with an
///   announced expected failure; a mark on a requirement it does not declare is a suite defect
///   (an `error` finding naming the test, and the test is `error`). `what` names the kind of
///   test in that message: `check`, `test` or `step`.
/// - A requirement's status is the gravest ([`Status::gravest`]) of the tests that judged it,
///   folded with its expectation; a requirement no test judged is undecided, an `error`, never a
///   pass.
pub(crate) fn decide(
    wanted: &[&Requirement],
    tests: &[Decided],
    what: &str,
    expected: &Expectations,
) -> Evaluation {
    let level_of = |id: &str| {
        wanted
            .iter()
            .find(|r| r.id == id)
            .map_or(Level::Must, |r| r.level)
    };
    let announced = |id: &str| expected.contains_key(id);
    let tests_out = tests
        .iter()
        .map(|t| test_result(t, what, &level_of, &announced))
        .collect();
    let requirements = wanted
        .iter()
        .map(|r| {
            let judging: Vec<&Decided> = tests
                .iter()
                .filter(|t| t.judged.contains(&r.id.as_str()))
                .collect();
            let status = Status::gravest(judging.iter().map(|t| t.outcome(&r.id)))
                .map_or(Status::Error, |s| apply_expectation(s, announced(&r.id)));
            let ids = judging.iter().map(|t| t.id.to_string()).collect();
            RequirementResult::decided(r, status, ids)
        })
        .collect();
    Evaluation {
        requirements,
        tests: tests_out,
    }
}

fn test_result(
    t: &Decided,
    what: &str,
    level_of: &dyn Fn(&str) -> Level,
    announced: &dyn Fn(&str) -> bool,
) -> TestResult {
    let mut statuses: Vec<Status> = t
        .judged
        .iter()
        .map(|r| apply_expectation(t.outcome(r), announced(r)))
        .collect();
    let mut findings: Vec<Finding> = t
        .judged
        .iter()
        .filter(|r| t.unlooked(r))
        .map(|r| Finding {
            requirement: r.to_string(),
            level: level_of(r),
            status: Status::Error,
            location: Location::default(),
            message: format!("suite defect: {what} {} did not decide {r}", t.id),
            variant: None,
        })
        .collect();
    for m in &t.marks.marks {
        if !t.declares.contains(&m.requirement) {
            findings.push(Finding {
                requirement: m.requirement.to_string(),
                level: level_of(m.requirement),
                status: Status::Error,
                location: m.location.clone(),
                message: format!(
                    "suite defect: {what} {} marked an undeclared requirement: {}",
                    t.id, m.message
                ),
                variant: None,
            });
            statuses.push(Status::Error);
        } else if t.judged.contains(&m.requirement)
            && matches!(m.status, Status::Fail | Status::Error | Status::Skip)
        {
            findings.push(Finding {
                requirement: m.requirement.to_string(),
                level: level_of(m.requirement),
                status: m.status,
                location: m.location.clone(),
                message: m.message.clone(),
                variant: m.variant.map(str::to_string),
            });
        }
    }
    findings.sort();
    TestResult {
        id: t.id.to_string(),
        title: t.title.to_string(),
        covers: t.judged.iter().map(|s| s.to_string()).collect(),
        status: Status::of_test(statuses),
        duration_ms: t.duration_ms,
        findings,
        expected: None,
        manifest: None,
    }
}

/// Fold an announced failure into the outcome: an announced fail is `xfail`, an announced pass
/// `xpass` (which breaks conformance).
pub(crate) fn apply_expectation(status: Status, announced: bool) -> Status {
    match (status, announced) {
        (Status::Fail, true) => Status::Xfail,
        (Status::Pass, true) => Status::Xpass,
        (s, _) => s,
    }
}

/// Which profiles a report rolls up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ladder {
    /// Every profile all of whose requirements were judged: a check (the claimed lineage), the
    /// self-test (every artifact profile).
    Decided,
    /// Of those, only the claimed profile and the profiles it builds on: the registry and tool
    /// suites, which judge every requirement of their target kind whatever the claim.
    Lineage,
}

/// What a report is judged against: the claimed profile, the kind of target the requirements
/// apply to, and which profiles are rolled up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claim<'a> {
    pub profile: &'a str,
    pub applies: AppliesTo,
    pub ladder: Ladder,
}

impl Claim<'_> {
    /// The profile roll-ups of these requirement results under this claim.
    pub(crate) fn profiles(
        &self,
        catalog: &Catalog,
        requirements: &[RequirementResult],
    ) -> Vec<ProfileResult> {
        let applies = self.applies;
        let mut profiles =
            profile_results(catalog, requirements, |r| r.applies_to.contains(&applies));
        if self.ladder == Ladder::Lineage {
            let lineage: Vec<&str> = catalog
                .lineage(self.profile)
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            profiles.retain(|p| lineage.contains(&p.name.as_str()));
        }
        profiles
    }
}

/// The report of a run: the decisions, the claim's profile roll-ups and the summary sentence,
/// around the context (target, options, times).
pub(crate) fn judge(
    catalog: &Catalog,
    claim: &Claim,
    decisions: Evaluation,
    ctx: ReportContext,
) -> ConformanceReport {
    let profiles = claim.profiles(catalog, &decisions.requirements);
    build_report(
        catalog,
        claim.profile,
        ctx,
        profiles,
        decisions.requirements,
        decisions.tests,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn wanted(ids: &[&str]) -> Vec<&'static Requirement> {
        let catalog = Catalog::embedded();
        ids.iter().map(|id| catalog.get(id).unwrap()).collect()
    }

    fn decided<'a>(id: &'a str, covers: &'static [&'static str], marks: &'a Marks) -> Decided<'a> {
        Decided {
            id,
            title: id,
            declares: covers,
            judged: covers.to_vec(),
            marks,
            duration_ms: 0,
        }
    }

    /// One test `t` covering REG-002 with these marks.
    fn one(marks: &Marks, expected: &Expectations) -> Evaluation {
        decide(
            &wanted(&["REG-002"]),
            &[decided("t", &["REG-002"], marks)],
            "test",
            expected,
        )
    }

    #[test]
    fn a_pass_in_one_test_is_not_hidden_by_not_applicable_in_another() {
        let mut na = Marks::default();
        na.not_applicable("REG-002", "read-only mode");
        let pass = Marks::default();
        let tests = [
            decided("a", &["REG-002"], &na),
            decided("b", &["REG-002"], &pass),
        ];
        let ev = decide(&wanted(&["REG-002"]), &tests, "test", &Expectations::new());
        assert_eq!(ev.requirements[0].status, Status::Pass);
        assert_eq!(ev.requirements[0].tests, ["a", "b"]);
    }

    #[test]
    fn undecided_undeclared_and_unlooked_are_errors() {
        // No test judged REG-001: undecided.
        let ev = decide(&wanted(&["REG-001"]), &[], "test", &Expectations::new());
        assert_eq!(ev.requirements[0].status, Status::Error);
        // A mark on a requirement the test does not declare: the test errs, whatever it passed.
        let mut stray = Marks::default();
        stray.fail("REG-003", Location::default(), "oops");
        let ev = decide(
            &wanted(&["REG-002"]),
            &[decided("s", &["REG-002"], &stray)],
            "step",
            &Expectations::new(),
        );
        assert_eq!(ev.tests[0].status, Status::Error);
        assert!(
            ev.tests[0].findings[0]
                .message
                .starts_with("suite defect: step s")
        );
        assert_eq!(ev.requirements[0].status, Status::Pass);
        // A strict test that leaves a requirement unmarked did not look.
        let mut strict = Marks::default();
        strict.strict();
        let ev = one(&strict, &Expectations::new());
        assert_eq!(ev.requirements[0].status, Status::Error);
        assert_eq!(ev.tests[0].status, Status::Error);
    }

    #[test]
    fn expectations_fold_into_tests_and_requirements() {
        let mut fail = Marks::default();
        fail.fail("REG-002", Location::default(), "no");
        let expected: Expectations = [("REG-002".to_string(), "known".to_string())].into();
        let ev = one(&fail, &expected);
        assert_eq!(ev.requirements[0].status, Status::Xfail);
        assert_eq!(ev.tests[0].status, Status::Xfail);
    }
}
