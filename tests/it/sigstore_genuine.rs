//! Genuine Sigstore bundles, verified with their genuine trusted roots: the testdata that the
//! Go module of sigstore-go carries (a public-good Rekor v1 intoto 0.0.2 entry with checkpoint
//! and SET, a Fulcio certificate with its SCT), read from the Go module cache at test time and
//! never committed. `.ci/run` downloads the pinned module (`go mod download`). (The module's other DSSE bundles, and
//! cosign's, sign in-toto Statements v0.1, which SIG-002 of this contract refuses; none of the
//! Go modules carries a Rekor v2 bundle.)
//!
//! Without the module cache the test prints a skip line and passes, unless `CI=true`.
//!
//! `AI_INTEROP_SIGSTORE_ASSETS` may name a checkout of sigstore-python's `test/assets`, whose
//! Rekor v2 bundle (hashedrekord 0.0.2, Ed25519 signed checkpoint, RFC 3161 timestamp) is
//! verified with the staging trusted root it ships; no package registry carries those files.

use ai_interop::digest::Digest;
use ai_interop::trust::inputs::{Loaded, TrustInputs};
use ai_interop::trust::sigstore::{self, Signed};
use std::path::{Path, PathBuf};

const SIGSTORE_GO: &str = "github.com/sigstore/sigstore-go@v1.2.2";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The module cache directory of `module`, or `None` after saying why the test is skipped.
fn module(module: &str) -> Option<PathBuf> {
    let cache = env("GOMODCACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::process::Command::new("go")
                .args(["env", "GOMODCACHE"])
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .map(|s| PathBuf::from(s.trim()))
        })
        .filter(|p| !p.as_os_str().is_empty());
    let dir = cache.map(|c| c.join(module)).filter(|d| d.is_dir());
    if dir.is_none() {
        let why = format!(
            "the Go module {module} is not in the module cache (run `go mod download {module}`, as .ci/run does)"
        );
        assert!(env("CI").as_deref() != Some("true"), "CI=true but {why}");
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "skipped: {why}");
    }
    dir
}

fn inputs(root: &Path, identity: &str, issuer: &str) -> TrustInputs {
    TrustInputs {
        trusted_root: Some(Loaded {
            path: root.to_path_buf(),
            value: std::fs::read(root).unwrap(),
        }),
        identity: Some(identity.into()),
        issuer: Some(issuer.into()),
        offline: true,
        ..TrustInputs::default()
    }
}

/// Verify and return each requirement with its outcome, failing on any failure.
fn verified(bundle: &Path, subject: Option<&[u8]>, inputs: &TrustInputs) -> Vec<&'static str> {
    let bytes = std::fs::read(bundle).unwrap();
    let digest = subject.map(Digest::sha256_of);
    let signed = subject.zip(digest.as_ref()).map(|(b, d)| Signed {
        digest: d,
        bytes: b,
    });
    let out = sigstore::verify(&bytes, signed, inputs);
    let failures: Vec<String> = out
        .verification
        .failures()
        .map(ToString::to_string)
        .collect();
    assert!(
        failures.is_empty() && out.verification.verified(),
        "{}: {failures:#?}",
        bundle.display()
    );
    out.verification.results.iter().map(|(r, _)| *r).collect()
}

/// The requirements a genuine bundle breaks after `edit` (on its JSON).
fn broken_after(
    bundle: &Path,
    subject: Option<&[u8]>,
    inputs: &TrustInputs,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Vec<&'static str> {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(bundle).unwrap()).unwrap();
    edit(&mut v);
    let digest = subject.map(Digest::sha256_of);
    let signed = subject.zip(digest.as_ref()).map(|(b, d)| Signed {
        digest: d,
        bytes: b,
    });
    let out = sigstore::verify(&serde_json::to_vec(&v).unwrap(), signed, inputs);
    out.verification
        .failures()
        .map(|f| f.requirement())
        .collect()
}

