//! OpenSSF model signatures written by the real producer (`model_signing`, PyPI, pinned in
//! `.ci/run`) verify with `ai-interop verify-bundle`, and `model_signing verify` agrees: key
//! signatures with ECDSA P-256, P-384 and P-521, and a certificate signature from a private CA
//! made here with openssl (no OIDC issuer, no log entry: SIG-021). A tampered file and an untrusted
//! key or CA are refused by both. Everything is offline.
//!
//! Needs `AI_INTEROP_TEST_MODEL_SIGNING` (the `model_signing` executable of a venv) and
//! `openssl`. Without them the test prints `skipped`; with `CI=true` it fails instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn model_signing() -> Option<PathBuf> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let tool = match std::env::var("AI_INTEROP_TEST_MODEL_SIGNING") {
        Ok(p) if !p.is_empty() => PathBuf::from(p),
        _ if ci => panic!("CI=true but AI_INTEROP_TEST_MODEL_SIGNING is not set (see .ci/run)"),
        _ => {
            eprintln!("skipped: no AI_INTEROP_TEST_MODEL_SIGNING");
            return None;
        }
    };
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(!ci, "CI=true but openssl is missing");
        eprintln!("skipped: no openssl");
        return None;
    }
    Some(tool)
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the command starts")
}

fn ok(cmd: &mut Command) {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    ok(Command::new("openssl").current_dir(dir).args(args));
}

/// `ai-interop verify-bundle`: exit code and stdout.
fn ours(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = run(Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .current_dir(dir)
        .arg("verify-bundle")
        .args(args));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn theirs(tool: &Path, dir: &Path, args: &[&str]) -> bool {
    run(Command::new(tool).current_dir(dir).arg("verify").args(args))
        .status
        .success()
}

fn model(dir: &Path) {
    let m = dir.join("model");
    std::fs::create_dir_all(m.join("sub")).unwrap();
    std::fs::write(m.join("model.safetensors"), b"test-only weights").unwrap();
    std::fs::write(m.join("config.json"), b"{\"layers\": 2}").unwrap();
    std::fs::write(m.join("sub/README.md"), b"# test-only model\n").unwrap();
}

#[test]
fn key_signatures_p256_p384_p521_verify_and_tampering_is_refused() {
    let Some(tool) = model_signing() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    model(dir);
    for curve in ["P-256", "P-384", "P-521"] {
        let (key, public, sig) = (
            format!("{curve}.key"),
            format!("{curve}.pub"),
            format!("{curve}.sig"),
        );
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                &format!("ec_paramgen_curve:{curve}"),
                "-out",
                &key,
            ],
        );
        openssl(dir, &["pkey", "-in", &key, "-pubout", "-out", &public]);
        ok(Command::new(&tool).current_dir(dir).args([
            "sign",
            "key",
            "--private_key",
            &key,
            "--signature",
            &sig,
            "model",
        ]));
        assert!(theirs(
            &tool,
            dir,
            &["key", "--public_key", &public, "--signature", &sig, "model"]
        ));
        let (code, out) = ours(dir, &["--bundle", &sig, "--key", &public, "model"]);
        assert_eq!(code, 0, "{curve}: {out}");
        for r in [
            "SIG-004 pass",
            "SIG-010 pass",
            "SIG-011 pass",
            "SIG-020 pass",
        ] {
            assert!(out.contains(r), "{curve}: {out}");
        }
    }
    // Another curve's key is not the signer's: both refuse.
    assert!(!theirs(
        &tool,
        dir,
        &[
            "key",
            "--public_key",
            "P-256.pub",
            "--signature",
            "P-521.sig",
            "model"
        ]
    ));
    let (code, out) = ours(
        dir,
        &["--bundle", "P-521.sig", "--key", "P-256.pub", "model"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SIG-004 fail"), "{out}");
    // A changed file: both refuse, ours naming the file.
    std::fs::write(dir.join("model/config.json"), b"{\"layers\": 3}").unwrap();
    assert!(!theirs(
        &tool,
        dir,
        &[
            "key",
            "--public_key",
            "P-384.pub",
            "--signature",
            "P-384.sig",
            "model"
        ]
    ));
    let (code, out) = ours(
        dir,
        &["--bundle", "P-384.sig", "--key", "P-384.pub", "model"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("SIG-011 fail") && out.contains("config.json"),
        "{out}"
    );
    // A deleted file: refused too.
    std::fs::write(dir.join("model/config.json"), b"{\"layers\": 2}").unwrap();
    std::fs::remove_file(dir.join("model/sub/README.md")).unwrap();
    let (code, out) = ours(
        dir,
        &["--bundle", "P-256.sig", "--key", "P-256.pub", "model"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("sub/README.md is missing"), "{out}");
}

#[test]
fn a_private_ca_certificate_signature_verifies_against_the_policy_anchor() {
    let Some(tool) = model_signing() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    model(dir);
    for (name, cn) in [
        ("ca", "test-only private CA"),
        ("other-ca", "test-only other CA"),
    ] {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.pem"),
                "-days",
                "30",
                "-subj",
                &format!("/O=test-only/CN={cn}"),
                "-addext",
                "basicConstraints=critical,CA:true",
                "-addext",
                "keyUsage=critical,keyCertSign",
            ],
        );
    }
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "leaf.key",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/O=test-only/CN=model signer",
            "-out",
            "leaf.csr",
        ],
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "10",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    ok(Command::new(&tool).current_dir(dir).args([
        "sign",
        "certificate",
        "--private_key",
        "leaf.key",
        "--signing_certificate",
        "leaf.pem",
        "--certificate_chain",
        "ca.pem",
        "--signature",
        "cert.sig",
        "model",
    ]));
    // model_signing's verdict and ours with `ca` as the only trust anchor.
    let theirs_with = |ca: &str| {
        theirs(
            &tool,
            dir,
            &[
                "certificate",
                "--certificate_chain",
                ca,
                "--signature",
                "cert.sig",
                "model",
            ],
        )
    };
    let ours_with = |ca: &str| {
        ours(
            dir,
            &[
                "--bundle",
                "cert.sig",
                "--oms-certificate-chain",
                ca,
                "model",
            ],
        )
    };
    assert!(theirs_with("ca.pem"));
    // The anchor from a policy file (omsCertificateChain), as a site would configure it.
    std::fs::write(
        dir.join("policy.json"),
        r#"{"omsCertificateChain": ["ca.pem"]}"#,
    )
    .unwrap();
    let (code, out) = ours(
        dir,
        &["--bundle", "cert.sig", "--policy", "policy.json", "model"],
    );
    assert_eq!(code, 0, "{out}");
    for r in [
        "SIG-004 pass",
        "SIG-021 pass",
        "SIG-010 pass",
        "SIG-011 pass",
    ] {
        assert!(out.contains(r), "{out}");
    }
    assert!(
        !out.contains("SIG-005") && !out.contains("SIG-006") && !out.contains("SIG-007"),
        "{out}"
    );
    // No anchor: not decided (exit 2, SIG-021 error); another CA: both refuse.
    let (code, out) = ours(dir, &["--bundle", "cert.sig", "model"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("SIG-021 error"), "{out}");
    assert!(!theirs_with("other-ca.pem"));
    let (code, out) = ours_with("other-ca.pem");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SIG-021 fail"), "{out}");
    // A tampered file.
    std::fs::write(dir.join("model/model.safetensors"), b"test-only weights!").unwrap();
    assert!(!theirs_with("ca.pem"));
    let (code, out) = ours_with("ca.pem");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SIG-011 fail"), "{out}");
}

#[test]
fn every_serialization_and_hash_verifies_and_a_changed_shard_is_refused() {
    let Some(tool) = model_signing() else { return };
    let python = tool.with_file_name("python");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    model(dir);
    // A file of several 8-byte shards, one in a directory whose name sorts against a file.
    std::fs::write(
        dir.join("model/big.bin"),
        b"0123456789abcdefghijklmnopqrstuvwxyz",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("model/a")).unwrap();
    std::fs::write(dir.join("model/a/b"), b"b").unwrap();
    std::fs::write(dir.join("model/a.txt"), b"a").unwrap();
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "k.key",
        ],
    );
    openssl(dir, &["pkey", "-in", "k.key", "-pubout", "-out", "k.pub"]);
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools/model_signing_variants.py");
    ok(Command::new(&python)
        .current_dir(dir)
        .arg(script)
        .args(["k.key", "model", "."]));
    let variants = [
        "files-blake2b",
        "files-blake3",
        "shards-sha256",
        "shards-blake2b",
    ];
    for v in variants {
        let sig = format!("{v}.sig");
        let (code, out) = ours(dir, &["--bundle", &sig, "--key", "k.pub", "model"]);
        assert_eq!(code, 0, "{v}: {out}");
        assert!(
            out.contains("SIG-010 pass") && out.contains("SIG-011 pass"),
            "{v}: {out}"
        );
    }
    // One byte of the fourth shard of big.bin.
    std::fs::write(
        dir.join("model/big.bin"),
        b"0123456789abcdefghijklmnopqrstuvwxyZ",
    )
    .unwrap();
    for v in variants {
        let sig = format!("{v}.sig");
        let (code, out) = ours(dir, &["--bundle", &sig, "--key", "k.pub", "model"]);
        assert_eq!(code, 1, "{v}: {out}");
        assert!(
            out.contains("SIG-011 fail") && out.contains("big.bin"),
            "{v}: {out}"
        );
    }
}

