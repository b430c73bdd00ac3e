//! Every failure path of the bundle verifier, on test-only bundles.

use super::*;
use crate::fixtures::testpki::{
    BundleVariant, CertVariant, IDENTITY, ISSUER, Signs, TestPki, VERIFY_AT, bundle,
};
use crate::trust::failure::SigFailure;
use crate::trust::inputs::Loaded;
use crate::vocabulary::JSON;
use serde_json::json;
use std::path::PathBuf;

const MANIFEST: &[u8] = br#"{"schemaVersion":2}"#;

fn digest() -> Digest {
    Digest::sha256_of(MANIFEST)
}

fn inputs(pki: &TestPki) -> TrustInputs {
    TrustInputs {
        trusted_root: Some(Loaded {
            path: PathBuf::from("trusted_root.json"),
            value: pki.trusted_root_json(),
        }),
        keys: vec![Loaded {
            path: PathBuf::from("key.pub"),
            value: pki.key.public_key().clone(),
        }],
        identity: Some(IDENTITY.into()),
        issuer: Some(ISSUER.into()),
        verification_time: Some(VERIFY_AT),
        ..Default::default()
    }
}

fn statement(hex: &str) -> Value {
    json!({
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": [{"name": "artifact", "digest": {"sha256": hex}}],
        "predicateType": "https://example.test/signed/v1",
        "predicate": {},
    })
}

