//! Rekor v2 entries, signed checkpoints, RFC 3161 timestamps, SCTs and chain rules, on the
//! test-only material of `fixtures::testpki::sigstore`: one positive per content kind, one negative per
//! rule, each breaking exactly the requirement it names.

use super::*;
use crate::fixtures::testpki::sigstore::{TimestampVariant, V2Variant, bundle_v2};
use crate::fixtures::testpki::{
    BundleVariant, CertVariant, IDENTITY, ISSUER, Signs, TestPki, VERIFY_AT, bundle,
};
use crate::trust::inputs::{Loaded, Thresholds};
use serde_json::json;
use std::path::PathBuf;

const MANIFEST: &[u8] = br#"{"schemaVersion":2,"v2":true}"#;

fn inputs(pki: &TestPki) -> TrustInputs {
    TrustInputs {
        trusted_root: Some(Loaded {
            path: PathBuf::from("trusted_root.json"),
            value: pki.trusted_root_json(),
        }),
        identity: Some(IDENTITY.into()),
        issuer: Some(ISSUER.into()),
        verification_time: Some(VERIFY_AT),
        ..Default::default()
    }
}

fn run(bytes: &[u8], inputs: &TrustInputs) -> Verification {
    let d = Digest::sha256_of(MANIFEST);
    verify(
        bytes,
        Some(Signed {
            digest: &d,
            bytes: MANIFEST,
        }),
        inputs,
    )
    .verification
}

fn statement() -> Value {
    json!({
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": [{"name": "m", "digest": {"sha256": Digest::sha256_of(MANIFEST).encoded()}}],
        "predicateType": "https://example.test/signed/v1",
        "predicate": {},
    })
}

fn reached(v: &Verification) -> Vec<&'static str> {
    let mut r: Vec<_> = v.results.iter().map(|(r, _)| *r).collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn rekor_v2_message_and_dsse_bundles_verify_with_timestamp_checkpoint_and_sct() {
    let pki = TestPki::new();
    let i = inputs(&pki);
    let st = statement();
    for b in [
        bundle_v2(&pki, Signs::Message(MANIFEST), V2Variant::Good),
        bundle_v2(&pki, Signs::Statement(&st), V2Variant::Good),
    ] {
        let v = run(&b, &i);
        assert!(v.verified(), "{:?}", v.results);
        assert_eq!(
            reached(&v),
            [
                "SIG-002", "SIG-003", "SIG-004", "SIG-005", "SIG-006", "SIG-007", "SIG-013",
                "SIG-014", "SIG-015", "SIG-016", "SIG-017", "SIG-018", "SIG-019", "SIG-020"
            ]
        );
    }
}

#[test]
fn each_v2_negative_breaks_exactly_its_requirement() {
    let pki = TestPki::new();
    let i = inputs(&pki);
    let cases = [
        (
            V2Variant::Timestamp(TimestampVariant::BadSignature),
            "SIG-013",
        ),
        (
            V2Variant::Timestamp(TimestampVariant::ImprintOverOtherBytes),
            "SIG-013",
        ),
        (
            V2Variant::Timestamp(TimestampVariant::OutsideWindow),
            "SIG-014",
        ),
        (V2Variant::NoTimestamp, "SIG-015"),
        (V2Variant::BadCheckpointSignature, "SIG-016"),
        (V2Variant::CheckpointKeyHint, "SIG-017"),
        (V2Variant::Cert(CertVariant::NoSct), "SIG-018"),
        (V2Variant::Cert(CertVariant::BadSct), "SIG-018"),
        (V2Variant::RootInChain, "SIG-019"),
    ];
    for (variant, want) in cases {
        let v = run(&bundle_v2(&pki, Signs::Message(MANIFEST), variant), &i);
        let failures: Vec<_> = v.failures().collect();
        assert_eq!(failures.len(), 1, "{variant:?}: {:?}", v.results);
        assert_eq!(
            failures[0].requirement(),
            want,
            "{variant:?}: {}",
            failures[0]
        );
        assert!(
            matches!(failures[0], SigFailure::Breaks { .. }),
            "{variant:?}"
        );
    }
}

