//! `ai-interop fixtures generate`: regenerate the golden fixtures from their definitions.

use super::Exit;
use crate::selftest::passing_requirements;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub struct FixturesArgs {
    #[command(subcommand)]
    command: FixturesCommand,
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Regenerate every case from cases.yaml into <out>/<kind>/ (wipes <out>/<kind> first, so
    /// <out> has no default: from a clone of the suite, `--out fixtures/v1.0`).
    Generate {
        /// The fixture tree to regenerate.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The case definitions (default: <out>/cases.yaml).
        #[arg(long, value_name = "FILE")]
        cases: Option<PathBuf>,
    },
}

pub fn run(args: FixturesArgs) -> Result<u8, Exit> {
    match args.command {
        FixturesCommand::Generate { out, cases } => {
            let cases = cases.unwrap_or_else(|| out.join("cases.yaml"));
            if !cases.is_file() {
                return Err(Exit::usage(format!(
                    "no case definitions at {} (name them with --cases FILE)",
                    cases.display()
                )));
            }
            let defs = crate::fixtures::load_definitions(&cases)
                .map_err(|e| Exit::usage(format!("{e:#}")))?;
            for kind in crate::fixtures::KINDS {
                let dir = out.join(kind);
                if dir.exists() {
                    refuse_unless_fixture_tree(&dir)?;
                    std::fs::remove_dir_all(&dir)
                        .map_err(|e| Exit::harness(format!("{}: {e}", dir.display())))?;
                }
            }
            let cases = crate::fixtures::generate(&defs, &out, &passing_requirements)
                .map_err(|e| Exit::harness(format!("{e:#}")))?;
            eprintln!("generated {} cases into {}", cases.len(), out.display());
            Ok(0)
        }
    }
}

/// Regeneration wipes `<out>/<kind>`: only do so when it holds nothing but fixture cases, so a
/// mistyped `--out` can never delete unrelated files.
fn refuse_unless_fixture_tree(dir: &std::path::Path) -> Result<(), Exit> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Exit::harness(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry
            .map_err(|e| Exit::harness(format!("{}: {e}", dir.display())))?
            .path();
        if !path.join("case.json").is_file() {
            return Err(Exit::usage(format!(
                "refusing to regenerate into {}: {} is not a fixture case",
                dir.display(),
                path.display()
            )));
        }
    }
    Ok(())
}
