//! The GitHub Action's logic (`action/run.sh`, called by `action.yml`) run locally with a fake
//! `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT`, against the real binary and golden fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: Option<i32>,
    outputs: BTreeMap<String, String>,
    summary: String,
    out: PathBuf,
}

fn action(tmp: &Path, target: &str, profile: &str, fail_on: &str) -> Run {
    let summary = tmp.join("summary.md");
    let outputs = tmp.join("outputs.txt");
    let out = tmp.join("reports");
    let o = Command::new("bash")
        .arg(root().join("action/run.sh"))
        .current_dir(root())
        .env("INPUT_TARGET", target)
        .env("INPUT_PROFILE", profile)
        .env("INPUT_OUT", &out)
        .env("INPUT_FAIL_ON", fail_on)
        .env("AI_INTEROP", env!("CARGO_BIN_EXE_ai-interop"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    let outputs = std::fs::read_to_string(&outputs)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Run {
        code: o.status.code(),
        outputs,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        out,
    }
}

fn fixture(case: &str) -> String {
    format!("oci:fixtures/v1.0/model/{case}:v1")
}

#[test]
fn a_conformant_artifact_passes_and_fills_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let r = action(
        tmp.path(),
        &fixture("pass-model-minimal"),
        "core",
        "failure",
    );
    assert_eq!(r.code, Some(0));
    assert_eq!(r.outputs["result"], "success");
    assert_eq!(r.outputs["should-fail"], "false");
    assert_eq!(r.outputs["exit-code"], "0");
    assert!(
        r.summary
            .starts_with("# AI Manifest Contract 1.0 conformance"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("## Profiles"));
    for f in [
        "report.json",
        "report.junit.xml",
        "report.md",
        "report.html",
        "badge-core.svg",
    ] {
        assert!(r.out.join(f).is_file(), "{f} not written");
    }
    assert_eq!(
        r.outputs["html"],
        r.out.join("report.html").display().to_string()
    );
}

#[test]
fn a_failing_artifact_fails_unless_fail_on_never() {
    let tmp = tempfile::tempdir().unwrap();
    let r = action(
        tmp.path(),
        &fixture("lay-005-symlink-escape"),
        "core",
        "failure",
    );
    assert_eq!(
        r.code,
        Some(0),
        "outputs first; action.yml's last step fails the job"
    );
    assert_eq!(r.outputs["result"], "failure");
    assert_eq!(r.outputs["exit-code"], "1");
    assert_eq!(r.outputs["should-fail"], "true");
    assert!(r.summary.contains("LAY-005"));
    // The JUnit file has the shape test-report viewers read: testsuites > testsuite > testcase
    // with a failure element carrying a message.
    let junit = std::fs::read_to_string(r.out.join("report.junit.xml")).unwrap();
    let suites = junit.find("<testsuites").unwrap();
    let suite = junit.find("<testsuite ").unwrap();
    let case = junit.find("<testcase name=\"layers.content\"").unwrap();
    let failure = junit[case..].find("<failure message=\"LAY-005").unwrap() + case;
    assert!(suites < suite && suite < case && case < failure);
    assert!(junit.contains("failures=\"1\""));

    let tmp = tempfile::tempdir().unwrap();
    let r = action(
        tmp.path(),
        &fixture("lay-005-symlink-escape"),
        "core",
        "never",
    );
    assert_eq!(r.outputs["result"], "failure");
    assert_eq!(r.outputs["should-fail"], "false");
}

#[test]
fn fail_on_partial_fails_a_provisional_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let skill = "oci:fixtures/v1.0/skill/pass-skill:v1";
    let r = action(tmp.path(), skill, "agentic", "failure");
    let result = r.outputs["result"].clone();
    assert_eq!(result, "partial", "agentic is provisional: partial at best");
    assert_eq!(r.outputs["should-fail"], "false");
    let tmp = tempfile::tempdir().unwrap();
    let r = action(tmp.path(), skill, "agentic", "partial");
    assert_eq!(r.outputs["should-fail"], "true");
}

#[test]
fn a_bad_target_is_an_error_with_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let r = action(tmp.path(), "oci:does/not/exist:v1", "core", "failure");
    assert_eq!(r.outputs["result"], "error");
    assert_eq!(r.outputs["exit-code"], "2");
    assert_eq!(r.outputs["should-fail"], "true");
    assert!(r.summary.contains("No report was written"));
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(action(tmp.path(), "", "core", "sometimes").code, Some(2));
}

#[test]
fn the_action_runs_the_script_and_uploads_the_reports() {
    let yml = std::fs::read_to_string(root().join("action.yml")).unwrap();
    for needle in [
        "using: composite",
        "action/run.sh",
        "actions/upload-artifact@",
        "if: always()",
        "steps.run.outputs.should-fail == 'true'",
    ] {
        assert!(yml.contains(needle), "action.yml lacks {needle}");
    }
    for input in ["target:", "profile:", "out:", "fail-on:"] {
        assert!(
            yml.contains(&format!("  {input}")),
            "action.yml lacks input {input}"
        );
    }
    // The example workflow is documentation: it must not live where this repository's CI runs.
    assert!(
        root()
            .join("docs/examples/conformance-workflow.yml")
            .is_file()
    );
    assert!(
        !root()
            .join(".github/workflows/conformance-workflow.yml")
            .exists()
    );
}
