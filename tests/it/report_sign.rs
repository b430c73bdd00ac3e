//! Signed reports: `report sign` then `report verify` accepts an honest report and refuses each
//! kind of tampering — one test per tampering. Keys are the committed test-only keys in
//! `tests/keys/`.

use ai_interop::certify::{self, statement};
use ai_interop::trust::dsse::Envelope;
use ai_interop::trust::keys::SigningKey;
use ai_interop::vocabulary::IN_TOTO;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn key_path(name: &str) -> PathBuf {
    root().join("tests/keys").join(name)
}

fn signing_key(name: &str) -> SigningKey {
    SigningKey::from_pem(&std::fs::read(key_path(name)).unwrap()).unwrap()
}

fn cli(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .output()
        .unwrap()
}

/// `check` one golden fixture into `out`; returns the path of report.json.
fn check(out: &Path, case: &str, profile: &str) -> PathBuf {
    let target = format!(
        "oci:{}:v1",
        root().join("fixtures/v1.0").join(case).display()
    );
    let o = cli(&[
        "check".as_ref(),
        target.as_ref(),
        "--profile".as_ref(),
        profile.as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out.join("report.json")
}

fn sign_cli(report: &Path, key: &str) -> Output {
    cli(&[
        "report".as_ref(),
        "sign".as_ref(),
        "--key".as_ref(),
        key_path(key).as_os_str(),
        report.as_os_str(),
    ])
}

fn verify_cli(report: &Path) -> (bool, String) {
    let o = cli(&[
        "report".as_ref(),
        "verify".as_ref(),
        "--key".as_ref(),
        key_path("test-only-ed25519.pub.pem").as_os_str(),
        report.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    match o.status.code() {
        Some(0) => (true, text),
        Some(1) => (false, text),
        c => panic!("exit {c:?}: {text}{}", String::from_utf8_lossy(&o.stderr)),
    }
}

/// Sign arbitrary report bytes the way a lying signer would: without the consistency check
/// `report sign` makes.
fn force_sign(report: &Path, key: &str) {
    let bytes = std::fs::read(report).unwrap();
    let parsed = certify::parse_report(&bytes).unwrap();
    let st = statement::for_report(&bytes, &parsed);
    let env = Envelope::sign(IN_TOTO, serde_json::to_vec(&st).unwrap(), &signing_key(key));
    std::fs::write(report.with_file_name("report.dsse.json"), env.to_json()).unwrap();
}

fn edit(report: &Path, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(report, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn refused_for(report: &Path, check: &str) -> String {
    let (ok, text) = verify_cli(report);
    assert!(!ok, "verified a tampered report:\n{text}");
    assert!(
        text.contains(&format!("REFUSED {check}:")),
        "expected a refusal by {check}:\n{text}"
    );
    text
}

#[test]
fn honest_reports_sign_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    for (case, profile) in [
        ("model/pass-model-minimal", "core"),
        ("model/lay-005-symlink-escape", "trusted"),
    ] {
        let out = tmp.path().join(case.replace('/', "_"));
        let report = check(&out, case, profile);
        let o = sign_cli(&report, "test-only-ed25519.pem");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (ok, text) = verify_cli(&report);
        assert!(ok, "{text}");
        for c in ["signature", "subject", "roll-ups", "release"] {
            assert!(text.contains(&format!("ok      {c}:")), "{text}");
        }
        // The statement names the artifact's manifest.
        let digest = certify::parse_report(&std::fs::read(&report).unwrap())
            .unwrap()
            .target
            .manifest_digest
            .unwrap();
        assert!(text.contains(&digest), "{text}");
    }
}

#[test]
fn ed25519_signatures_are_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/pass-model-minimal", "core");
    let bytes = std::fs::read(&report).unwrap();
    let key = signing_key("test-only-ed25519.pem");
    let a = certify::sign(&bytes, &key).unwrap().to_json();
    let b = certify::sign(&bytes, &key).unwrap().to_json();
    assert_eq!(a, b);
}

#[test]
fn refuses_a_report_edited_after_signing() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/pass-model-minimal", "core");
    assert!(sign_cli(&report, "test-only-ed25519.pem").status.success());
    let mut bytes = std::fs::read(&report).unwrap();
    // One byte: the reference's first letter.
    let at = bytes.windows(4).position(|w| w == b"oci:").unwrap();
    bytes[at] = b'O';
    std::fs::write(&report, bytes).unwrap();
    let text = refused_for(&report, "subject");
    assert!(text.contains("edited after signing"), "{text}");
}

#[test]
fn refuses_a_signature_by_an_untrusted_key() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/pass-model-minimal", "core");
    assert!(
        sign_cli(&report, "test-only-other-ed25519.pem")
            .status
            .success()
    );
    refused_for(&report, "signature");
}

#[test]
fn refuses_a_failure_turned_into_a_pass_even_when_re_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/lay-005-symlink-escape", "core");
    edit(&report, |v| {
        for r in v["requirements"].as_array_mut().unwrap() {
            if r["id"] == "LAY-005" {
                r["status"] = "pass".into();
            }
        }
    });
    // `report sign` refuses to vouch for it…
    let o = sign_cli(&report, "test-only-ed25519.pem");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("LAY-005"));
    // …and a signer who signs it anyway is caught by the recomputation.
    force_sign(&report, "test-only-ed25519.pem");
    let text = refused_for(&report, "roll-ups");
    assert!(text.contains("LAY-005: the report says pass"), "{text}");
}

