//! The signature checks over in-memory artifacts and referrers made with the test-only PKI.

use super::*;
use crate::digest::Digest;
use crate::document::Document;
use crate::evidence::{EvidenceBlob, Referrer};
use crate::fixtures::testpki::{
    BundleVariant, IDENTITY, ISSUER, NotaryVariant, Signs, TestPki, VERIFY_AT, bundle, notary_jws,
};
use crate::model::Status;
use crate::trust::codec::b64_encode;
use crate::trust::inputs::{Loaded, TrustInputs};
use crate::vocabulary::{
    COSIGN_PAYLOAD, COSIGN_SIGNATURE_ANNOTATION, FILEPATH, IN_TOTO_STATEMENT_V01,
    IN_TOTO_STATEMENT_V1, MODEL_WEIGHT_RAW, NOTARY_COSE, NOTARY_JWS, NOTARY_SIGNATURE, OCI_CONFIG,
    OCI_EMPTY, OCI_MANIFEST, SIGSTORE_BUNDLE_V03, SLSA_PROVENANCE_V1, SPDX_JSON,
};
use serde_json::json;
use std::collections::BTreeMap;

const WEIGHTS: &[u8] = b"test-only weights";

fn manifest() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "layers": [{
            "mediaType": MODEL_WEIGHT_RAW,
            "digest": Digest::sha256_of(WEIGHTS).to_string(),
            "size": WEIGHTS.len(),
            "annotations": {FILEPATH: "model.safetensors"},
        }],
    }))
    .unwrap()
}

struct Fx {
    pki: TestPki,
    _store: tempfile::TempDir,
    trust: TrustInputs,
}

fn fx() -> Fx {
    let pki = TestPki::new();
    let store = tempfile::tempdir().unwrap();
    for (name, bytes) in pki.files() {
        if let Some(n) = name.strip_prefix("test-only-notary-trust-store/") {
            std::fs::write(store.path().join(n), bytes).unwrap();
        }
    }
    let trust = TrustInputs {
        trusted_root: Some(Loaded {
            path: "root.json".into(),
            value: pki.trusted_root_json(),
        }),
        keys: vec![
            Loaded {
                path: "key.pub".into(),
                value: pki.key.public_key().clone(),
            },
            Loaded {
                path: "oms.pub".into(),
                value: pki.oms.public_key().clone(),
            },
        ],
        notary_trust_store: Some(store.path().to_path_buf()),
        identity: Some(IDENTITY.into()),
        issuer: Some(ISSUER.into()),
        verification_time: Some(VERIFY_AT),
        ..Default::default()
    };
    Fx {
        pki,
        _store: store,
        trust,
    }
}

fn referrer(
    artifact_type: &str,
    blobs: Vec<(&str, Vec<u8>, BTreeMap<String, String>)>,
    via: Via,
) -> Referrer {
    let manifest = b"{}".to_vec();
    Referrer {
        via,
        descriptor: json!({}),
        digest: Digest::sha256_of(
            &[
                artifact_type.as_bytes(),
                &blobs.first().map(|b| b.1.clone()).unwrap_or_default(),
            ]
            .concat(),
        ),
        artifact_type: Some(artifact_type.into()),
        manifest: Document::from_bytes(manifest),
        annotations: BTreeMap::new(),
        blobs: blobs
            .into_iter()
            .enumerate()
            .map(|(index, (mt, bytes, annotations))| EvidenceBlob {
                index,
                media_type: mt.into(),
                digest: Digest::sha256_of(&bytes).to_string(),
                size: bytes.len() as u64,
                annotations,
                content: Ok(Document::from_bytes(bytes)),
            })
            .collect(),
    }
}

fn bundle_ref(bytes: Vec<u8>) -> Referrer {
    referrer(
        SIGSTORE_BUNDLE_V03,
        vec![(SIGSTORE_BUNDLE_V03, bytes, BTreeMap::new())],
        Via::LayoutIndex,
    )
}

fn artifact(referrers: Vec<Referrer>, trust: TrustInputs) -> crate::checks::OwnedContext {
    let bytes = manifest();
    let artifact = Artifact {
        target: "test".into(),
        layout: None,
        manifest_digest: Digest::sha256_of(&bytes),
        manifest: Document::from_bytes(bytes),
        config: None,
        layers: Vec::new(),
        bundle: None,
        evidence: Some(EvidenceFacts {
            referrers,
            ..Default::default()
        }),
        index: None,
    };
    crate::checks::OwnedContext { artifact, trust }
}

