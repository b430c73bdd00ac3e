//! The SBOM checks agree with a real producer: CycloneDX 1.6 BOMs written by
//! cyclonedx-python-lib (PyPI) for a golden fixture's artifact are accepted when they name the
//! manifest and cover every layer, and refused when they do not.
//!
//! Needs `AI_INTEROP_TEST_CYCLONEDX_PYTHON`, a Python with cyclonedx-python-lib installed
//! (`.ci/run` makes one). Without it the test prints `skipped`; with `CI=true` it fails instead.

use ai_interop::artifact::Artifact;
use ai_interop::checks::{Marks, sbom};
use ai_interop::document::{Document, Limits};
use ai_interop::inspect::InspectOptions;
use ai_interop::load::open::TargetRef;
use ai_interop::model::Status;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn python() -> Option<String> {
    match std::env::var("AI_INTEROP_TEST_CYCLONEDX_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but AI_INTEROP_TEST_CYCLONEDX_PYTHON is not set (see .ci/run)")
        }
        _ => {
            eprintln!("skipped: no AI_INTEROP_TEST_CYCLONEDX_PYTHON");
            None
        }
    }
}

fn fixture() -> Artifact {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0/model/pass-sbom-cyclonedx");
    let target = TargetRef::Layout {
        dir,
        selector: Some("v1".into()),
    };
    target
        .load(&Limits::default(), &InspectOptions { content: true })
        .expect("the fixture loads")
}

/// Run the producer; `args` after the script: name, manifest digest, licence, layer digests.
fn bom(python: &str, args: &[String]) -> Vec<u8> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools/cyclonedx_bom.py");
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "cyclonedx_bom.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The SBM outcomes with the fixture's CycloneDX SBOM replaced by `bytes`.
fn judge(mut a: Artifact, bytes: Vec<u8>) -> Vec<(&'static str, Status)> {
    let ev = a.evidence.as_mut().expect("discovery ran");
    let sbom_referrer = ev
        .referrers
        .iter_mut()
        .find(|r| r.artifact_type.as_deref() == Some("application/vnd.cyclonedx+json"))
        .expect("the fixture has a CycloneDX referrer");
    sbom_referrer.blobs[0].content = Ok(Document::from_bytes(bytes));
    let mut m = Marks::default();
    let check = &sbom::CHECKS[0];
    let context = ai_interop::checks::CheckContext {
        artifact: &a,
        trust: &Default::default(),
    };
    (check.run)(&context, &mut m);
    check.covers.iter().map(|r| (*r, m.outcome(r))).collect()
}

fn failing(outcomes: &[(&'static str, Status)]) -> Vec<&'static str> {
    outcomes
        .iter()
        .filter(|(_, s)| *s != Status::Pass)
        .map(|(r, _)| *r)
        .collect()
}

#[test]
fn cyclonedx_python_lib_boms_are_judged_like_ours() {
    let Some(python) = python() else {
        return;
    };
    let a = fixture();
    let manifest: Value = a.manifest_json().cloned().unwrap();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect();
    let licence = manifest["annotations"]["org.opencontainers.image.licenses"]
        .as_str()
        .unwrap()
        .to_string();
    let args = |manifest: String, layers: &[String]| {
        [
            vec!["tiny".to_string(), manifest, licence.clone()],
            layers.to_vec(),
        ]
        .concat()
    };

    // Every layer and the manifest named: every requirement holds. (packageurl-python writes
    // the purl version as `sha256:<hex>` without percent-encoding the colon; both are read.)
    let good = bom(&python, &args(a.manifest_digest.to_string(), &layers));
    let doc: Value = serde_json::from_slice(&good).unwrap();
    assert_eq!(doc["specVersion"], "1.6");
    assert_eq!(failing(&judge(fixture(), good)), Vec::<&str>::new());

    // One layer left out: SBM-004 only.
    let partial = bom(
        &python,
        &args(a.manifest_digest.to_string(), &layers[..layers.len() - 1]),
    );
    assert_eq!(failing(&judge(fixture(), partial)), vec!["SBM-004"]);

    // Another manifest named: SBM-003 only.
    let other = format!("sha256:{}", "0".repeat(64));
    let wrong = bom(&python, &args(other, &layers));
    assert_eq!(failing(&judge(fixture(), wrong)), vec!["SBM-003"]);
}
