//! Recompute a report's verdicts from its raw results and list every place where the report's
//! own roll-ups disagree. Nothing the report says about profiles, requirement verdicts or test
//! verdicts is trusted: each is derived again with the verdict path's own code
//! ([`crate::engine::verdict::Claim::profiles`], [`Status::of_test`], [`Status::gravest`],
//! [`crate::selftest::requirement_verdicts`]) and compared.

use crate::engine::verdict::{Claim, Ladder, apply_expectation};
use crate::engine::{artifact_requirements, summary};
use crate::model::Status;
use crate::report::{ConformanceReport, RequirementResult, TargetKind, TestResult};
use crate::spec::{AppliesTo, Catalog, Requirement};
use std::collections::{BTreeMap, BTreeSet};

/// What produced the report, read from its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Producer {
    /// `run` without a target: the golden fixtures against their expected verdicts.
    SelfTest,
    /// `check` (or `run <artifact>`): one artifact, from a layout or a registry.
    Artifact,
    /// `run registry`: the registry suite.
    RegistrySuite,
    /// `run packer|runtime|transport`: a tool suite through an adapter.
    ToolSuite(AppliesTo),
}

impl Producer {
    pub(crate) fn of(report: &ConformanceReport) -> Option<Producer> {
        match (report.target.kind, &report.target.manifest_digest) {
            (TargetKind::Fixtures, _) => Some(Producer::SelfTest),
            (TargetKind::OciLayout, Some(_)) | (TargetKind::Registry, Some(_)) => {
                Some(Producer::Artifact)
            }
            (TargetKind::Registry, None) => Some(Producer::RegistrySuite),
            (TargetKind::Packer, _) => Some(Producer::ToolSuite(AppliesTo::Packer)),
            (TargetKind::Runtime, _) => Some(Producer::ToolSuite(AppliesTo::Runtime)),
            (TargetKind::Transport, _) => Some(Producer::ToolSuite(AppliesTo::Transport)),
            _ => None,
        }
    }

    /// The claim the producer judged the report under.
    fn claim(self, profile: &str) -> Claim<'_> {
        Claim {
            profile,
            applies: self.applies(),
            ladder: match self {
                Producer::RegistrySuite | Producer::ToolSuite(_) => Ladder::Lineage,
                Producer::SelfTest | Producer::Artifact => Ladder::Decided,
            },
        }
    }

    fn applies(self) -> AppliesTo {
        match self {
            Producer::RegistrySuite => AppliesTo::Registry,
            Producer::ToolSuite(applies) => applies,
            _ => AppliesTo::Artifact,
        }
    }
}

/// Every disagreement between the report and what its raw results imply; empty when the report
/// holds together under `catalog`.
pub fn problems(report: &ConformanceReport, catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    if report.api_version != crate::report::API_VERSION || report.kind != crate::report::KIND {
        out.push(format!(
            "not a {} {} document",
            crate::report::API_VERSION,
            crate::report::KIND
        ));
    }
    if report.spec.version != catalog.version {
        out.push(format!(
            "spec version {:?}, but this verifier carries spec {}",
            report.spec.version, catalog.version
        ));
        return out;
    }
    if catalog.profile(&report.run.profile).is_none() {
        out.push(format!(
            "claimed profile {:?} is not a profile of spec {}",
            report.run.profile, catalog.version
        ));
        return out;
    }
    let Some(producer) = Producer::of(report) else {
        out.push(format!(
            "target kind {:?} without a manifest digest is not a kind of report this verifier recomputes",
            report.target.kind
        ));
        return out;
    };

    // The requirement set is the catalog's, with the catalog's levels and profiles: nothing
    // dropped, added, or moved to another level or profile.
    let expected: Vec<&Requirement> = match producer {
        Producer::Artifact => artifact_requirements(catalog, &report.run.profile),
        p => catalog
            .requirements
            .iter()
            .filter(|r| r.applies_to.contains(&p.applies()))
            .collect(),
    };
    let want: Vec<&str> = expected.iter().map(|r| r.id.as_str()).collect();
    let have: Vec<&str> = report.requirements.iter().map(|r| r.id.as_str()).collect();
    if want != have {
        let w: BTreeSet<&str> = want.iter().copied().collect();
        let h: BTreeSet<&str> = have.iter().copied().collect();
        let missing: Vec<&str> = w.difference(&h).copied().collect();
        let extra: Vec<&str> = h.difference(&w).copied().collect();
        out.push(format!(
            "the requirements are not those of profile {:?} ({} expected, {} listed; missing: {}; not expected: {})",
            report.run.profile,
            want.len(),
            have.len(),
            list(&missing),
            list(&extra)
        ));
        return out;
    }
    for (r, c) in report.requirements.iter().zip(&expected) {
        if r.level != c.level
            || r.profile != c.profile
            || r.applies_to != c.applies_to
            || r.origin.is_some_and(|o| o != c.origin)
        {
            out.push(format!(
                "{}: recorded as {} in profile {:?}, but the spec says {} in profile {:?}",
                r.id, r.level, r.profile, c.level, c.profile
            ));
        }
    }

    match producer {
        Producer::SelfTest => self_test(report, catalog, &mut out),
        _ => from_findings(report, producer, &mut out),
    }

    // Profile roll-ups, exactly as the producer computes them.
    let profiles = producer
        .claim(&report.run.profile)
        .profiles(catalog, &report.requirements);
    let shown: Vec<String> = report.profiles.iter().map(profile_line).collect();
    let recomputed: Vec<String> = profiles.iter().map(profile_line).collect();
    if shown != recomputed {
        out.push(format!(
            "profile roll-ups do not follow from the requirement results: the report says [{}], recomputed [{}]",
            shown.join("; "),
            recomputed.join("; ")
        ));
    }
    let sentence = summary(&profiles, &report.run.profile);
    // Reports written before the sentence stopped repeating the claimed profile say it the
    // earlier way; both follow from the same roll-ups.
    let earlier = crate::engine::rollup::summary_before_0_2(&profiles, &report.run.profile);
    let summary_ok = [&sentence, &earlier].iter().any(|s| match producer {
        // The registry report appends its capability sentence.
        Producer::RegistrySuite => report.summary.starts_with(s.as_str()),
        _ => report.summary == **s,
    });
    if !summary_ok {
        out.push(format!(
            "the summary does not follow from the roll-ups: expected {sentence:?}"
        ));
    }
    out
}