fn run(a: &crate::checks::OwnedContext) -> Marks {
    let mut m = Marks::default();
    (CHECKS[0].run)(&a.context(), &mut m);
    m
}

fn outcomes(m: &Marks) -> BTreeMap<&'static str, Status> {
    ALL.iter().map(|r| (*r, m.outcome(r))).collect()
}

fn oms_bundle(f: &Fx, digest: &str) -> Vec<u8> {
    let st = oms::make_statement("model", &[("model.safetensors".into(), digest.into())]);
    bundle(
        &f.pki,
        Signs::Statement(&st),
        Some(&f.pki.oms),
        BundleVariant::Good,
    )
}

#[test]
fn every_kind_of_good_signature_passes_what_it_reaches() {
    let f = fx();
    let d = Digest::sha256_of(&manifest());
    let target =
        json!({"mediaType": OCI_MANIFEST, "digest": d.to_string(), "size": manifest().len()});
    let a = artifact(
        vec![
            bundle_ref(bundle(
                &f.pki,
                Signs::Message(&manifest()),
                None,
                BundleVariant::Good,
            )),
            referrer(
                NOTARY_SIGNATURE,
                vec![(
                    NOTARY_JWS,
                    notary_jws(&f.pki, &target, NotaryVariant::Good),
                    BTreeMap::new(),
                )],
                Via::LayoutIndex,
            ),
            bundle_ref(oms_bundle(&f, Digest::sha256_of(WEIGHTS).encoded())),
            // Today's Sigstore: Rekor v2 and an RFC 3161 timestamp (SIG-013, SIG-014).
            bundle_ref(crate::fixtures::testpki::sigstore::bundle_v2(
                &f.pki,
                Signs::Message(&manifest()),
                crate::fixtures::testpki::sigstore::V2Variant::Good,
            )),
        ],
        f.trust.clone(),
    );
    let m = run(&a);
    for (r, s) in outcomes(&m).into_iter().filter(|(r, _)| *r != "SIG-021") {
        assert_eq!(s, Status::Pass, "{r}: {:?}", m.marks);
    }
    // Every requirement was looked at: an explicit pass, not an implicit one. SIG-021 (OMS
    // private-PKI certificates) is proven with real model_signing output in tests/it/oms_real_tools.rs.
    for r in ALL.iter().filter(|r| **r != "SIG-021") {
        assert!(
            m.marks
                .iter()
                .any(|x| x.requirement == *r && x.status == Status::Pass),
            "{r}"
        );
    }
}

#[test]
fn no_signature_fails_sig_001_and_leaves_the_rest_not_applicable() {
    let f = fx();
    let sbom = referrer(
        SPDX_JSON,
        vec![(SPDX_JSON, b"{}".to_vec(), BTreeMap::new())],
        Via::LayoutIndex,
    );
    let m = run(&artifact(vec![sbom], f.trust.clone()));
    let o = outcomes(&m);
    assert_eq!(o["SIG-001"], Status::Fail);
    for r in &ALL[1..] {
        assert_eq!(o[r], Status::NotApplicable, "{r}");
    }
}

#[test]
fn discovery_missing_or_failed_is_an_error_everywhere() {
    let f = fx();
    let mut a = artifact(vec![], f.trust.clone());
    a.evidence = None;
    assert!(outcomes(&run(&a)).values().all(|s| *s == Status::Error));
    a.evidence = Some(EvidenceFacts {
        error: Some("registry hung up".into()),
        ..Default::default()
    });
    let m = run(&a);
    assert!(outcomes(&m).values().all(|s| *s == Status::Error));
    assert!(m.marks[0].message.contains("registry hung up"));
}

#[test]
fn missing_trust_inputs_are_errors_not_passes() {
    let f = fx();
    let a = artifact(
        vec![bundle_ref(bundle(
            &f.pki,
            Signs::Message(&manifest()),
            None,
            BundleVariant::Good,
        ))],
        TrustInputs::default(),
    );
    let o = outcomes(&run(&a));
    assert_eq!(o["SIG-001"], Status::Pass);
    assert_eq!(
        o["SIG-004"],
        Status::Pass,
        "the certificate's key needs no input"
    );
    for r in ["SIG-005", "SIG-006", "SIG-007"] {
        assert_eq!(o[r], Status::Error, "{r}");
    }
}

