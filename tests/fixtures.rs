//! The golden fixtures as tests: one trial per case, named by its case ID, so that
//! `cargo test --test fixtures -- lay-004` or `cargo nextest run -E 'test(/lay-004/)'` runs one.
//! Discovery only reads case.json files, so nextest's process-per-trial stays cheap.

use ai_interop::schemas::{self, SchemaKind};
use ai_interop::selftest::{expected_failures, run_case};
use ai_interop::spec::Catalog;
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::PathBuf;

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
    let cases = ai_interop::fixtures::load_cases(&root).expect("fixture cases load");
    assert!(
        !cases.is_empty(),
        "no fixture cases under {}",
        root.display()
    );
    let trials = cases
        .into_iter()
        .map(|(dir, case)| {
            let kind = if expected_failures(&case).is_empty() {
                "pass"
            } else {
                "fail"
            };
            Trial::test(case.id.clone(), move || {
                let mut outcome = run_case(Catalog::embedded(), &dir, &case);
                // The case.json itself follows its published schema (kinds and profiles included).
                let doc = serde_json::to_value(&case).expect("a case serializes");
                outcome.mismatches.extend(
                    schemas::validate(SchemaKind::FixtureCase, &doc)
                        .into_iter()
                        .map(|v| format!("case.json: {v}")),
                );
                if outcome.mismatches.is_empty() {
                    Ok(())
                } else {
                    Err(Failed::from(format!(
                        "{}:\n  {}",
                        dir.display(),
                        outcome.mismatches.join("\n  ")
                    )))
                }
            })
            .with_kind(kind)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