#[test]
fn refuses_a_profile_roll_up_raised_to_success() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/lay-005-symlink-escape", "core");
    edit(&report, |v| {
        for p in v["profiles"].as_array_mut().unwrap() {
            p["result"] = "success".into();
        }
    });
    force_sign(&report, "test-only-ed25519.pem");
    let text = refused_for(&report, "roll-ups");
    assert!(text.contains("profile roll-ups do not follow"), "{text}");
}

#[test]
fn refuses_a_report_re_labelled_to_a_higher_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/pass-model-minimal", "core");
    edit(&report, |v| {
        v["run"]["profile"] = "trusted".into();
        let mut trusted = v["profiles"][0].clone();
        trusted["name"] = "trusted".into();
        trusted["extends"] = "core".into();
        v["profiles"].as_array_mut().unwrap().push(trusted);
        let s = v["summary"]
            .as_str()
            .unwrap()
            .replace("Claimed profile core", "Claimed profile trusted");
        v["summary"] = s.into();
    });
    force_sign(&report, "test-only-ed25519.pem");
    let text = refused_for(&report, "roll-ups");
    assert!(text.contains("not those of profile \"trusted\""), "{text}");
}

#[test]
fn refuses_a_report_produced_with_modified_fixtures() {
    let tmp = tempfile::tempdir().unwrap();
    // A copy of the golden fixtures with one case's README changed: same verdicts, other bytes.
    let fixtures = tmp.path().join("fixtures");
    let o = Command::new("cp")
        .arg("-r")
        .arg(root().join("fixtures/v1.0"))
        .arg(&fixtures)
        .status()
        .unwrap();
    assert!(o.success());
    let readme = fixtures.join("model/pass-model-minimal/README.md");
    let mut text = std::fs::read_to_string(&readme).unwrap();
    text.push_str("\nModified.\n");
    std::fs::write(&readme, text).unwrap();
    let out = tmp.path().join("out");
    let o = cli(&[
        "run".as_ref(),
        "--fixtures".as_ref(),
        fixtures.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = out.join("report.json");
    // Honest in every other respect: `report sign` signs it.
    assert!(sign_cli(&report, "test-only-ed25519.pem").status.success());
    let text = refused_for(&report, "release");
    assert!(text.contains("modified fixtures"), "{text}");
    assert!(text.contains("ok      roll-ups:"), "{text}");
}

#[test]
fn refuses_an_unknown_suite_version() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/pass-model-minimal", "core");
    edit(&report, |v| v["suite"]["version"] = "9.9.9".into());
    assert!(sign_cli(&report, "test-only-ed25519.pem").status.success());
    let text = refused_for(&report, "release");
    assert!(text.contains("not a known release"), "{text}");
}

#[test]
fn refuses_a_report_with_a_requirement_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/lay-005-symlink-escape", "core");
    edit(&report, |v| {
        v["requirements"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["id"] != "LAY-005");
    });
    force_sign(&report, "test-only-ed25519.pem");
    let text = refused_for(&report, "roll-ups");
    assert!(text.contains("missing: LAY-005"), "{text}");
}

/// `report sign --key` takes the SEC1 keys `openssl ecparam -genkey` writes, not only PKCS#8;
/// an RSA (PKCS#1) key is refused by name, and the message says how to convert other forms.
#[test]
fn sec1_keys_sign_and_rsa_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let report = check(tmp.path(), "model/pass-model-raw", "core");
    let o = sign_cli(&report, "test-only-sec1-p384.pem");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = sign_cli(&report, "test-only-sec1-p256.pem");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = cli(&[
        "report".as_ref(),
        "verify".as_ref(),
        "--key".as_ref(),
        key_path("test-only-sec1-p256.pub.pem").as_os_str(),
        report.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = sign_cli(&report, "test-only-pkcs1-rsa.pem");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("RSA"), "{err}");
    let junk = tmp.path().join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let o = cli(&[
        "report".as_ref(),
        "sign".as_ref(),
        "--key".as_ref(),
        junk.as_os_str(),
        report.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("openssl pkcs8 -topk8"), "{err}");
}
