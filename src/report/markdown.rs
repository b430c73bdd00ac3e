//! A human summary in GitHub-flavoured Markdown (job summaries, pull requests).
//!
//! Deterministic: no timestamps and no durations, only what the report decided.

use super::model::{ConformanceReport, ProfileResult, TargetKind, TestResult};
use crate::model::Finding;
use crate::spec::{Catalog, ProfileStatus};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Text safe inside a table cell: `|` escaped, line breaks as `<br>`.
pub fn cell(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// Text safe on one line outside a table (headings, list items).
fn inline(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An inline code span whose fence is longer than any backtick run inside it.
fn code(s: &str) -> String {
    let s = inline(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn profile_status(s: ProfileStatus) -> &'static str {
    match s {
        ProfileStatus::Complete => "complete",
        ProfileStatus::Provisional => "provisional",
    }
}

fn row(out: &mut String, cells: &[String]) {
    out.push('|');
    for c in cells {
        out.push(' ');
        out.push_str(c);
        out.push_str(" |");
    }
    out.push('\n');
}

fn header(out: &mut String, names: &[&str]) {
    row(
        out,
        &names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
    );
    row(
        out,
        &names.iter().map(|_| "---".to_string()).collect::<Vec<_>>(),
    );
}

fn profile_row(p: &ProfileResult) -> Vec<String> {
    let s = &p.statistics;
    vec![
        cell(&p.name),
        profile_status(p.status).to_string(),
        p.result.as_str().to_string(),
        s.passed.to_string(),
        s.failed.to_string(),
        s.errored.to_string(),
        s.skipped.to_string(),
        s.not_applicable.to_string(),
        s.xfailed.to_string(),
        s.xpassed.to_string(),
        s.total.to_string(),
    ]
}

fn location(f: &Finding) -> String {
    let l = f.location.to_string();
    if l.is_empty() {
        "—".to_string()
    } else {
        cell(&l)
    }
}

/// The report as Markdown.
pub(crate) fn to_markdown(report: &ConformanceReport) -> String {
    let catalog = Catalog::embedded();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# AI Manifest Contract {} conformance: {}\n",
        inline(&report.spec.version),
        code(&report.target.reference)
    );
    let _ = writeln!(
        out,
        "- Target: {} ({})",
        code(&report.target.reference),
        kind_word(report)
    );
    if let Some(d) = &report.target.manifest_digest {
        let _ = writeln!(out, "- Manifest digest: {}", code(d));
    }
    for m in &report.target.manifests {
        let mut about = vec![format!("at {}", code(&m.path))];
        about.extend(
            m.platform
                .as_deref()
                .map(|p| format!("platform {}", code(p))),
        );
        about.extend(m.artifact_type.as_deref().map(code));
        let _ = writeln!(
            out,
            "- Manifest followed from the index: {} ({})",
            code(&m.digest),
            about.join(", ")
        );
    }
    let _ = writeln!(out, "- Profile run: {}", code(&report.run.profile));
    let _ = writeln!(out, "- Spec version: {}", inline(&report.spec.version));
    for u in &report.spec.upstream {
        let _ = writeln!(
            out,
            "- Upstream text tracked: profile {} is exactly {} at revision {}",
            code(&u.profile),
            inline(&u.document),
            code(&u.revision)
        );
    }
    let _ = writeln!(
        out,
        "- Suite: {} {} (commit {})",
        inline(&report.suite.name),
        inline(&report.suite.version),
        code(&report.suite.commit)
    );
    out.push('\n');
    if !report.summary.trim().is_empty() {
        for line in report.summary.lines() {
            let _ = writeln!(out, "{}  ", line.trim_end());
        }
        // Drop the hard break after the last line.
        out.truncate(out.trim_end().len());
        out.push_str("\n\n");
    }

    out.push_str("## Profiles\n\n");
    header(
        &mut out,
        &[
            "Profile", "Status", "Result", "Passed", "Failed", "Errored", "Skipped", "N/A",
            "XFail", "XPass", "Total",
        ],
    );
    for p in &report.profiles {
        row(&mut out, &profile_row(p));
    }
    out.push('\n');

    out.push_str("## Findings\n\n");
    if report.target.kind == TargetKind::Fixtures {
        out.push_str(
            "Each golden fixture is meant to fail the requirements its `case.json` names: a \
             finding `fail` in a case that *met expectation* is the expected verdict, not a \
             defect of the suite.\n\n",
        );
    }
    let mut by_requirement: BTreeMap<&str, Vec<(&TestResult, &Finding)>> = BTreeMap::new();
    for t in &report.tests {
        for f in &t.findings {
            by_requirement
                .entry(f.requirement.as_str())
                .or_default()
                .push((t, f));
        }
    }
    if by_requirement.is_empty() {
        out.push_str("No findings.\n\n");
    }
    for (id, findings) in &by_requirement {
        let known = catalog.get(id);
        let level = known.map_or(findings[0].1.level, |r| r.level);
        let origin = known.map_or(String::new(), |r| format!(", rule of {}", r.origin.label()));
        let _ = writeln!(out, "### {} ({level}{origin})\n", inline(id));
        match known {
            Some(r) => {
                let _ = writeln!(out, "> {}\n", inline(&r.text));
            }
            None => out.push_str(&format!(
                "> Not in the embedded catalog of spec {}.\n\n",
                inline(&catalog.version)
            )),
        }
        header(
            &mut out,
            &["Test", "Level", "Status", "Location", "Message"],
        );
        for (t, f) in findings {
            row(
                &mut out,
                &[
                    format!(
                        "{}{} ({})",
                        cell(&t.id),
                        on_manifest(t),
                        test_outcome(report, t)
                    ),
                    f.level.to_string(),
                    f.status.to_string(),
                    location(f),
                    cell(&f.message),
                ],
            );
        }
        out.push('\n');
    }

    out.push_str("## Requirements\n\n");
    header(
        &mut out,
        &["ID", "Level", "Profile", "Origin", "Status", "Tests"],
    );
    for r in &report.requirements {
        row(
            &mut out,
            &[
                cell(&r.id),
                r.level.to_string(),
                cell(&r.profile),
                r.origin.map_or("—", |o| o.label()).to_string(),
                r.status.to_string(),
                cell(&r.tests.join(", ")),
            ],
        );
    }
    out.push('\n');

    out.push_str("## Tests\n\n");
    header(&mut out, &["ID", "Title", "Status", "Covers", "Findings"]);
    for t in &report.tests {
        row(
            &mut out,
            &[
                format!("{}{}", cell(&t.id), on_manifest(t)),
                cell(&t.title),
                test_outcome(report, t),
                cell(&t.covers.join(", ")),
                t.findings.len().to_string(),
            ],
        );
    }
    out
}

/// A test's status; for the self-test, whether the fixture case met its expected verdict.
fn test_outcome(report: &ConformanceReport, t: &TestResult) -> String {
    if report.target.kind != TargetKind::Fixtures {
        return t.status.to_string();
    }
    match t.status {
        crate::model::Status::Pass => "met expectation".to_string(),
        other => format!("did not meet expectation: {other}"),
    }
}

/// ` @ sha256:0123456789ab` when the test judged one manifest of an image index.
fn on_manifest(t: &TestResult) -> String {
    match &t.manifest {
        Some(d) => format!(" @ {}", cell(&d.chars().take(19).collect::<String>())),
        None => String::new(),
    }
}

fn kind_word(report: &ConformanceReport) -> String {
    serde_json::to_value(report.target.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!("report_markdown", to_markdown(&sample_report()));
    }

    #[test]
    fn deterministic_and_timeless() {
        let report = sample_report();
        let a = to_markdown(&report);
        assert_eq!(a, to_markdown(&report));
        assert!(!a.contains(&report.run.started));
        assert!(!a.contains(&report.run.finished));
        assert!(!a.contains("durationMs"));
    }

    #[test]
    fn self_test_says_met_expectation() {
        let mut report = sample_report();
        report.target.kind = TargetKind::Fixtures;
        let md = to_markdown(&report);
        assert!(md.contains("| met expectation |"), "{md}");
        assert!(md.contains("did not meet expectation: fail"), "{md}");
        assert!(!to_markdown(&sample_report()).contains("met expectation"));
    }

    #[test]
    fn cells_are_escaped() {
        assert_eq!(cell("a|b\nc\r\nd"), "a\\|b<br>c<br>d");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
