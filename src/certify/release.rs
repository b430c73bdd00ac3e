//! Known releases: the suite version, spec version, schemas digest and fixtures digests a report
//! may name. The table (`src/certify/releases.json`, embedded) lists published releases; the
//! running binary's own release (its version, its embedded schemas, and the digest of the fixture
//! tree it is pointed at) is known besides.

use crate::report::ConformanceReport;
use serde::Deserialize;
use std::path::Path;

pub(crate) const TABLE: &str = include_str!("releases.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Release {
    pub suite: String,
    pub spec: String,
    pub schemas_digest: String,
    pub fixtures_digests: Vec<String>,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize)]
struct Table {
    releases: Vec<Release>,
}

/// The committed table.
pub(crate) fn table() -> Vec<Release> {
    serde_json::from_str::<Table>(TABLE)
        .expect("the embedded release table is tested")
        .releases
}

/// This binary's own release; its fixtures digest is that of `fixtures`, when readable.
pub(crate) fn current(fixtures: Option<&Path>) -> Release {
    Release {
        suite: env!("CARGO_PKG_VERSION").to_string(),
        spec: crate::spec::SPEC_VERSION.to_string(),
        schemas_digest: crate::schemas::schemas_digest().to_string(),
        fixtures_digests: fixtures
            .and_then(|f| crate::fixtures::fixtures_digest(f).ok())
            .map(|d| vec![d.to_string()])
            .unwrap_or_default(),
        note: "this binary".into(),
    }
}

/// Whether the report names a known release.
pub(crate) fn check(report: &ConformanceReport, fixtures: Option<&Path>) -> Result<String, String> {
    let mut known = table();
    known.push(current(fixtures));
    let same = |r: &&Release| {
        r.suite == report.suite.version
            && r.spec == report.spec.version
            && r.schemas_digest == report.spec.schemas_digest
    };
    let candidates: Vec<&Release> = known.iter().filter(same).collect();
    let Some(first) = candidates.first() else {
        return Err(format!(
            "suite {} with spec {} and schemas {} is not a known release",
            report.suite.version, report.spec.version, report.spec.schemas_digest
        ));
    };
    match &report.spec.fixtures_digest {
        None => Ok(format!("suite {} spec {} ({})", first.suite, first.spec, first.note)),
        Some(f) => candidates
            .iter()
            .find(|r| r.fixtures_digests.contains(f))
            .map(|r| format!("suite {} spec {}, fixtures {f} ({})", r.suite, r.spec, r.note))
            .ok_or_else(|| {
                format!("fixtures {f} are not the golden fixtures of a known release: the report was produced with modified fixtures")
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_names_well_formed_digests() {
        let t = table();
        assert!(!t.is_empty());
        for r in &t {
            semver::Version::parse(&r.suite).unwrap();
            crate::digest::Digest::parse(&r.schemas_digest).unwrap();
            for f in &r.fixtures_digests {
                crate::digest::Digest::parse(f).unwrap();
            }
        }
    }
}
