use super::*;
use crate::fixtures::testpki::{NotaryVariant, TestPki, VERIFY_AT, notary_jws, pretty};
use crate::vocabulary::{
    JSON, NOTARY_EXPIRY, NOTARY_SIGNING_SCHEME, NOTARY_SIGNING_TIME, OCI_MANIFEST,
};
use serde_json::json;

const MANIFEST: &[u8] = b"{}";

struct Store(tempfile::TempDir);

fn store(pki: &TestPki, level: Option<&str>) -> Store {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in pki.files() {
        if let Some(n) = name.strip_prefix("test-only-notary-trust-store/") {
            std::fs::write(dir.path().join(n), bytes).unwrap();
        }
    }
    if let Some(l) = level {
        let policy = json!({"version": "1.0", "trustPolicies": [{"name": "t", "signatureVerification": {"level": l}}]});
        std::fs::write(dir.path().join("trustpolicy.json"), pretty(&policy)).unwrap();
    }
    Store(dir)
}

fn inputs(s: &Store) -> TrustInputs {
    TrustInputs {
        notary_trust_store: Some(s.0.path().to_path_buf()),
        verification_time: Some(VERIFY_AT),
        ..Default::default()
    }
}

fn target() -> (Digest, Value) {
    let d = Digest::sha256_of(MANIFEST);
    let desc = json!({"mediaType": OCI_MANIFEST, "digest": d.to_string(), "size": 2});
    (d, desc)
}

fn failures(v: &Verification) -> Vec<&'static str> {
    v.failures().map(|f| f.requirement()).collect()
}

#[test]
fn a_good_signature_verifies_under_strict() {
    let pki = TestPki::new();
    let (d, t) = target();
    let s = store(&pki, None);
    let v = verify(&notary_jws(&pki, &t, NotaryVariant::Good), &d, &inputs(&s));
    assert!(v.verified(), "{:?}", v.results);
    assert_eq!(v.results.len(), 4);
}

#[test]
fn each_variant_breaks_its_requirement() {
    let pki = TestPki::new();
    let (d, t) = target();
    let s = store(&pki, None);
    let i = inputs(&s);
    assert_eq!(
        failures(&verify(
            &notary_jws(&pki, &t, NotaryVariant::UnknownCritical),
            &d,
            &i
        )),
        vec!["SIG-008"]
    );
    assert_eq!(
        failures(&verify(
            &notary_jws(&pki, &t, NotaryVariant::Expired),
            &d,
            &i
        )),
        vec!["SIG-009"]
    );
    assert_eq!(
        failures(&verify(
            &notary_jws(&pki, &t, NotaryVariant::WrongKey),
            &d,
            &i
        )),
        vec!["SIG-004"]
    );
    let other = Digest::sha256_of(b"other");
    assert_eq!(
        failures(&verify(
            &notary_jws(&pki, &t, NotaryVariant::Good),
            &other,
            &i
        )),
        vec!["SIG-003"]
    );
}

#[test]
fn policy_levels_decide_what_is_enforced() {
    let pki = TestPki::new();
    let (d, t) = target();
    let expired = notary_jws(&pki, &t, NotaryVariant::Expired);
    let permissive = store(&pki, Some("permissive"));
    let v = verify(&expired, &d, &inputs(&permissive));
    assert!(v.verified(), "{:?}", v.results);
    assert!(v.signer.unwrap().notes[0].contains("expired"));
    let audit = store(&pki, Some("audit"));
    let v = verify(&expired, &d, &inputs(&audit));
    assert!(v.verified());
    assert!(!v.results.iter().any(|(r, _)| *r == "SIG-009"));
    let skip = store(&pki, Some("skip"));
    let v = verify(&expired, &d, &inputs(&skip));
    assert!(matches!(
        v.failures().next(),
        Some(SigFailure::Undecided {
            requirement: "SIG-009",
            ..
        })
    ));
}

#[test]
fn an_untrusted_chain_or_missing_store_is_refused_or_undecided() {
    let pki = TestPki::new();
    let (d, t) = target();
    let jws = notary_jws(&pki, &t, NotaryVariant::Good);
    let empty = tempfile::tempdir().unwrap();
    let v = verify(
        &jws,
        &d,
        &TrustInputs {
            notary_trust_store: Some(empty.path().into()),
            ..Default::default()
        },
    );
    assert!(matches!(
        v.failures().next(),
        Some(SigFailure::Undecided {
            requirement: "SIG-009",
            ..
        })
    ));
    let v = verify(&jws, &d, &TrustInputs::default());
    assert!(matches!(
        v.failures().next(),
        Some(SigFailure::Undecided {
            requirement: "SIG-009",
            ..
        })
    ));
    // A store holding another CA.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("ca.pem"),
        crate::trust::keys::pem_encode("CERTIFICATE", &pki.fulcio_root_cert),
    )
    .unwrap();
    let v = verify(
        &jws,
        &d,
        &TrustInputs {
            notary_trust_store: Some(other.path().into()),
            verification_time: Some(VERIFY_AT),
            ..Default::default()
        },
    );
    assert_eq!(failures(&v), vec!["SIG-009"]);
}

