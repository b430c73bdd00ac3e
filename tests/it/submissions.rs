//! Every committed submission (`reports/<name>/submission.json`) is valid against
//! `submission.schema.json`, names files that exist, and its signed report verifies with the
//! public key it ships: signature, subjects, recomputed roll-ups and a known release.

use ai_interop::certify;
use ai_interop::schemas::{self, SchemaKind};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn submissions() -> Vec<PathBuf> {
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("submission.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_self_test_is_a_submission() {
    assert!(
        submissions().iter().any(|d| d.ends_with("self-test")),
        "reports/self-test/submission.json is missing"
    );
}

#[test]
fn every_committed_submission_verifies() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
    for dir in submissions() {
        let name = dir.display();
        let meta: Value =
            serde_json::from_slice(&std::fs::read(dir.join("submission.json")).unwrap()).unwrap();
        let violations = schemas::validate(SchemaKind::Submission, &meta);
        assert!(violations.is_empty(), "{name}: {violations:?}");
        let file = |key: &str| dir.join(meta[key].as_str().unwrap());
        let key_name = meta["publicKey"].as_str().unwrap();
        assert_eq!(
            meta["testOnlyKey"].as_bool().unwrap(),
            key_name.starts_with("test-only-"),
            "{name}: a test-only key must say so in its file name, and only a test-only key may"
        );
        let keys = certify::read_public_keys(&std::fs::read(file("publicKey")).unwrap()).unwrap();
        let report = std::fs::read(file("report")).unwrap();
        let envelope = std::fs::read(file("envelope")).unwrap();
        let v = certify::verify(&report, &envelope, &keys, Some(&fixtures));
        assert!(
            v.verified(),
            "{name} does not verify: {:?}\n(re-run the commands in its README)",
            v.refusals()
        );
        let parsed = certify::parse_report(&report).unwrap();
        assert_eq!(
            meta["profile"], parsed.run.profile,
            "{name}: the submission claims another profile than its report"
        );
        assert!(
            dir.join("README.md").is_file(),
            "{name}: no reproduce README"
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.contains("report sign"),
            "{name}: README does not say how it was signed"
        );
    }
}

#[test]
fn a_submission_with_a_swapped_report_does_not_verify() {
    // The self-test envelope does not vouch for another report, even an honest one.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/self-test");
    let keys =
        certify::read_public_keys(&std::fs::read(dir.join("test-only-ed25519.pub.pem")).unwrap())
            .unwrap();
    let envelope = std::fs::read(dir.join("report.dsse.json")).unwrap();
    let other = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/distribution-2.8.2/plain/report.json"),
    )
    .unwrap();
    assert!(!certify::verify(&other, &envelope, &keys, None).verified());
}

#[test]
fn every_published_report_recomputes() {
    // Signed or not, every report under reports/ holds together under the recomputation
    // `report verify` makes (self-test, registry suite).
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let mut seen = 0;
    let mut stack = vec![reports];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "report.json") {
                let report = certify::parse_report(&std::fs::read(&path).unwrap()).unwrap();
                let problems =
                    certify::recompute::problems(&report, ai_interop::spec::Catalog::embedded());
                assert!(problems.is_empty(), "{}: {problems:?}", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen >= 4, "found {seen} reports");
}
