//! The `ai-interop` command as a user runs it: exit codes, outputs, and where it writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ai_interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .current_dir(root())
        .env_remove("CI")
        .output()
        .expect("the binary runs")
}

fn case(id: &str) -> String {
    format!("oci:fixtures/v1.0/model/{id}:v1")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn check_exit_codes() {
    assert_eq!(
        ai_interop(&["check", &case("pass-model-raw")])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ai_interop(&["check", &case("man-003-schema-version-3")])
            .status
            .code(),
        Some(1)
    );
    // A SHOULD failure is reported but keeps the artifact conformant.
    let should = ai_interop(&["check", &case("mpk-015-weights-gzip")]);
    assert_eq!(
        should.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&should.stdout)
    );
    assert!(String::from_utf8_lossy(&should.stdout).contains("MPK-015"));
    assert_eq!(
        ai_interop(&["check", "oci:does/not/exist"]).status.code(),
        Some(2)
    );
    assert_eq!(ai_interop(&["check", "docker://x"]).status.code(), Some(2));
    assert_eq!(
        ai_interop(&["check", &case("pass-model-raw"), "--profile", "gold"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        ai_interop(&["check", "oci:fixtures/v1.0/model/pass-model-raw:nope"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_writes_every_format_only_inside_out() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let o = ai_interop(&[
        "check",
        &case("lay-004-parent-component"),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let failed: Vec<&str> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["LAY-004"]);
    let names: Vec<String> = files_under(tmp.path())
        .iter()
        .map(|p| {
            p.strip_prefix(&out)
                .expect("inside --out")
                .display()
                .to_string()
        })
        .collect();
    for want in [
        "report.json",
        "report.junit.xml",
        "report.md",
        "badge-core.json",
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
}

#[test]
fn expected_failures_are_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let xfail = tmp.path().join("xfail.json");
    std::fs::write(&xfail, r#"{"MAN-003": "known: our packer writes 3"}"#).unwrap();
    let x = xfail.to_str().unwrap();
    // The announced failure happens: xfail, conformant run.
    let o = ai_interop(&[
        "check",
        &case("man-003-schema-version-3"),
        "--expected-failures",
        x,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The announced failure does not happen: xpass fails the run.
    let o = ai_interop(&["check", &case("pass-model-raw"), "--expected-failures", x]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("xpass"));
    std::fs::write(&xfail, r#"{"NOPE-001": "x"}"#).unwrap();
    assert_eq!(
        ai_interop(&["check", &case("pass-model-raw"), "--expected-failures", x])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn no_content_skips_content_checks() {
    let o = ai_interop(&[
        "check",
        &case("lay-004-parent-component"),
        "--no-content",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lay4 = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "LAY-004")
        .unwrap();
    assert_eq!(lay4["status"], "skip");
    let core = report["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "core")
        .unwrap();
    assert_eq!(core["result"], "partial");
}

#[test]
fn validate_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("annotations.json");
    std::fs::write(
        &good,
        r#"{"org.cncf.ai.interop.profile.version":"1.0.0","org.cncf.ai.artifact.type":"model","org.cncf.ai.lifecycle.status":"validated"}"#,
    )
    .unwrap();
    let o = ai_interop(&["validate", "annotations", good.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let bad = tmp.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"org.cncf.ai.interop.profile.version":"v1","org.cncf.ai.artifact.type":"model","org.cncf.ai.lifecycle.status":"validated"}"#,
    )
    .unwrap();
    let o = ai_interop(&["validate", "annotations", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ANN-001"));
    let garbage = tmp.path().join("garbage.json");
    std::fs::write(&garbage, [0xff, 0xfe, b'{']).unwrap();
    assert_eq!(
        ai_interop(&["validate", "manifest", garbage.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ai_interop(&["validate", "nonsense", garbage.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn requirements_matrix_lists_every_requirement() {
    let o = ai_interop(&["requirements", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let catalog = ai_interop::spec::Catalog::embedded();
    assert_eq!(rows.len(), catalog.requirements.len());
    for r in rows.iter().filter(|r| {
        r["appliesTo"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "artifact")
    }) {
        assert!(!r["checks"].as_array().unwrap().is_empty(), "{}", r["id"]);
    }
    let md = ai_interop(&["requirements"]);
    assert!(String::from_utf8_lossy(&md.stdout).contains("| MAN-003 |"));
}

#[test]
fn self_test_run_passes_and_writes_its_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("self-test");
    let o = ai_interop(&["run", "--out", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "fixtures");
    assert!(
        report["spec"]["fixturesDigest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(out.join("report.md").is_file());
}