#[test]
fn malformed_envelopes_break_sig_008() {
    let pki = TestPki::new();
    let (d, t) = target();
    let good: Value = serde_json::from_slice(&notary_jws(&pki, &t, NotaryVariant::Good)).unwrap();
    let protected: Value =
        serde_json::from_slice(&b64(good["protected"].as_str().unwrap()).unwrap()).unwrap();
    let with_protected = |edit: &dyn Fn(&mut Value)| {
        let mut p = protected.clone();
        edit(&mut p);
        let mut g = good.clone();
        g["protected"] = json!(crate::trust::codec::b64url_encode(
            &serde_json::to_vec(&p).unwrap()
        ));
        g
    };
    let cases = vec![
        json!([]),
        {
            let mut g = good.clone();
            g["signatures"] = json!([]);
            g
        },
        {
            let mut g = good.clone();
            g.as_object_mut().unwrap().remove("header");
            g
        },
        {
            let mut g = good.clone();
            g["header"]["x5c"] = json!(["AAAA"]);
            g
        },
        {
            let mut g = good.clone();
            g["protected"] = json!("!!");
            g
        },
        with_protected(&|p| p["alg"] = json!("none")),
        with_protected(&|p| p["alg"] = json!("ES384")),
        with_protected(&|p| p["alg"] = json!("PS256")),
        with_protected(&|p| p["cty"] = json!(JSON)),
        with_protected(&|p| p["crit"] = json!([])),
        with_protected(&|p| p["crit"] = json!([NOTARY_SIGNING_SCHEME, NOTARY_EXPIRY])),
        with_protected(&|p| p[NOTARY_SIGNING_SCHEME] = json!("notary.x509.signingAuthority")),
        with_protected(&|p| {
            p.as_object_mut().unwrap().remove(NOTARY_SIGNING_TIME);
        }),
        with_protected(&|p| p[NOTARY_SIGNING_TIME] = json!("yesterday")),
    ];
    let s = store(&pki, None);
    for (n, c) in cases.iter().enumerate() {
        let v = verify(&serde_json::to_vec(c).unwrap(), &d, &inputs(&s));
        assert_eq!(failures(&v), vec!["SIG-008"], "case {n}");
    }
}

#[test]
fn der_to_fixed_signature_conversion() {
    assert_eq!(
        ecdsa_der_to_fixed(&[0x30, 6, 2, 1, 5, 2, 1, 7], 2),
        Some(vec![0, 5, 0, 7])
    );
    assert_eq!(
        ecdsa_der_to_fixed(&[0x30, 7, 2, 2, 0, 0x85, 2, 1, 7], 1),
        Some(vec![0x85, 7])
    );
    assert_eq!(ecdsa_der_to_fixed(&[0x30, 5, 2, 1, 5], 2), None);
    assert_eq!(ecdsa_der_to_fixed(&[0x31, 0], 2), None);
    assert_eq!(
        ecdsa_der_to_fixed(&[0x30, 6, 2, 3, 1, 2, 3, 2, 1, 7][..], 2),
        None
    );
}

#[test]
fn es512_verifies_a_p521_fixed_width_signature_and_nothing_else() {
    let mut scalar = [0u8; 66];
    scalar[2..].copy_from_slice(&[0x5a; 64]);
    let key = crate::trust::keys::SigningKey::ecdsa_p521_from_seed(&scalar);
    let der = key.sign(b"header.payload");
    let fixed = ecdsa_der_to_fixed(&der, 66).unwrap();
    let spki = &key.public_key().spki_der;
    assert!(es512_verify(spki, b"header.payload", &fixed));
    assert!(!es512_verify(spki, b"header.payloaD", &fixed));
    assert!(!es512_verify(spki, b"header.payload", &fixed[..131]));
    let p256 = crate::trust::keys::SigningKey::ecdsa_p256_from_seed(&[4; 32]);
    assert!(!es512_verify(
        &p256.public_key().spki_der,
        b"header.payload",
        &fixed
    ));
}
