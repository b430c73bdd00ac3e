//! `ai-interop requirements`: the traceability matrix — every requirement with the checks and
//! fixture cases that cover it.

use super::{Exit, run::default_fixtures};
use crate::checks;
use crate::selftest::expected_failures;
use crate::spec::Catalog;
use clap::Args;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct RequirementsArgs {
    /// `markdown` or `json`.
    #[arg(long, default_value = "markdown")]
    pub format: String,
    #[arg(long, default_value_os_t = default_fixtures())]
    pub fixtures: PathBuf,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub id: String,
    pub level: String,
    pub profile: String,
    pub applies_to: Vec<String>,
    pub text: String,
    pub source: String,
    pub checks: Vec<String>,
    pub negative_fixtures: Vec<String>,
    pub positive_fixtures: Vec<String>,
}

/// The matrix: one row per requirement of the embedded catalog.
pub fn coverage(fixtures: &Path) -> Result<Vec<Coverage>, String> {
    let catalog = Catalog::embedded();
    let cases = crate::fixtures::load_cases(fixtures).map_err(|e| e.to_string())?;
    let mut neg: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut pos: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (_, case) in &cases {
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
    Ok(catalog
        .requirements
        .iter()
        .map(|r| Coverage {
            id: r.id.clone(),
            level: r.level.to_string(),
            profile: r.profile.clone(),
            applies_to: r
                .applies_to
                .iter()
                .map(|a| format!("{a:?}").to_lowercase())
                .collect(),
            text: r.text.clone(),
            source: r.source.clone(),
            // Artifact checks and registry suite tests alike: each declares what it covers.
            checks: checks::all()
                .iter()
                .filter(|c| c.covers.contains(&r.id.as_str()))
                .map(|c| c.id.to_string())
                .chain(
                    crate::registry::suite::TESTS
                        .iter()
                        .filter(|t| t.covers.contains(&r.id.as_str()))
                        .map(|t| t.id.to_string()),
                )
                .chain(
                    crate::suites::COVERAGE
                        .iter()
                        .filter(|(_, covers)| covers.contains(&r.id.as_str()))
                        .map(|(id, _)| id.to_string()),
                )
                .collect(),
            negative_fixtures: neg.remove(r.id.as_str()).unwrap_or_default(),
            positive_fixtures: pos.remove(r.id.as_str()).unwrap_or_default(),
        })
        .collect())
}

pub fn run(args: RequirementsArgs) -> Result<u8, Exit> {
    let rows = coverage(&args.fixtures).map_err(Exit::usage)?;
    match args.format.as_str() {
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| Exit::harness(e.to_string()))?
        ),
        "markdown" => print!("{}", markdown(&rows)),
        other => {
            return Err(Exit::usage(format!(
                "unknown format {other:?}: markdown or json"
            )));
        }
    }
    Ok(0)
}

fn markdown(rows: &[Coverage]) -> String {
    let mut s = format!(
        "# Requirement coverage (spec {})\n\n| ID | Level | Profile | Checks | Negative fixtures | Positive fixtures | Requirement |\n|---|---|---|---|---|---|---|\n",
        Catalog::embedded().version
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.level,
            r.profile,
            r.checks.join(", "),
            r.negative_fixtures.len(),
            r.positive_fixtures.len(),
            r.text.replace('|', "\\|")
        ));
    }
    // Registry requirements are exercised against live registries (fakes with scripted faults
    // and Distribution), not against golden layouts, so they need a check only.
    let uncovered: Vec<&str> = rows
        .iter()
        .filter(|r| {
            // Tools (packers, runtimes, transports) are exercised through adapters too.
            let registry = r
                .applies_to
                .iter()
                .any(|a| a == "registry" || a == "packer" || a == "runtime" || a == "transport");
            r.checks.is_empty()
                || (!registry && r.negative_fixtures.is_empty() && r.positive_fixtures.is_empty())
        })
        .map(|r| r.id.as_str())
        .collect();
    s.push_str(&format!(
        "\n{} requirements; {} without a check or a fixture{}\n",
        rows.len(),
        uncovered.len(),
        if uncovered.is_empty() {
            String::new()
        } else {
            format!(": {}", uncovered.join(", "))
        }
    ));
    s
}