/// Flip one bit of the signature in the checkpoint's first signature line.
fn flip_checkpoint_signature(b: &mut serde_json::Value) {
    use base64::Engine as _;
    let cp = &mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"];
    let text = cp.as_str().unwrap().to_string();
    let (note, sigs) = text.split_once("\n\n").unwrap();
    let first = sigs.lines().next().unwrap();
    let (name, sig) = first.rsplit_once(' ').unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let mut raw = engine.decode(sig).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let line = format!("{name} {}", engine.encode(raw));
    *cp = serde_json::json!(format!("{note}\n\n{}", sigs.replacen(first, &line, 1)));
}

#[test]
fn genuine_public_good_rekor_v1_bundles_verify() {
    let Some(go) = module(SIGSTORE_GO) else {
        return;
    };
    let data = go.join("pkg/testing/data");
    // npm provenance by sigstore-js 2.0.0: intoto 0.0.2, inclusion proof, checkpoint and SET.
    let reached = verified(
        &data.join("bundles/sigstore.js@2.0.0-provenance.sigstore.json"),
        None,
        &inputs(
            &data.join("trusted-roots/public-good.json"),
            "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
            "https://token.actions.githubusercontent.com",
        ),
    );
    for r in [
        "SIG-004", "SIG-005", "SIG-006", "SIG-007", "SIG-015", "SIG-016", "SIG-017", "SIG-018",
        "SIG-019",
    ] {
        assert!(reached.contains(&r), "{r} was not reached: {reached:?}");
    }
    // The same genuine bundle, tampered: refused for the right reason.
    let bundle = data.join("bundles/sigstore.js@2.0.0-provenance.sigstore.json");
    let i = inputs(
        &data.join("trusted-roots/public-good.json"),
        "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
        "https://token.actions.githubusercontent.com",
    );
    assert_eq!(
        broken_after(&bundle, None, &i, flip_checkpoint_signature),
        ["SIG-016"]
    );
}

#[test]
fn genuine_rekor_v2_bundle_verifies_when_assets_are_given() {
    let Some(assets) = env("AI_INTEROP_SIGSTORE_ASSETS").map(PathBuf::from) else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: AI_INTEROP_SIGSTORE_ASSETS (sigstore-python's test/assets) is not set"
        );
        return;
    };
    let artifact = std::fs::read(assets.join("staging-rekor-v2.txt")).unwrap();
    let reached = verified(
        &assets.join("staging-rekor-v2.txt.sigstore.json"),
        Some(&artifact),
        &inputs(
            &assets.join("staging-tuf/targets/ed6a9cf4e7c2e3297a4b5974fce0d17132f03c63512029d7aa3a402b43acab49.trusted_root.json"),
            "jku@goto.fi",
            "https://github.com/login/oauth",
        ),
    );
    for r in [
        "SIG-003", "SIG-004", "SIG-005", "SIG-007", "SIG-013", "SIG-014", "SIG-015", "SIG-016",
        "SIG-017", "SIG-018", "SIG-019",
    ] {
        assert!(reached.contains(&r), "{r} was not reached: {reached:?}");
    }
    let bundle = assets.join("staging-rekor-v2.txt.sigstore.json");
    let i = inputs(
        &assets.join("staging-tuf/targets/ed6a9cf4e7c2e3297a4b5974fce0d17132f03c63512029d7aa3a402b43acab49.trusted_root.json"),
        "jku@goto.fi",
        "https://github.com/login/oauth",
    );
    assert_eq!(
        broken_after(&bundle, Some(&artifact), &i, flip_checkpoint_signature),
        ["SIG-016"]
    );
    // The genuine timestamp (2025-06-09) against a root whose TSA window starts a day later.
    let mut late = i.clone();
    let loaded = late.trusted_root.as_mut().unwrap();
    let mut root: serde_json::Value = serde_json::from_slice(&loaded.value).unwrap();
    root["timestampAuthorities"][0]["validFor"]["start"] =
        serde_json::json!("2025-06-10T00:00:00Z");
    loaded.value = serde_json::to_vec(&root).unwrap();
    assert_eq!(
        broken_after(&bundle, Some(&artifact), &late, |_| {}),
        ["SIG-014"]
    );
}