fn run(bytes: &[u8], inputs: &TrustInputs) -> Verification {
    let d = digest();
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

/// The one requirement that failed (undecided ones aside), or panic.
fn only_failure(v: &Verification) -> &SigFailure {
    let breaks: Vec<_> = v
        .failures()
        .filter(|f| matches!(f, SigFailure::Breaks { .. }))
        .collect();
    let f: Vec<_> = if breaks.len() == 1 {
        breaks
    } else {
        v.failures().collect()
    };
    assert_eq!(f.len(), 1, "{:?}", v.results);
    f[0]
}

#[test]
fn good_bundles_verify_keyless_and_key_based_message_and_dsse() {
    let pki = TestPki::new();
    let st = statement(digest().encoded());
    let i = inputs(&pki);
    for (b, reached) in [
        (
            bundle(&pki, Signs::Message(MANIFEST), None, BundleVariant::Good),
            12,
        ),
        (
            bundle(&pki, Signs::Statement(&st), None, BundleVariant::Good),
            12,
        ),
        (
            bundle(
                &pki,
                Signs::Message(MANIFEST),
                Some(&pki.key),
                BundleVariant::Good,
            ),
            4,
        ),
        (
            bundle(
                &pki,
                Signs::Statement(&st),
                Some(&pki.key),
                BundleVariant::Good,
            ),
            4,
        ),
    ] {
        let v = run(&b, &i);
        assert!(v.verified(), "{:?}", v.results);
        assert_eq!(v.results.len(), reached, "{:?}", v.results);
    }
}

#[test]
fn each_negative_breaks_its_requirement() {
    let pki = TestPki::new();
    let i = inputs(&pki);
    let st = statement(digest().encoded());
    let other = statement(&"0".repeat(64));
    let cases = [
        (
            bundle(
                &pki,
                Signs::Statement(&st),
                Some(&pki.key),
                BundleVariant::TamperedPayload,
            ),
            "SIG-004",
        ),
        (
            bundle(
                &pki,
                Signs::Message(MANIFEST),
                Some(&pki.key),
                BundleVariant::TamperedPayload,
            ),
            "SIG-004",
        ),
        (
            bundle(&pki, Signs::Statement(&other), None, BundleVariant::Good),
            "SIG-003",
        ),
        (
            bundle(
                &pki,
                Signs::Statement(&st),
                None,
                BundleVariant::BadInclusionProof,
            ),
            "SIG-007",
        ),
        (
            bundle(
                &pki,
                Signs::Message(MANIFEST),
                None,
                BundleVariant::Cert(CertVariant::Expired),
            ),
            "SIG-005",
        ),
        (
            bundle(
                &pki,
                Signs::Message(MANIFEST),
                None,
                BundleVariant::Cert(CertVariant::WrongIdentity),
            ),
            "SIG-006",
        ),
    ];
    for (b, req) in cases {
        let v = run(&b, &i);
        let f = only_failure(&v);
        assert_eq!(f.requirement(), req, "{f}");
        assert!(matches!(f, SigFailure::Breaks { .. }));
    }
    // Two DSSE signatures: the bundle's shape is wrong, nothing else is reached.
    let v = run(
        &bundle(
            &pki,
            Signs::Statement(&st),
            Some(&pki.key),
            BundleVariant::TwoSignatures,
        ),
        &i,
    );
    assert_eq!(only_failure(&v).requirement(), "SIG-002");
    assert_eq!(v.results.len(), 1);
}

#[test]
fn a_key_hint_naming_an_untrusted_key_is_not_trusted() {
    let pki = TestPki::new();
    let stranger = crate::trust::keys::SigningKey::ed25519_from_seed(&[42; 32]);
    let b = bundle(
        &pki,
        Signs::Message(MANIFEST),
        Some(&stranger),
        BundleVariant::Good,
    );
    let v = run(&b, &inputs(&pki));
    assert_eq!(only_failure(&v).requirement(), "SIG-004");
}

#[test]
fn missing_trust_inputs_are_undecided_not_failures() {
    let pki = TestPki::new();
    let keyless = bundle(&pki, Signs::Message(MANIFEST), None, BundleVariant::Good);
    let v = run(&keyless, &TrustInputs::default());
    let undecided: Vec<_> = v
        .failures()
        .map(|f| {
            assert!(matches!(f, SigFailure::Undecided { .. }), "{f}");
            f.requirement()
        })
        .collect();
    assert_eq!(undecided, vec!["SIG-006", "SIG-007", "SIG-005"]);
    let keyed = bundle(
        &pki,
        Signs::Message(MANIFEST),
        Some(&pki.key),
        BundleVariant::Good,
    );
    let v = run(&keyed, &TrustInputs::default());
    assert!(matches!(
        only_failure(&v),
        SigFailure::Undecided {
            requirement: "SIG-004",
            ..
        }
    ));
    // A trusted root that is not one is undecided too.
    let mut bad_root = inputs(&pki);
    bad_root.trusted_root.as_mut().unwrap().value = b"{}".to_vec();
    let v = run(&keyless, &bad_root);
    assert!(
        v.failures()
            .all(|f| matches!(f, SigFailure::Undecided { .. }))
    );
}

#[test]
fn malformed_bundles_break_the_bundle_form() {
    let pki = TestPki::new();
    let good: Value = serde_json::from_slice(&bundle(
        &pki,
        Signs::Message(MANIFEST),
        None,
        BundleVariant::Good,
    ))
    .unwrap();
    let edits: Vec<Edit> = vec![
        Box::new(|b| b["mediaType"] = json!(JSON)),
        Box::new(|b| {
            b["verificationMaterial"]
                .as_object_mut()
                .unwrap()
                .remove("certificate");
        }),
        Box::new(|b| b["verificationMaterial"]["publicKey"] = json!({"hint": "x"})),
        Box::new(|b| b["dsseEnvelope"] = json!({})),
        Box::new(|b| {
            b.as_object_mut().unwrap().remove("messageSignature");
        }),
        Box::new(|b| b["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!("-1")),
        Box::new(|b| b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"] = json!("%")),
        Box::new(|b| b["messageSignature"]["signature"] = json!(7)),
    ];
    for (n, edit) in edits.iter().enumerate() {
        let mut b = good.clone();
        edit(&mut b);
        let v = run(&serde_json::to_vec(&b).unwrap(), &inputs(&pki));
        assert_eq!(only_failure(&v).requirement(), "SIG-002", "edit {n}");
    }
    assert_eq!(
        only_failure(&run(b"[", &inputs(&pki))).requirement(),
        "SIG-002"
    );
    // A DSSE payload that is not an in-toto Statement.
    let not_statement = json!({"_type": "something else"});
    let b = bundle(
        &pki,
        Signs::Statement(&not_statement),
        Some(&pki.key),
        BundleVariant::Good,
    );
    assert_eq!(
        only_failure(&run(&b, &inputs(&pki))).requirement(),
        "SIG-002"
    );
}

#[test]
fn tlog_entry_failures_break_sig_007() {
    let pki = TestPki::new();
    let good: Value = serde_json::from_slice(&bundle(
        &pki,
        Signs::Message(MANIFEST),
        None,
        BundleVariant::Good,
    ))
    .unwrap();
    let edits: Vec<(&str, Edit)> = vec![
        (
            "no entries",
            Box::new(|b| b["verificationMaterial"]["tlogEntries"] = json!([])),
        ),
        (
            "unknown log",
            Box::new(move |b| entry(b)["logId"]["keyId"] = json!("AAAA")),
        ),
        (
            "other SET",
            Box::new(move |b| entry(b)["inclusionPromise"]["signedEntryTimestamp"] = json!("AAAA")),
        ),
        (
            "no proof, no SET",
            Box::new(move |b| {
                let e = entry(b);
                e.as_object_mut().unwrap().remove("inclusionProof");
                e.as_object_mut().unwrap().remove("inclusionPromise");
            }),
        ),
        (
            "other root",
            Box::new(move |b| entry(b)["inclusionProof"]["rootHash"] = json!(b64_encode_32())),
        ),
        (
            "other tree size",
            Box::new(move |b| entry(b)["inclusionProof"]["treeSize"] = json!("9")),
        ),
        (
            "no checkpoint",
            Box::new(move |b| {
                entry(b)["inclusionProof"]
                    .as_object_mut()
                    .unwrap()
                    .remove("checkpoint");
            }),
        ),
        (
            "unsigned checkpoint",
            Box::new(move |b| {
                let cp = entry(b)["inclusionProof"]["checkpoint"]["envelope"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let (text, _) = cp.split_once("\n\n").unwrap();
                entry(b)["inclusionProof"]["checkpoint"]["envelope"] = json!(format!(
                    "{text}\n\n\u{2014} rekor.test-only.invalid AAAAAAAAAAAA\n"
                ));
            }),
        ),
        (
            "body of another signature",
            Box::new(move |b| {
                entry(b)["canonicalizedBody"] = json!(crate::trust::codec::b64_encode(
                    br#"{"kind":"hashedrekord","spec":{}}"#
                ));
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut b = good.clone();
        edit(&mut b);
        let v = run(&serde_json::to_vec(&b).unwrap(), &inputs(&pki));
        // A signature line without the log's key hint is SIG-017's finding.
        let want = if what == "unsigned checkpoint" {
            "SIG-017"
        } else {
            "SIG-007"
        };
        assert_eq!(
            only_failure(&v).requirement(),
            want,
            "{what}: {:?}",
            v.results
        );
    }
}

fn entry(b: &mut Value) -> &mut Value {
    &mut b["verificationMaterial"]["tlogEntries"][0]
}

fn b64_encode_32() -> String {
    crate::trust::codec::b64_encode(&[7u8; 32])
}

#[test]
fn a_root_whose_authority_was_not_valid_then_breaks_the_chain() {
    let pki = TestPki::new();
    let mut root: Value = serde_json::from_slice(&pki.trusted_root_json()).unwrap();
    root["certificateAuthorities"][0]["validFor"] = json!({"start": "2030-01-01T00:00:00Z"});
    let mut i = inputs(&pki);
    i.trusted_root.as_mut().unwrap().value = serde_json::to_vec(&root).unwrap();
    let v = run(
        &bundle(&pki, Signs::Message(MANIFEST), None, BundleVariant::Good),
        &i,
    );
    assert_eq!(only_failure(&v).requirement(), "SIG-005");
}

#[test]
fn checkpoint_parsing_refuses_malformed_notes() {
    for bad in [
        "",
        "origin\n12\n",
        "origin\nx\nAAAA\n\n\u{2014} n AAAAAAAA\n",
        "origin\n1\nAAAA\n\n- n AAAAAAAA\n",
        "origin\n1\nAAAA\n\n\u{2014} n AA\n",
        "origin\n1\nAAAA\n\n",
        "\n1\nAAAA\n\n\u{2014} n AAAAAAAA\n",
    ] {
        assert!(tlog::Checkpoint::parse(bad).is_err(), "{bad:?}");
    }
}

type Edit = Box<dyn Fn(&mut Value)>;
