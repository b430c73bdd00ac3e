//! `ai-interop verify-bundle` on a file or a digest (the OMS directory form is in
//! tests/it/oms_real_tools.rs), and unsupported key algorithms as findings with a report — never an
//! exit without one — in `verify-bundle` and in `check`.

use crate::support::signed;

use ai_interop::digest::Digest;
use ai_interop::fixtures::testpki::secp256k1_spki;
use ai_interop::trust::keys::pem_encode;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("ai-interop runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A signed file: `weights.bin`, a message-signature bundle and a DSSE bundle over its digest
/// (tests/it/support/signed.rs), the key, and a secp256k1 key.
fn setup(dir: &Path) {
    let file = b"test-only weights";
    std::fs::write(dir.join("weights.bin"), file).unwrap();
    signed::sign(dir, file);
    std::fs::write(
        dir.join("k1.pub"),
        pem_encode("PUBLIC KEY", &secp256k1_spki()),
    )
    .unwrap();
}

#[test]
fn a_file_or_its_digest_verifies_and_tampering_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    for b in ["message.json", "dsse.json"] {
        let (code, out) = run(
            dir,
            &[
                "verify-bundle",
                "--bundle",
                b,
                "--key",
                "key.pub",
                "weights.bin",
            ],
        );
        assert_eq!(code, 0, "{b}: {out}");
        assert!(
            out.contains("SIG-003 pass")
                && out.contains("SIG-004 pass")
                && out.ends_with("verified\n"),
            "{out}"
        );
    }
    let digest = Digest::sha256_of(b"test-only weights").to_string();
    let (code, out) = run(
        dir,
        &[
            "verify-bundle",
            "--bundle",
            "dsse.json",
            "--key",
            "key.pub",
            "--digest",
            &digest,
        ],
    );
    assert_eq!(code, 0, "{out}");
    // A message signature signs bytes: a digest alone is a usage error.
    let (code, out) = run(
        dir,
        &[
            "verify-bundle",
            "--bundle",
            "message.json",
            "--key",
            "key.pub",
            "--digest",
            &digest,
        ],
    );
    assert_eq!(code, 2, "{out}");
    // Another file: refused, naming the requirement, as check names it.
    std::fs::write(dir.join("other.bin"), b"other weights").unwrap();
    let (code, out) = run(
        dir,
        &[
            "verify-bundle",
            "--bundle",
            "message.json",
            "--key",
            "key.pub",
            "other.bin",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("SIG-003 fail: the message signature is over sha256:"),
        "{out}"
    );
    let (code, out) = run(
        dir,
        &[
            "verify-bundle",
            "--bundle",
            "dsse.json",
            "--key",
            "key.pub",
            "other.bin",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("SIG-003 fail"), "{out}");
    // No key: not decided (exit 2), the missing input named.
    let (code, out) = run(
        dir,
        &["verify-bundle", "--bundle", "dsse.json", "weights.bin"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("SIG-004 error") && out.contains("--key"),
        "{out}"
    );
}

#[test]
fn an_unsupported_key_algorithm_is_a_finding_with_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let (code, out) = run(
        dir,
        &[
            "verify-bundle",
            "--bundle",
            "dsse.json",
            "--key",
            "k1.pub",
            "weights.bin",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("SIG-020 fail") && out.contains("1.3.132.0.10"),
        "{out}"
    );
    // check: a report is written and SIG-020 fails in it.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/v1.0/model/pass-signed-key-notary-oms");
    let target = format!("oci:{}:v1", fixture.display());
    let out_dir = dir.join("report");
    let (code, out) = run(
        dir,
        &[
            "check",
            &target,
            "--profile",
            "trusted",
            "--key",
            "k1.pub",
            "--offline",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let report: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    let sig020 = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "SIG-020")
        .unwrap();
    assert_eq!(sig020["status"], "fail", "{sig020}");
}
