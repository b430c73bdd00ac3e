//! The conformance report: one data model ([`model`]) and one writer per format.
//!
//! Writers only translate the [`ConformanceReport`] the engine produced; none of them decides a
//! verdict.

pub(crate) mod badge;
pub(crate) mod coverage;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod model;
pub(crate) mod summary;

#[cfg(test)]
pub(crate) mod sample;

pub use html::CoverageSection;
pub use model::*;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A single-document rendering of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub(crate) enum Format {
    Json,
    Junit,
    Markdown,
}

impl Format {
    pub(crate) const ALL: [Format; 3] = [Format::Json, Format::Junit, Format::Markdown];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
        }
    }

    /// The file name [`write_all`] uses for this format.
    pub(crate) fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Junit => "report.junit.xml",
            Format::Markdown => "report.md",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format {0:?} (expected json, junit or markdown)")]
pub(crate) struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// The report in one format.
pub(crate) fn render(report: &ConformanceReport, format: Format) -> String {
    match format {
        Format::Json => json::to_json(report),
        Format::Junit => junit::to_junit(report),
        Format::Markdown => markdown::to_markdown(report),
    }
}

/// The file [`write_all`] writes the HTML page to.
pub(crate) const HTML_FILE: &str = "report.html";

/// Write `report.json`, `report.junit.xml`, `report.md`, `report.html`, and
/// `badge-<profile>.json` and `badge-<profile>.svg` for every profile into `out_dir` (created if missing; existing files of these names are replaced).
/// Nothing is written outside `out_dir`, and nothing through a symbolic link
/// ([`crate::output`]): each file is written to a new temporary file in `out_dir` and renamed
/// into place, so an interrupted run never leaves a half-written report.
///
/// The HTML page ends with `coverage`, the traceability matrix the caller rendered
/// (`crate::traceability`).
///
/// Returns the paths written, in the order above.
pub fn write_all(
    report: &ConformanceReport,
    coverage: &CoverageSection,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, crate::output::OutputError> {
    let mut files: Vec<(String, String)> = Format::ALL
        .into_iter()
        .map(|f| (f.file_name().to_string(), render(report, f)))
        .collect();
    // In the order documented above: after the three reports, before the badges.
    files.push((HTML_FILE.to_string(), html::to_html(report, coverage)));
    let badges = badge::badges(report);
    files.extend(badges.iter().map(|(name, b)| (name.clone(), b.to_json())));
    files.extend(
        report
            .profiles
            .iter()
            .zip(&badges)
            .map(|(p, (_, b))| (badge::svg_file_name(&p.name), b.to_svg())),
    );
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_bytes()))
        .collect();
    crate::output::write_files_into(out_dir, &named)
}

/// Whether the report shows the target conformant to its claimed profile: no requirement
/// breaks it, and something of the profile applied (a profile where everything is
/// not-applicable claims nothing).
pub(crate) fn conformant(report: &ConformanceReport) -> bool {
    let breaks = report.requirements.iter().any(|r| r.status.breaks(r.level));
    let nothing_applied = report
        .profiles
        .iter()
        .find(|p| p.name == report.run.profile)
        .is_some_and(|p| p.statistics.nothing_applied());
    !breaks && !nothing_applied
}

/// When nothing was decided — every requirement errored (an unreachable registry, refused
/// credentials, an adapter that cannot describe itself) — the first finding, saying why.
pub(crate) fn nothing_decided(report: &ConformanceReport) -> Option<String> {
    let all_errors = !report.requirements.is_empty()
        && report
            .requirements
            .iter()
            .all(|r| r.status == crate::model::Status::Error);
    all_errors.then(|| {
        report
            .tests
            .iter()
            .flat_map(|t| t.findings.iter())
            .map(|f| f.message.clone())
            .next()
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sample::sample_report;
    use std::fs;

    #[test]
    fn format_names() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
            assert_eq!(f.to_string(), f.as_str());
            let v = <Format as clap::ValueEnum>::to_possible_value(&f).unwrap();
            assert_eq!(v.get_name(), f.as_str());
        }
        assert!("xml".parse::<Format>().is_err());
    }

    #[test]
    fn render_matches_writers() {
        let r = sample_report();
        assert_eq!(render(&r, Format::Json), json::to_json(&r));
        assert_eq!(render(&r, Format::Junit), junit::to_junit(&r));
        assert_eq!(render(&r, Format::Markdown), markdown::to_markdown(&r));
    }

    #[test]
    fn write_all_writes_only_inside_the_directory() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("nested/out");
        let report = sample_report();
        let paths = write_all(&report, &CoverageSection::render(&[], None), &out).unwrap();
        let names: Vec<String> = paths
            .iter()
            .map(|p| {
                assert_eq!(
                    p.parent().unwrap(),
                    out,
                    "{p:?} outside the output directory"
                );
                assert!(p.is_file(), "{p:?} missing");
                p.file_name().unwrap().to_string_lossy().into_owned()
            })
            .collect();
        assert_eq!(
            names,
            [
                "report.json",
                "report.junit.xml",
                "report.md",
                "report.html",
                "badge-core.json",
                "badge-trusted.json",
                "badge-core.svg",
                "badge-trusted.svg"
            ]
        );
        // Exactly those files, no temporaries left behind, nothing beside the output directory.
        let mut listed: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        listed.sort();
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(listed, expected);
        let top: Vec<_> = fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(top.len(), 1);
        assert_eq!(
            fs::read_to_string(out.join("report.json")).unwrap(),
            json::to_json(&report)
        );
        // A second run replaces the files in place.
        write_all(&report, &CoverageSection::render(&[], None), &out).unwrap();
        assert_eq!(fs::read_dir(&out).unwrap().count(), names.len());
    }

    #[test]
    fn hostile_profile_name_stays_inside() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let mut report = sample_report();
        report.profiles[1].name = "../../escape".into();
        let paths = write_all(&report, &CoverageSection::render(&[], None), &out).unwrap();
        assert!(paths.iter().all(|p| p.parent().unwrap() == out));
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
