//! The short summary `run` and `check` print on a terminal: what was checked, one line per
//! profile with its verdict, then what failed. The full tables live in the report files.
//!
//! Deterministic like the Markdown: no timestamps, no durations.

use super::model::{ConformanceReport, TargetKind};
use crate::model::{Finding, Status};
use crate::spec::ProfileStatus;
use std::fmt::Write;

/// At most this many failures are listed; the rest are counted.
pub(crate) const MAX_LISTED: usize = 15;

/// The summary as plain text lines, each whole.
#[cfg(test)]
pub(crate) fn to_summary(report: &ConformanceReport) -> String {
    to_summary_for(report, None)
}

/// The summary for a terminal of `width` columns: a longer line is cut to the width with `…`
/// (`None`: not a terminal, nothing is cut).
pub(crate) fn to_summary_for(report: &ConformanceReport, width: Option<usize>) -> String {
    let whole = summary_lines(report);
    let Some(width) = width.filter(|w| *w > 1) else {
        return whole;
    };
    let mut out = String::with_capacity(whole.len());
    for line in whole.lines() {
        if line.chars().count() > width {
            out.extend(line.chars().take(width - 1));
            out.push('…');
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

fn summary_lines(report: &ConformanceReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · spec {} · {}",
        report.suite.name,
        report.suite.version,
        one_line(&report.spec.version),
        one_line(&report.target.reference)
    );
    if let Some(d) = &report.target.manifest_digest {
        let _ = writeln!(out, "manifest {}", one_line(d));
    }
    out.push('\n');
    profiles(report, &mut out);
    if report.target.kind == TargetKind::Registry {
        registry_capability(report, &mut out);
    }
    out.push('\n');
    if report.target.kind == TargetKind::Fixtures {
        unmet_cases(report, &mut out);
    } else {
        failed_requirements(report, &mut out);
    }
    out
}

fn profiles(report: &ConformanceReport, out: &mut String) {
    let width = report
        .profiles
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(0);
    for p in &report.profiles {
        let s = &p.statistics;
        let mut counts = vec![
            format!("{} pass", s.passed),
            format!("{} fail", s.failed),
            format!("{} error", s.errored),
            format!("{} skip", s.skipped),
            format!("{} n/a", s.not_applicable),
        ];
        if s.xfailed > 0 {
            counts.push(format!("{} xfail", s.xfailed));
        }
        if s.xpassed > 0 {
            counts.push(format!("{} xpass", s.xpassed));
        }
        let mut provisional = if p.status == ProfileStatus::Provisional {
            " (provisional)"
        } else {
            ""
        }
        .to_string();
        if s.nothing_applied() {
            provisional.push_str(" — nothing applied to this target");
        }
        let _ = writeln!(
            out,
            "  {:width$}  {:<8}  {}{provisional}",
            one_line(&p.name),
            p.result.as_str(),
            counts.join(", "),
        );
    }
}

/// The registry suite's own split: core requirements, then extended features offered.
fn registry_capability(report: &ConformanceReport, out: &mut String) {
    let cap = &report.run.options["capability"];
    let (Some(core), Some(supported), Some(total)) = (
        cap["core"]["result"].as_str(),
        cap["extended"]["supported"].as_u64(),
        cap["extended"]["total"].as_u64(),
    ) else {
        return;
    };
    let _ = writeln!(
        out,
        "  registry core requirements: {core}; extended features supported: {supported}/{total}"
    );
}

/// Requirements that failed, errored or passed against an expected failure, MUST first.
fn failed_requirements(report: &ConformanceReport, out: &mut String) {
    let mut failed: Vec<_> = report
        .requirements
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Error | Status::Xpass))
        .collect();
    failed.sort_by_key(|r| (r.level, r.id.clone()));
    let breaking = failed.iter().filter(|r| r.status.breaks(r.level)).count();
    if failed.is_empty() {
        out.push_str("No failures.\n");
    } else {
        let _ = writeln!(out, "Failures ({}):", failed.len());
        for r in failed.iter().take(MAX_LISTED) {
            let findings: Vec<&Finding> = report
                .tests
                .iter()
                .flat_map(|t| t.findings.iter())
                .filter(|f| f.requirement == r.id && f.status != Status::Pass)
                .collect();
            let what = match (r.status, findings.first()) {
                (Status::Xpass, _) => "expected to fail, but it passed".to_string(),
                (_, Some(f)) => finding_text(f),
                (_, None) if r.tests.is_empty() => {
                    "nothing decided it: no check or suite step ran for it".to_string()
                }
                (_, None) => format!(
                    "nothing decided it: {} ran but recorded no finding for it",
                    r.tests.join(", ")
                ),
            };
            let more = match findings.len() {
                0 | 1 => String::new(),
                n => format!(" (+{} more)", n - 1),
            };
            let _ = writeln!(
                out,
                "  {:<5} {} {}: {what}{more}",
                r.status.to_string(),
                r.id,
                r.level
            );
        }
        if failed.len() > MAX_LISTED {
            let _ = writeln!(out, "  … and {} more", failed.len() - MAX_LISTED);
        }
    }
    let claimed = report
        .profiles
        .iter()
        .find(|p| p.name == report.run.profile);
    if breaking == 0 && claimed.is_some_and(|p| p.statistics.nothing_applied()) {
        let _ = writeln!(
            out,
            "\nConformant: no (no requirement of profile {} applied to this target)",
            report.run.profile
        );
    } else if breaking == 0 {
        out.push_str("\nConformant: yes\n");
    } else {
        let _ = writeln!(
            out,
            "\nConformant: no ({breaking} requirement{} not met)",
            if breaking == 1 { "" } else { "s" }
        );
    }
}