fn list(ids: &[&str]) -> String {
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

fn profile_line(p: &crate::report::ProfileResult) -> String {
    let s = &p.statistics;
    format!(
        "{}:{}:{} ({} total, {} pass, {} fail, {} error, {} skip, {} n/a, {} xfail, {} xpass)",
        p.name,
        p.result.as_str(),
        serde_json::to_value(p.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        s.total,
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        s.not_applicable,
        s.xfailed,
        s.xpassed
    )
}

/// The self-test: requirement verdicts follow from the fixture cases that cover them, and a case
/// passes only without findings against its expectation.
fn self_test(report: &ConformanceReport, catalog: &Catalog, out: &mut Vec<String>) {
    for t in &report.tests {
        let mismatch = t
            .findings
            .iter()
            .any(|f| f.location.document.as_deref() == Some("case.json"));
        if t.status == Status::Pass && mismatch {
            out.push(format!(
                "{}: marked pass, but it records a mismatch with its expected verdict",
                t.id
            ));
        }
    }
    let recomputed = crate::selftest::requirement_verdicts(catalog, &report.tests);
    for (r, c) in report.requirements.iter().zip(&recomputed) {
        if r.status != c.status || r.tests != c.tests {
            out.push(format!(
                "{}: the report says {}, the fixture cases that cover it say {}",
                r.id, r.status, c.status
            ));
        }
    }
}

/// A requirement decided by checks: its status follows from the findings of the tests that
/// decided it, and each test's status from the statuses of what it covers.
fn from_findings(report: &ConformanceReport, producer: Producer, out: &mut Vec<String>) {
    let tests: BTreeMap<&str, &TestResult> =
        report.tests.iter().map(|t| (t.id.as_str(), t)).collect();
    let announced: Option<BTreeSet<String>> = report
        .run
        .options
        .get("expectedFailures")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        });
    let by_id: BTreeMap<&str, &RequirementResult> = report
        .requirements
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    for r in &report.requirements {
        let deciding: Vec<&TestResult> = r
            .tests
            .iter()
            .filter_map(|id| tests.get(id.as_str()).copied())
            .collect();
        if deciding.len() != r.tests.len() {
            out.push(format!(
                "{}: decided by a test the report does not list",
                r.id
            ));
            continue;
        }
        if producer == Producer::Artifact && r.tests.len() > 1 {
            out.push(format!(
                "{}: an artifact requirement is decided by one check",
                r.id
            ));
        }
        if deciding.iter().any(|t| !t.covers.contains(&r.id)) {
            out.push(format!(
                "{}: decided by a test that does not cover it",
                r.id
            ));
        }
        let seen: BTreeSet<Status> = deciding
            .iter()
            .flat_map(|t| t.findings.iter())
            .filter(|f| f.requirement == r.id)
            .map(|f| f.status)
            .collect();
        // The marks' order (`Status::gravity`): error, then fail, then skip; a pass or a
        // not-applicable leaves no finding either way (`None`).
        let raw = if deciding.is_empty() {
            Some(Status::Error)
        } else {
            Status::gravest(seen.iter().copied())
        };
        let is_announced = match &announced {
            Some(a) => a.contains(&r.id),
            // Older reports do not record the announcements: take the report's word.
            None => matches!(r.status, Status::Xfail | Status::Xpass),
        };
        let ok = match raw {
            Some(s) => apply_expectation(s, is_announced) == r.status,
            None => [Status::Pass, Status::NotApplicable]
                .iter()
                .any(|s| apply_expectation(*s, is_announced) == r.status),
        };
        if !ok {
            out.push(format!(
                "{}: the report says {}, but its findings say {}",
                r.id,
                r.status,
                match raw {
                    Some(s) => apply_expectation(s, is_announced).to_string(),
                    None => "pass or not-applicable".into(),
                }
            ));
        }
    }
    for t in &report.tests {
        let mut statuses: Vec<Status> = t
            .covers
            .iter()
            .filter_map(|id| by_id.get(id.as_str()))
            .filter(|r| r.tests.contains(&t.id) || producer == Producer::Artifact)
            .map(|r| r.status)
            .collect();
        if t.findings
            .iter()
            .any(|f| !t.covers.contains(&f.requirement) || f.message.starts_with("suite defect"))
        {
            statuses.push(Status::Error);
        }
        if matches!(producer, Producer::RegistrySuite | Producer::ToolSuite(_)) {
            // A registry or tool-suite test's status comes from its own marks, which several
            // tests share per requirement; only a pass beside a breaking finding is a
            // contradiction.
            let broken = t
                .findings
                .iter()
                .any(|f| matches!(f.status, Status::Fail | Status::Error));
            if t.status == Status::Pass && broken {
                out.push(format!(
                    "{}: marked pass, but it has failing findings",
                    t.id
                ));
            }
            continue;
        }
        let recomputed = Status::of_test(statuses);
        if recomputed != t.status {
            out.push(format!(
                "{}: the report says {}, the requirements it decided say {recomputed}",
                t.id, t.status
            ));
        }
    }
}
