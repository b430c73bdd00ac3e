//! `ai-interop attach`: "sign after pack" with this tool alone. A model is packed with the
//! reference packer, its manifest is signed (a key-based Sigstore bundle made with the test-only
//! key), the bundle is attached as an OCI 1.1 referrer, and `check --profile trusted` finds and
//! verifies it — in a layout, and in a real Distribution 2.8.2 (`.ci/registry.sh`), which has no
//! referrers API, so attach writes the referrers fallback tag index; a second attach keeps the
//! first referrer listed.
//!
//! The registry test needs `AI_INTEROP_TEST_REGISTRY`; without it it prints `skipped`, with
//! `CI=true` it fails instead.

use crate::support::signed;
use ai_interop::vocabulary::SIGSTORE_BUNDLE_V03;

use ai_interop::digest::Digest;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn ai_interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .env("DOCKER_CONFIG", "/nonexistent-ai-interop-test")
        .env_remove("AI_INTEROP_REGISTRY_CONFIG")
        .output()
        .expect("ai-interop runs")
}

fn ok(args: &[&str]) -> String {
    let out = ai_interop(args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A packed model layout `oci:<dir>/layout:v1`, and its manifest bytes.
fn packed(dir: &Path) -> (String, Vec<u8>) {
    let model = dir.join("model");
    std::fs::create_dir_all(&model).unwrap();
    std::fs::write(model.join("model.safetensors"), b"test-only weights").unwrap();
    std::fs::write(model.join("config.json"), b"{\"layers\": 2}").unwrap();
    let target = format!("oci:{}:v1", dir.join("layout").display());
    ok(&["pack", model.to_str().unwrap(), &target, "--kind", "model"]);
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("layout/index.json")).unwrap()).unwrap();
    let digest = Digest::parse(index["manifests"][0]["digest"].as_str().unwrap()).unwrap();
    let bytes = std::fs::read(dir.join("layout/blobs/sha256").join(digest.encoded())).unwrap();
    (target, bytes)
}

fn attach(target: &str, file: &str) -> String {
    ok(&[
        "attach",
        target,
        file,
        "--artifact-type",
        SIGSTORE_BUNDLE_V03,
        "--annotation",
        "dev.sigstore.bundle.content=test-only",
    ])
}

/// The statuses of `check --profile trusted` for the SIG requirements.
fn signature_statuses(target: &str, key: &str) -> Vec<(String, String)> {
    let out = ai_interop(&[
        "check",
        target,
        "--profile",
        "trusted",
        "--key",
        key,
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"].as_str().unwrap().starts_with("SIG-00"))
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status<'a>(s: &'a [(String, String)], id: &str) -> &'a str {
    &s.iter()
        .find(|(i, _)| i == id)
        .unwrap_or_else(|| panic!("{id}: {s:?}"))
        .1
}

#[test]
fn attach_to_a_layout_then_check_finds_and_verifies_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (target, manifest) = packed(tmp.path());
    let signed::Signed { message, dsse, key } = signed::sign(tmp.path(), &manifest);
    // Before: unsigned.
    let before = signature_statuses(&target, &key);
    assert_eq!(status(&before, "SIG-001"), "fail", "{before:?}");
    let said = attach(&target, &message);
    assert!(said.contains("index.json"), "{said}");
    attach(&target, &dsse);
    // Attaching the same file again adds nothing.
    attach(&target, &dsse);
    let index: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("layout/index.json")).unwrap())
            .unwrap();
    let listed = index["manifests"].as_array().unwrap();
    assert_eq!(listed.len(), 3, "{index}");
    assert!(
        listed[1..]
            .iter()
            .all(|d| d["artifactType"] == SIGSTORE_BUNDLE_V03)
    );
    let after = signature_statuses(&target, &key);
    for id in ["SIG-001", "SIG-002", "SIG-003", "SIG-004"] {
        assert_eq!(status(&after, id), "pass", "{id}: {after:?}");
    }
    // By digest too, and a refusal for a bad annotation.
    let digest = Digest::sha256_of(&manifest);
    let by_digest = format!("oci:{}@{digest}", tmp.path().join("layout").display());
    attach(&by_digest, &message);
    let out = ai_interop(&[
        "attach",
        &target,
        &message,
        "--artifact-type",
        SIGSTORE_BUNDLE_V03,
        "--annotation",
        "novalue",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn attach_in_distribution_2_8_2_writes_the_fallback_tag_and_check_finds_both() {
    let registry = match std::env::var("AI_INTEROP_TEST_REGISTRY") {
        Ok(u) if !u.is_empty() => u,
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but AI_INTEROP_TEST_REGISTRY is not set (.ci/registry.sh)")
        }
        _ => {
            eprintln!(
                "skipped: no AI_INTEROP_TEST_REGISTRY (source .ci/registry.sh && registry_start_all)"
            );
            return;
        }
    };
    let host = registry.trim_start_matches("http://").trim_end_matches('/');
    let tmp = tempfile::tempdir().unwrap();
    let (layout, manifest) = packed(tmp.path());
    let signed::Signed { message, dsse, key } = signed::sign(tmp.path(), &manifest);
    let repo = format!("ai-interop-test/attach-{}", std::process::id());
    let target = format!("{host}/{repo}:v1");
    ok(&["push", &layout, &target]);
    let said = attach(&target, &message);
    let digest = Digest::sha256_of(&manifest);
    let tag = format!("sha256-{}", digest.encoded());
    assert!(
        said.contains(&tag),
        "Distribution 2.8.2 has no referrers API: {said}"
    );
    attach(&target, &dsse);
    // The fallback index lists both referrers (the second attach kept the first).
    ai_interop::targets::registry::client::install_crypto_provider();
    let index: Value = reqwest::blocking::Client::new()
        .get(format!("{registry}/v2/{repo}/manifests/{tag}"))
        .header("accept", "application/vnd.oci.image.index.v1+json")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let listed = index["manifests"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{index}");
    assert!(
        listed
            .iter()
            .all(|d| d["artifactType"] == SIGSTORE_BUNDLE_V03),
        "{index}"
    );
    let after = signature_statuses(&target, &key);
    for id in ["SIG-001", "SIG-002", "SIG-003", "SIG-004"] {
        assert_eq!(status(&after, id), "pass", "{id}: {after:?}");
    }
}