/// Sign before pack: model_signing signs the directory, the reference packer packs it, `attach`
/// puts the signature next to the manifest as a referrer, and `check --profile trusted` verifies
/// the signed files against the layer digests (SIG-010, SIG-011).
#[test]
fn sign_pack_attach_check() {
    let Some(tool) = model_signing() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    model(dir);
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
            "-out",
            "k.key",
        ],
    );
    openssl(dir, &["pkey", "-in", "k.key", "-pubout", "-out", "k.pub"]);
    ok(Command::new(&tool).current_dir(dir).args([
        "sign",
        "key",
        "--private_key",
        "k.key",
        "--signature",
        "model.sig",
        "model",
    ]));
    let bin = env!("CARGO_BIN_EXE_ai-interop");
    let target = "oci:layout:v1";
    ok(Command::new(bin)
        .current_dir(dir)
        .args(["pack", "model", target, "--kind", "model"]));
    let bundle = "application/vnd.dev.sigstore.bundle.v0.3+json";
    ok(Command::new(bin).current_dir(dir).args([
        "attach",
        target,
        "model.sig",
        "--artifact-type",
        bundle,
    ]));
    let out = run(Command::new(bin).current_dir(dir).args([
        "check",
        target,
        "--profile",
        "trusted",
        "--key",
        "k.pub",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |id: &str| {
        report["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    for id in ["SIG-002", "SIG-004", "SIG-010", "SIG-011", "SIG-020"] {
        assert_eq!(status(id), "pass", "{id}: {report}");
    }
}
