//! `ai-interop requirements`: the traceability matrix — every requirement with the checks and
//! fixture cases that cover it.

use super::Exit;
use crate::fixtures::embedded::FixtureTree;
use crate::spec::Catalog;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct RequirementsArgs {
    #[arg(long, value_enum, default_value_t = MatrixFormat::Markdown)]
    pub format: MatrixFormat,
    /// The fixture tree whose cases count as coverage (default: the tree built into this
    /// binary).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MatrixFormat {
    Markdown,
    Json,
}

pub(crate) use crate::traceability::{Coverage, coverage};

pub fn run(args: RequirementsArgs) -> Result<u8, Exit> {
    let tree = FixtureTree::named_or_embedded(args.fixtures.as_deref())
        .map_err(|e| Exit::usage(format!("fixtures: {e:#}")))?;
    let rows = coverage(tree.path()).map_err(Exit::usage)?;
    match args.format {
        MatrixFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| Exit::harness(e.to_string()))?
        ),
        MatrixFormat::Markdown => print!("{}", markdown(&rows)),
    }
    Ok(0)
}

fn markdown(rows: &[Coverage]) -> String {
    let mut s = format!(
        "# Requirement coverage (spec {})\n\n| ID | Level | Profile | Origin | Checks | Negative fixtures | Positive fixtures | Requirement |\n|---|---|---|---|---|---|---|---|\n",
        Catalog::embedded().version
    );
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.level,
            r.profile,
            r.origin,
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