#[test]
fn a_tampered_signature_fails_only_sig_004() {
    let f = fx();
    let st = json!({"_type": IN_TOTO_STATEMENT_V1, "subject": [{"name": "m", "digest": {"sha256": Digest::sha256_of(&manifest()).encoded()}}], "predicateType": "https://example.test/v1"});
    let a = artifact(
        vec![bundle_ref(bundle(
            &f.pki,
            Signs::Statement(&st),
            Some(&f.pki.key),
            BundleVariant::TamperedPayload,
        ))],
        f.trust.clone(),
    );
    let o = outcomes(&run(&a));
    let failing: Vec<_> = o
        .iter()
        .filter(|(_, s)| **s == Status::Fail)
        .map(|(r, _)| *r)
        .collect();
    assert_eq!(failing, vec!["SIG-004"]);
}

/// `cosign attest` (v3.1.3) signs an in-toto Statement v0.1 in its bundle; SIG-002 refused every
/// artifact that carried one until the bundle verifier read v0.1 Statements, whose subject binds
/// the manifest digest like v1's. A payload that is no Statement still fails SIG-002.
#[test]
fn a_cosign_attest_statement_v0_1_bundle_is_well_formed() {
    let f = fx();
    let digest = Digest::sha256_of(&manifest());
    let statement = |t: &str| {
        json!({"_type": t, "subject": [{"name": "m", "digest": {"sha256": digest.encoded()}}],
            "predicateType": SLSA_PROVENANCE_V1, "predicate": {}})
    };
    let judge = |st: &serde_json::Value| {
        let b = bundle(
            &f.pki,
            Signs::Statement(st),
            Some(&f.pki.key),
            BundleVariant::Good,
        );
        outcomes(&run(&artifact(vec![bundle_ref(b)], f.trust.clone())))
    };
    let o = judge(&statement(IN_TOTO_STATEMENT_V01));
    for r in ["SIG-002", "SIG-003", "SIG-004"] {
        assert_eq!(o[r], Status::Pass, "{r}");
    }
    let o = judge(&statement("https://in-toto.io/Statement/v2"));
    assert_eq!(o["SIG-002"], Status::Fail);
}

#[test]
fn a_badly_shaped_bundle_referrer_fails_sig_002() {
    let f = fx();
    let good = bundle(
        &f.pki,
        Signs::Message(&manifest()),
        None,
        BundleVariant::Good,
    );
    let two = referrer(
        SIGSTORE_BUNDLE_V03,
        vec![
            (SIGSTORE_BUNDLE_V03, good.clone(), BTreeMap::new()),
            (SIGSTORE_BUNDLE_V03, good.clone(), BTreeMap::new()),
        ],
        Via::LayoutIndex,
    );
    let ghcr = referrer(
        OCI_EMPTY,
        vec![(SIGSTORE_BUNDLE_V03, good, BTreeMap::new())],
        Via::LayoutIndex,
    );
    for r in [two, ghcr] {
        let o = outcomes(&run(&artifact(vec![r], f.trust.clone())));
        assert_eq!(o["SIG-002"], Status::Fail);
        assert_eq!(o["SIG-001"], Status::Pass);
    }
    let mut unreadable = bundle_ref(b"x".to_vec());
    unreadable.blobs[0].content = Err("blob absent".into());
    assert_eq!(
        outcomes(&run(&artifact(vec![unreadable], f.trust.clone())))["SIG-002"],
        Status::Fail
    );
}

#[test]
fn legacy_only_signatures_fail_the_should_and_verify() {
    let f = fx();
    let d = Digest::sha256_of(&manifest());
    let payload = cosign::make_payload(&d);
    let ann = BTreeMap::from([(
        COSIGN_SIGNATURE_ANNOTATION.to_string(),
        b64_encode(&f.pki.key.sign(&payload)),
    )]);
    let legacy = referrer(
        OCI_CONFIG,
        vec![(COSIGN_PAYLOAD, payload, ann)],
        Via::LegacySignatureTag(cosign::tag(&d)),
    );
    let o = outcomes(&run(&artifact(vec![legacy], f.trust.clone())));
    assert_eq!(o["SIG-001"], Status::Pass);
    assert_eq!(o["SIG-003"], Status::Pass);
    assert_eq!(o["SIG-004"], Status::Pass);
    assert_eq!(o["SIG-012"], Status::Fail);
}