#[test]
fn thresholds_come_from_the_policy() {
    let pki = TestPki::new();
    let mut i = inputs(&pki);
    let good = bundle_v2(&pki, Signs::Message(MANIFEST), V2Variant::Good);
    let no_sct = bundle_v2(
        &pki,
        Signs::Message(MANIFEST),
        V2Variant::Cert(CertVariant::NoSct),
    );
    let no_ts = bundle_v2(&pki, Signs::Message(MANIFEST), V2Variant::NoTimestamp);
    // Relaxed: no SCT and no verified time required. Without a verified time the chain is
    // judged at the verification time, an hour after the short-lived certificate expired.
    i.thresholds = Thresholds {
        scts: Some(0),
        timestamps: Some(0),
        tlog_entries: None,
    };
    assert!(run(&no_sct, &i).verified());
    let v = run(&no_ts, &i);
    let f: Vec<_> = v.failures().map(|f| f.requirement()).collect();
    assert_eq!(f, ["SIG-005"]);
    i.verification_time = Some(crate::fixtures::testpki::SIGNED_AT);
    assert!(run(&no_ts, &i).verified());
    i.verification_time = Some(VERIFY_AT);
    // Stricter: two timestamps, two logs, two SCTs — one of each is not enough.
    for (t, want) in [
        (
            Thresholds {
                timestamps: Some(2),
                ..Thresholds::default()
            },
            "SIG-015",
        ),
        (
            Thresholds {
                tlog_entries: Some(2),
                ..Thresholds::default()
            },
            "SIG-007",
        ),
        (
            Thresholds {
                scts: Some(2),
                ..Thresholds::default()
            },
            "SIG-018",
        ),
    ] {
        i.thresholds = t;
        let v = run(&good, &i);
        let f: Vec<_> = v.failures().map(|f| f.requirement()).collect();
        assert_eq!(f, [want], "{t:?}");
    }
}

#[test]
fn rekor_v1_entries_still_verify_and_their_set_is_a_verified_time() {
    let pki = TestPki::new();
    let v = run(
        &bundle(&pki, Signs::Message(MANIFEST), None, BundleVariant::Good),
        &inputs(&pki),
    );
    assert!(v.verified(), "{:?}", v.results);
    assert!(reached(&v).contains(&"SIG-015"));
    // Without its SET the v1 entry proves inclusion but no time: SIG-015 fails.
    let mut b: Value = serde_json::from_slice(&bundle(
        &pki,
        Signs::Message(MANIFEST),
        None,
        BundleVariant::Good,
    ))
    .unwrap();
    b["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    let v = run(&serde_json::to_vec(&b).unwrap(), &inputs(&pki));
    let f: Vec<_> = v.failures().map(|f| f.requirement()).collect();
    assert_eq!(f, ["SIG-015"]);
}

#[test]
fn garbage_timestamps_and_sct_lists_are_refused_without_panicking() {
    let pki = TestPki::new();
    let root = trusted_root::TrustedRoot::parse(&pki.trusted_root_json()).unwrap();
    let good = crate::fixtures::testpki::sigstore::timestamp(b"sig", TimestampVariant::Good);
    assert!(tsa::verify(&good, b"sig", &root).is_ok());
    // Any truncation or flipped byte: an answer, never a panic (bytes outside the signed
    // attributes, such as the embedded certificate, are not trusted and may not matter).
    let mut refused = 0;
    for n in 0..good.len() {
        assert!(tsa::verify(&good[..n], b"sig", &root).is_err());
        let mut flipped = good.clone();
        flipped[n] ^= 0x55;
        refused += usize::from(tsa::verify(&flipped, b"sig", &root).is_err());
    }
    assert!(refused > good.len() / 3, "{refused} of {}", good.len());
    let cert = pki.keyless_cert(CertVariant::Good);
    let spki = pki.fulcio_intermediate.public_key().spki_der.clone();
    assert_eq!(sct::verify_embedded(&cert, &spki, &root), Ok(1));
    for n in 0..cert.len() {
        let mut flipped = cert.clone();
        flipped[n] ^= 0x55;
        let _ = sct::verify_embedded(&flipped, &spki, &root);
    }
}
