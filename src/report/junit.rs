//! JUnit XML, for CI systems: one `<testsuite>` per test group, one `<testcase>` per test.
//!
//! Status mapping (the verdict itself is the engine's; this only translates it):
//!
//! | report status    | JUnit                                            |
//! |------------------|--------------------------------------------------|
//! | `pass`           | success                                          |
//! | `fail`           | `<failure>` listing the findings                 |
//! | `error`          | `<error>` listing the findings                   |
//! | `skip`           | `<skipped>` with the reason                      |
//! | `not-applicable` | `<skipped>` with the reason                      |
//! | `xfail`          | `<skipped message="expected failure: …">`        |
//! | `xpass`          | `<failure message="expected failure did not occur">` |
//!
//! JUnit has no report-level properties, so the report facts (suite and spec version, target,
//! profile results) are repeated as `<properties>` of every suite.

use super::model::{ConformanceReport, TestResult};
use crate::model::{Finding, Status};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

/// The report name and the prefix of every `classname` (`ai-interop.<group>`).
const CLASS_PREFIX: &str = "ai-interop";

/// The group a test belongs to: its ID up to the first `/` or `.` (`manifest.structure` →
/// `manifest`, `fixtures/<case>` → `fixtures`); the whole ID if it has neither.
pub(crate) fn test_group(id: &str) -> &str {
    id.split(['/', '.']).next().unwrap_or(id)
}

/// One finding as a line: `REQ [LEVEL] location: message`. The location is left out when empty,
/// and line breaks inside the message become spaces.
pub(crate) fn finding_line(f: &Finding) -> String {
    let location = f.location.to_string();
    let message = one_line(&f.message);
    // A rule of an upstream specification says so, so that a CI log tells an OCI defect from
    // a disagreement with this contract.
    let level = match crate::spec::Catalog::embedded().get(&f.requirement) {
        Some(r) if r.origin.is_upstream() => format!("{}, {}", f.level, r.origin.label()),
        _ => f.level.to_string(),
    };
    if location.is_empty() {
        format!("{} [{level}]: {message}", f.requirement)
    } else {
        format!("{} [{level}] {location}: {message}", f.requirement)
    }
}

fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The findings of a test, one line each (`None` when it has none).
fn findings_text(test: &TestResult) -> Option<String> {
    if test.findings.is_empty() {
        return None;
    }
    Some(
        test.findings
            .iter()
            .map(finding_line)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A non-success status whose `message` attribute is a single line (XML attribute values lose
/// their line breaks) and whose text body holds one finding per line.
fn with_findings(
    mut status: TestCaseStatus,
    test: &TestResult,
    prefix: &str,
    fallback: &str,
) -> TestCaseStatus {
    match findings_text(test) {
        Some(body) => {
            status.set_message(format!("{prefix}{}", body.replace('\n', "; ")));
            status.set_description(body);
        }
        None => {
            status.set_message(format!("{prefix}{fallback}"));
        }
    }
    status
}

fn case_status(test: &TestResult) -> TestCaseStatus {
    let mut status = match test.status {
        Status::Pass => return TestCaseStatus::success(),
        Status::Fail => with_findings(
            TestCaseStatus::non_success(NonSuccessKind::Failure),
            test,
            "",
            "failed (no findings recorded)",
        ),
        Status::Error => with_findings(
            TestCaseStatus::non_success(NonSuccessKind::Error),
            test,
            "",
            "error (no findings recorded)",
        ),
        Status::Skip => with_findings(TestCaseStatus::skipped(), test, "", "skipped"),
        Status::NotApplicable => {
            with_findings(TestCaseStatus::skipped(), test, "", "not applicable")
        }
        Status::Xfail => with_findings(
            TestCaseStatus::skipped(),
            test,
            "expected failure: ",
            "announced in the expectations",
        ),
        Status::Xpass => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message("expected failure did not occur");
            s
        }
    };
    status.set_type(test.status.as_str());
    status
}

fn report_properties(report: &ConformanceReport) -> Vec<Property> {
    let mut props = vec![
        Property::new("suite.name", report.suite.name.as_str()),
        Property::new("suite.version", report.suite.version.as_str()),
        Property::new("suite.commit", report.suite.commit.as_str()),
        Property::new("spec.version", report.spec.version.as_str()),
        Property::new("target.reference", report.target.reference.as_str()),
        Property::new("run.profile", report.run.profile.as_str()),
    ];
    if let Some(d) = &report.target.manifest_digest {
        props.push(Property::new("target.manifestDigest", d.as_str()));
    }
    for u in &report.spec.upstream {
        props.push(Property::new(
            format!("spec.upstream.{}.document", u.profile),
            u.document.as_str(),
        ));
        props.push(Property::new(
            format!("spec.upstream.{}.revision", u.profile),
            u.revision.as_str(),
        ));
    }
    for p in &report.profiles {
        props.push(Property::new(
            format!("profile.{}", p.name),
            p.result.as_str().to_string(),
        ));
    }
    props
}

/// Build the quick-junit report. Suites appear in the order their first test appears in the
/// report; tests keep the report's order.
pub(crate) fn to_junit_report(report: &ConformanceReport) -> Report {
    let mut junit = Report::new(CLASS_PREFIX);
    if let Ok(started) = chrono::DateTime::parse_from_rfc3339(&report.run.started) {
        junit.set_timestamp(started);
    }
    let mut groups: Vec<(&str, Vec<&TestResult>)> = Vec::new();
    for test in &report.tests {
        let g = test_group(&test.id);
        match groups.iter_mut().find(|(name, _)| *name == g) {
            Some((_, tests)) => tests.push(test),
            None => groups.push((g, vec![test])),
        }
    }
    let props = report_properties(report);
    let mut total = Duration::ZERO;
    for (group, tests) in groups {
        let mut suite = TestSuite::new(group);
        suite.add_properties(props.iter().cloned());
        let mut suite_time = Duration::ZERO;
        for test in tests {
            let time = Duration::from_millis(test.duration_ms);
            suite_time += time;
            // Tests of an image index repeat per manifest: the name says which one.
            let name = match &test.manifest {
                Some(d) => format!("{} @ {d}", test.id),
                None => test.id.clone(),
            };
            let mut case = TestCase::new(name.as_str(), case_status(test));
            case.set_classname(format!("{CLASS_PREFIX}.{group}"))
                .set_time(time);
            suite.add_test_case(case);
        }
        suite.set_time(suite_time);
        total += suite_time;
        junit.add_test_suite(suite);
    }
    junit.set_time(total);
    junit
}

/// The report as JUnit XML.
pub(crate) fn to_junit(report: &ConformanceReport) -> String {
    let mut xml = to_junit_report(report)
        .to_string()
        .expect("serialising JUnit XML into memory cannot fail");
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    /// Durations and timestamps vary between runs; the snapshot shows their places only.
    fn normalise(xml: &str) -> String {
        let time = regex::Regex::new(r#" time="[0-9.]+""#).unwrap();
        let stamp = regex::Regex::new(r#" timestamp="[^"]*""#).unwrap();
        let xml = time.replace_all(xml, r#" time="[duration]""#);
        stamp
            .replace_all(&xml, r#" timestamp="[timestamp]""#)
            .into_owned()
    }

    #[test]
    fn groups() {
        assert_eq!(test_group("manifest.structure"), "manifest");
        assert_eq!(test_group("fixtures/bad-case"), "fixtures");
        assert_eq!(test_group("fixtures/a.b"), "fixtures");
        assert_eq!(test_group("plain"), "plain");
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!("report_junit", normalise(&to_junit(&sample_report())));
    }

    #[test]
    fn junit_parses_and_counts() {
        let report = sample_report();
        let xml = to_junit(&report);
        // Well-formed enough for a JUnit consumer: quick-junit's own reader takes it back.
        let parsed = Report::deserialize_from_str(&xml).expect("JUnit output parses");
        assert_eq!(parsed.tests, report.tests.len());
        assert_eq!(xml.matches("<testcase").count(), report.tests.len());
        let count = |s: Status| report.tests.iter().filter(|t| t.status == s).count();
        assert_eq!(
            xml.matches("<failure").count(),
            count(Status::Fail) + count(Status::Xpass)
        );
        assert_eq!(xml.matches("<error").count(), count(Status::Error));
        assert_eq!(
            xml.matches("<skipped").count(),
            count(Status::Skip) + count(Status::NotApplicable) + count(Status::Xfail)
        );
        assert_eq!(parsed.failures, count(Status::Fail) + count(Status::Xpass));
        assert_eq!(parsed.errors, count(Status::Error));
        let suites: Vec<&str> = parsed.test_suites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            suites,
            [
                "manifest",
                "blobs",
                "modelpack",
                "layers",
                "annotations",
                "fixtures"
            ]
        );
        assert!(xml.contains(r#"classname="ai-interop.fixtures""#));
        assert!(xml.contains("expected failure: ANN-019 [MUST] manifest /annotations"));
        assert!(xml.contains("expected failure did not occur"));
    }
}