#[test]
fn oms_alone_is_not_a_signature_of_the_manifest_and_its_bridge_is_checked() {
    let f = fx();
    let a = artifact(
        vec![bundle_ref(oms_bundle(&f, &"ab".repeat(32)))],
        f.trust.clone(),
    );
    let o = outcomes(&run(&a));
    assert_eq!(o["SIG-001"], Status::Fail);
    assert_eq!(o["SIG-010"], Status::Pass);
    assert_eq!(o["SIG-011"], Status::Fail);
    assert_eq!(o["SIG-003"], Status::NotApplicable);
}

#[test]
fn notary_cose_is_undecided_and_a_layerless_notary_manifest_fails() {
    let f = fx();
    let cose = referrer(
        NOTARY_SIGNATURE,
        vec![(NOTARY_COSE, vec![0xd2], BTreeMap::new())],
        Via::LayoutIndex,
    );
    assert_eq!(
        outcomes(&run(&artifact(vec![cose], f.trust.clone())))["SIG-008"],
        Status::Error
    );
    let empty = referrer(NOTARY_SIGNATURE, vec![], Via::LayoutIndex);
    assert_eq!(
        outcomes(&run(&artifact(vec![empty], f.trust.clone())))["SIG-008"],
        Status::Fail
    );
}

/// Statuses follow the requirement text: SIG-010 says the Statement's signature verifies as
/// SIG-004 says, so a model signature that does not verify leaves SIG-010 and SIG-011 undecided
/// (`error`), never `pass`.
#[test]
fn a_broken_oms_signature_does_not_pass_sig_010_or_sig_011() {
    let f = fx();
    let st = oms::make_statement(
        "model",
        &[(
            "model.safetensors".into(),
            Digest::sha256_of(WEIGHTS).encoded().into(),
        )],
    );
    let stranger = crate::trust::keys::SigningKey::ed25519_from_seed(&[99; 32]);
    let b = bundle(
        &f.pki,
        Signs::Statement(&st),
        Some(&stranger),
        BundleVariant::Good,
    );
    let m = run(&artifact(vec![bundle_ref(b)], f.trust.clone()));
    let o = outcomes(&m);
    assert_eq!(o["SIG-004"], Status::Fail, "{:?}", m.marks);
    assert_eq!(o["SIG-010"], Status::Error, "{:?}", m.marks);
    assert_eq!(o["SIG-011"], Status::Error, "{:?}", m.marks);
}

/// SIG-005 judges the chain at the log's integrated time; a keyless bundle without a log entry
/// has none, so SIG-005 is undecided (`error`), not `not-applicable`, and SIG-007 fails.
#[test]
fn a_keyless_bundle_without_a_log_entry_leaves_sig_005_undecided() {
    let f = fx();
    let mut b: Value = serde_json::from_slice(&bundle(
        &f.pki,
        Signs::Message(&manifest()),
        None,
        BundleVariant::Good,
    ))
    .unwrap();
    b["verificationMaterial"]["tlogEntries"] = json!([]);
    let m = run(&artifact(
        vec![bundle_ref(serde_json::to_vec(&b).unwrap())],
        f.trust.clone(),
    ));
    let o = outcomes(&m);
    assert_eq!(o["SIG-007"], Status::Fail, "{:?}", m.marks);
    assert_eq!(o["SIG-005"], Status::Error, "{:?}", m.marks);
}

/// A trusted key of an algorithm the suite does not verify is a finding (SIG-020 fails; SIG-004
/// does not reach the signature), where it used to be a usage error with no report at all.
#[test]
fn an_unsupported_trusted_key_is_a_sig_020_finding() {
    let f = fx();
    let mut trust = f.trust.clone();
    trust.keys.clear();
    trust.unsupported_keys.push(crate::trust::inputs::Loaded {
        path: "k1.pub".into(),
        value: "EC curve 1.3.132.0.10".into(),
    });
    let m = run(&artifact(
        vec![bundle_ref(oms_bundle(
            &f,
            Digest::sha256_of(WEIGHTS).encoded(),
        ))],
        trust,
    ));
    let o = outcomes(&m);
    assert_eq!(o["SIG-020"], Status::Fail, "{:?}", m.marks);
    assert_eq!(o["SIG-004"], Status::NotApplicable, "{:?}", m.marks);
    assert_eq!(o["SIG-010"], Status::Error, "{:?}", m.marks);
}
