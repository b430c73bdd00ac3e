//! `ai-interop requirements`: the traceability matrix — every requirement with the checks and
//! fixture cases that cover it.

use super::Exit;
use crate::fixtures::embedded::FixtureTree;
use crate::report::CoverageSection;
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
    /// The coverage section of the HTML report (with no `--fixtures`, the one built into the
    /// binary comes from this: `src/default-coverage.html`).
    Html,
}

pub(crate) use crate::traceability::{Coverage, coverage};

pub fn run(args: RequirementsArgs) -> Result<u8, Exit> {
    let rows = match args.fixtures.as_deref() {
        // The tree built into the binary, from its compiled case index: nothing unpacked.
        None => crate::traceability::coverage_of_default_fixtures().map_err(Exit::harness)?,
        Some(dir) => {
            let tree = FixtureTree::named_or_embedded(Some(dir))
                .map_err(|e| Exit::usage(format!("fixtures: {e:#}")))?;
            coverage(tree.path()).map_err(Exit::usage)?
        }
    };
    match args.format {
        MatrixFormat::Html => print!("{}", CoverageSection::render(&rows, None).as_str()),
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
