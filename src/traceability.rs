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
/// binary), from the case index `build.rs` compiled into it: nothing is unpacked, written or
/// parsed. Computed once per process; see [`prefetch_default_coverage`].
pub fn coverage_of_default_fixtures() -> &'static [Coverage] {
    static DEFAULT: std::sync::OnceLock<Vec<Coverage>> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(|| {
        let cases = crate::fixtures::embedded::coverage_cases();
        matrix(cases.iter().map(|c| Covering {
            id: c.id,
            requirements: c.requirements.to_vec(),
            fails: c.fails(),
        }))
    })
}

/// [`coverage_of_default_fixtures`] as the HTML report shows it, rendered once per process.
pub fn default_coverage_section() -> &'static CoverageSection {
    static SECTION: std::sync::OnceLock<CoverageSection> = std::sync::OnceLock::new();
    SECTION.get_or_init(|| CoverageSection::render(coverage_of_default_fixtures(), None))
}

/// Start computing [`default_coverage_section`] on another thread, for a command that will
/// write an HTML report (`check --out`): about 0.5 ms that then overlap the check instead of
/// following it. A later call waits for this one.
pub fn prefetch_default_coverage() {
    let _ = std::thread::Builder::new()
        .name("coverage".into())
        .spawn(|| {
            default_coverage_section();
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report's fast path (the compiled case index) gives the matrix the full case
    /// descriptors give.
    #[test]
    fn default_coverage_matches_the_full_descriptors() {
        let fast = coverage_of_default_fixtures();
        let cases = crate::fixtures::embedded::cases().unwrap();
        let full = coverage_of_cases(&cases.iter().map(|(_, c)| c).collect::<Vec<_>>());
        assert!(fast.iter().any(|c| !c.negative_fixtures.is_empty()));
        assert!(fast.iter().any(|c| !c.checks.is_empty()));
        assert_eq!(
            serde_json::to_value(fast).unwrap(),
            serde_json::to_value(&full).unwrap()
        );
    }
}
