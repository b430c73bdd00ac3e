//! `ai-interop requirements`: the traceability matrix — every requirement with the checks and
//! fixture cases that cover it.

use super::{Exit, run::default_fixtures};
use crate::spec::Catalog;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct RequirementsArgs {
    /// `markdown` or `json`.
    #[arg(long, default_value = "markdown")]
    pub format: String,
    #[arg(long, default_value_os_t = default_fixtures())]
    pub fixtures: PathBuf,
}

pub use crate::traceability::{Coverage, coverage};

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
    let uncovered: Vec<&str> = rows
        .iter()
        .filter(|r| r.uncovered())
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
