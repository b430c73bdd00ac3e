//! Traceability: every requirement of the embedded catalog with the checks and fixture cases
//! that cover it. `ai-interop requirements` prints it; the HTML report shows it to spec editors
//! (the caller computes it and hands it to the writers, which sit below this module).

use crate::checks;
use crate::fixtures::CaseDescriptor;
use crate::selftest::expected_failures;
use crate::spec::Catalog;
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) use crate::report::coverage::Coverage;

/// The matrix: one row per requirement of the embedded catalog.
pub(crate) fn coverage(fixtures: &Path) -> Result<Vec<Coverage>, String> {
    let cases = crate::fixtures::load_cases(fixtures).map_err(|e| e.to_string())?;
    let cases: Vec<&CaseDescriptor> = cases.iter().map(|(_, c)| c).collect();
    Ok(coverage_of_cases(&cases))
}

/// The matrix over the given fixture cases.
pub(crate) fn coverage_of_cases(cases: &[&CaseDescriptor]) -> Vec<Coverage> {
    let catalog = Catalog::embedded();
    let mut neg: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut pos: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for case in cases {
        let failures = expected_failures(case);
        for id in &case.requirements {
            let bucket = if failures.is_empty() {
                &mut pos
            } else {
                &mut neg
            };
            bucket.entry(id.as_str()).or_default().push(case.id.clone());
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
            // Artifact checks and registry suite tests alike: each declares what it covers.
            checks: checks::all()
                .iter()
                .filter(|c| c.covers.contains(&r.id.as_str()))
                .map(|c| c.id.to_string())
                .chain(
                    crate::suites::registry::TESTS
                        .iter()
                        .filter(|t| t.covers.contains(&r.id.as_str()))
                        .map(|t| t.id.to_string()),
                )
                .chain(
                    crate::suites::steps()
                        .filter(|s| s.covers.contains(&r.id.as_str()))
                        .map(|s| s.id.to_string()),
                )
                .collect(),
            negative_fixtures: neg.remove(r.id.as_str()).unwrap_or_default(),
            positive_fixtures: pos.remove(r.id.as_str()).unwrap_or_default(),
        })
        .collect()
}

/// The matrix over the fixture tree `ai-interop run` uses by default (the one built into the
/// binary), from its build-time case index: nothing is unpacked or written. When the index
/// cannot be read, the checks alone, with the reason.
pub fn coverage_of_default_fixtures() -> (Vec<Coverage>, Option<String>) {
    match crate::fixtures::embedded::cases() {
        Ok(cases) => {
            let cases: Vec<&CaseDescriptor> = cases.iter().map(|(_, c)| c).collect();
            (coverage_of_cases(&cases), None)
        }
        Err(e) => (
            coverage_of_cases(&[]),
            Some(format!("fixture cases not shown: {e:#}")),
        ),
    }
}
