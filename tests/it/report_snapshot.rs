//! Reports of real runs: valid against their own schema, and stable apart from timestamps.

use ai_interop::schemas::{SchemaKind, validate};
use std::path::PathBuf;
use std::process::Command;

fn run(args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .env_remove("CI")
        .output()
        .expect("the binary runs");
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn check_report_is_valid_and_stable() {
    let report = run(&[
        "check",
        "oci:fixtures/v1.0/model/lay-005-symlink-escape:v1",
        "--format",
        "json",
    ]);
    assert_eq!(validate(SchemaKind::Report, &report), vec![]);
    insta::assert_json_snapshot!("check_lay_005_symlink_escape", report, {
        ".run.started" => "[timestamp]",
        ".run.finished" => "[timestamp]",
        ".run.environment" => "[environment]",
        ".suite.commit" => "[commit]",
        ".tests[].durationMs" => 0,
    });
}

#[test]
fn self_test_report_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let report = run(&[
        "run",
        "--out",
        tmp.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(validate(SchemaKind::Report, &report), vec![]);
    let cases = ai_interop::fixtures::load_cases(&ai_interop::fixtures::fixtures_root()).unwrap();
    assert_eq!(report["tests"].as_array().unwrap().len(), cases.len());
    assert!(
        report["tests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "pass")
    );
}