/// Self-test: the cases whose outcome differed from what their `case.json` expects.
fn unmet_cases(report: &ConformanceReport, out: &mut String) {
    let unmet: Vec<_> = report
        .tests
        .iter()
        .filter(|t| t.status != Status::Pass)
        .collect();
    if unmet.is_empty() {
        out.push_str("Every case met its expectation.\n");
    } else {
        let _ = writeln!(
            out,
            "Cases that did not meet their expectation ({}):",
            unmet.len()
        );
        for t in unmet.iter().take(MAX_LISTED) {
            // The self-test records each mismatch as a finding located at the case's descriptor.
            let why: Vec<String> = t
                .findings
                .iter()
                .filter(|f| f.location.document.as_deref() == Some("case.json"))
                .map(|f| one_line(&f.message))
                .collect();
            let _ = writeln!(out, "  {}: {}", one_line(&t.id), why.join("; "));
        }
        if unmet.len() > MAX_LISTED {
            let _ = writeln!(out, "  … and {} more", unmet.len() - MAX_LISTED);
        }
    }
    let _ = writeln!(
        out,
        "\nSelf-test: {} cases, {} met their expectation, {} did not",
        report.tests.len(),
        report.tests.len() - unmet.len(),
        unmet.len()
    );
}

fn finding_text(f: &Finding) -> String {
    let at = f.location.to_string();
    if at.is_empty() {
        one_line(&f.message)
    } else {
        format!("{} {}", one_line(&at), one_line(&f.message))
    }
}

/// Longest text of one field: far beyond any message the suite writes (none is cut), yet a
/// hostile one cannot flood the output.
const MAX_FIELD_CHARS: usize = 2000;

/// One line (control characters become spaces) of at most [`MAX_FIELD_CHARS`] characters.
fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() > MAX_FIELD_CHARS {
        let cut: String = flat.chars().take(MAX_FIELD_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn summary_snapshot() {
        insta::assert_snapshot!("report_summary", to_summary(&sample_report()));
    }

    #[test]
    fn short_and_timeless() {
        let report = sample_report();
        let s = to_summary(&report);
        assert!(!s.contains(&report.run.started));
        assert!(s.lines().count() < 12 + MAX_LISTED, "{s}");
    }

    #[test]
    fn self_test_names_unmet_cases() {
        let mut report = sample_report();
        report.target.kind = TargetKind::Fixtures;
        let s = to_summary(&report);
        assert!(s.contains("Self-test:"), "{s}");
        assert!(!s.contains("Conformant"), "{s}");
    }

    #[test]
    fn hostile_text_stays_on_one_line() {
        assert_eq!(one_line("a\nb\x1b[2J"), "a b [2J");
        assert_eq!(one_line(&"x".repeat(5000)).chars().count(), MAX_FIELD_CHARS);
        assert_eq!(one_line(&"x".repeat(500)).chars().count(), 500);
    }

    #[test]
    fn lines_are_cut_only_to_a_terminal_width() {
        let mut report = sample_report();
        let long = format!("a finding with a fix hint at its end {}", "x".repeat(300));
        let finding = report
            .tests
            .iter_mut()
            .flat_map(|t| t.findings.iter_mut())
            .find(|f| f.requirement == "MAN-005")
            .expect("the sample fails MAN-005");
        finding.message = long.clone();
        assert!(to_summary(&report).contains(&long));
        let cut = to_summary_for(&report, Some(80));
        assert!(cut.lines().all(|l| l.chars().count() <= 80), "{cut}");
        assert!(!cut.contains(&long));
    }
}
