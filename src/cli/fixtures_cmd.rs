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
    /// Regenerate every case from fixtures/v1.0/cases.yaml (wipes <out>/<kind> first).
    Generate {
        #[arg(long, default_value_os_t = super::run::default_fixtures())]
        out: PathBuf,
    },
}

pub fn run(args: FixturesArgs) -> Result<u8, Exit> {
    match args.command {
        FixturesCommand::Generate { out } => {
            let defs = crate::fixtures::load_definitions(&crate::fixtures::definitions_path())
                .map_err(|e| Exit::usage(format!("{e:#}")))?;
            for kind in crate::fixtures::KINDS {
                let dir = out.join(kind);
                if dir.exists() {
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
