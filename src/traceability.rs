//! Traceability: every requirement of the embedded catalog with the checks and fixture cases
//! that cover it. `ai-interop requirements` prints it; the HTML report shows it to spec editors
//! (the caller computes it and hands it to the writers, which sit below this module).

use crate::checks;
use crate::fixtures::CaseDescriptor;
use crate::selftest::expected_failures;
use crate::spec::Catalog;
use std::collections::BTreeMap;
use std::path::Path;

use crate::report::CoverageSection;
pub(crate) use crate::report::coverage::Coverage;

/// The matrix: one row per requirement of the embedded catalog.
pub(crate) fn coverage(fixtures: &Path) -> Result<Vec<Coverage>, String> {
    let cases = crate::fixtures::load_cases(fixtures).map_err(|e| e.to_string())?;
    let cases: Vec<&CaseDescriptor> = cases.iter().map(|(_, c)| c).collect();
    Ok(coverage_of_cases(&cases))
}

/// The matrix over the given fixture cases.
pub(crate) fn coverage_of_cases(cases: &[&CaseDescriptor]) -> Vec<Coverage> {
    matrix(cases.iter().map(|case| Covering {
        id: &case.id,
        requirements: case.requirements.iter().map(String::as_str).collect(),
        fails: !expected_failures(case).is_empty(),
    }))
}

/// What the matrix needs of one fixture case.
struct Covering<'a> {
    id: &'a str,
    requirements: Vec<&'a str>,
    /// The case expects failures (a negative fixture).
    fails: bool,
}

/// One row per requirement of the embedded catalog, its cases in the order given.
fn matrix<'a>(cases: impl Iterator<Item = Covering<'a>>) -> Vec<Coverage> {
    let catalog = Catalog::embedded();
    let mut neg: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut pos: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for case in cases {
        let bucket = if case.fails { &mut neg } else { &mut pos };
        for id in case.requirements {
            bucket.entry(id).or_default().push(case.id.to_string());
        }
    }
    // Artifact checks and registry suite tests alike: each declares what it covers. Indexed
    // once (not searched per requirement), in the order the rows list them.
    let mut checks_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let declared = checks::all()
        .into_iter()
        .map(|c| (c.id, c.covers))
        .chain(
            crate::suites::registry::TESTS
                .iter()
                .map(|t| (t.id, t.covers)),
        )
        .chain(crate::suites::steps().map(|s| (s.id, s.covers)));
    for (check, covers) in declared {
        for r in covers {
            let listed = checks_of.entry(r).or_default();
            // A check that names a requirement twice is listed once, as a search would.
            if listed.last().is_none_or(|l| l != check) {
                listed.push(check.to_string());
            }
        }
    }
    catalog
        .requirements
        .iter()
        .map(|r| Coverage {
            id: r.id.clone(),
            level: r.level.to_string(),
            profile: r.profile.clone(),
            origin: r.origin.as_str().to_string(),
            applies_to: r
                .applies_to
                .iter()
                .map(|a| format!("{a:?}").to_lowercase())
                .collect(),
            text: r.text.clone(),
            source: r.source.clone(),
            link: r.spec_path(),
            checks: checks_of.remove(r.id.as_str()).unwrap_or_default(),
            negative_fixtures: neg.remove(r.id.as_str()).unwrap_or_default(),
            positive_fixtures: pos.remove(r.id.as_str()).unwrap_or_default(),
        })
        .collect()
}

/// The matrix over the fixture tree `ai-interop run` uses by default (the one built into the
/// binary), from the case index `build.rs` compiled into it: nothing is unpacked or written.
pub(crate) fn coverage_of_default_fixtures() -> Result<Vec<Coverage>, String> {
    let cases = crate::fixtures::embedded::cases().map_err(|e| format!("{e:#}"))?;
    Ok(coverage_of_cases(
        &cases.iter().map(|(_, c)| c).collect::<Vec<_>>(),
    ))
}

/// [`coverage_of_default_fixtures`] as the HTML report shows it. It depends only on what is
/// built into the binary (catalog, checks, suites, fixture cases), so it is rendered before
/// the build — `ai-interop requirements --format html` writes `src/default-coverage.html` —
/// rather than on every `check --out`, where it cost about as much as the rest of the report
/// together. A test fails while the file differs from a fresh render.
pub fn default_coverage_section() -> &'static CoverageSection {
    static SECTION: CoverageSection =
        CoverageSection::rendered_earlier(include_str!("default-coverage.html"));
    &SECTION
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The section built into the binary is the one the binary renders now: a change to the
    /// spec text, a check's `covers` or a fixture case shows up here until it is regenerated.
    #[test]
    fn the_built_in_coverage_section_is_current() {
        const REGENERATE: &str =
            "cargo run -- requirements --format html > src/default-coverage.html";
        let matrix = coverage_of_default_fixtures().unwrap();
        assert!(matrix.iter().any(|c| !c.negative_fixtures.is_empty()));
        assert!(matrix.iter().any(|c| !c.checks.is_empty()));
        let fresh = CoverageSection::render(&matrix, None);
        let built_in = default_coverage_section().as_str();
        if fresh.as_str() != built_in {
            let first_difference = fresh
                .as_str()
                .lines()
                .zip(built_in.lines())
                .position(|(a, b)| a != b)
                .map_or("a line added or removed at the end".to_string(), |i| {
                    format!("line {}", i + 1)
                });
            panic!(
                "src/default-coverage.html is stale ({first_difference}); regenerate it: {REGENERATE}"
            );
        }
    }
}
