//! TEST-ONLY trust material: a Fulcio-like certificate authority, a Rekor-like transparency log,
//! a CT log key, a plain signing key, a Notary CA and an OMS key — all derived from fixed seeds,
//! so the fixture generator and the unit tests make the same bytes every time. The private keys
//! are public by construction (their seeds are in this file): nothing signed with them proves
//! anything outside this test suite.

use super::codec::{b64_encode, hex};
use super::der::CertSpec;
use super::keys::{SigningKey, pem_encode};
use super::merkle;
use super::sigstore::tlog::set_payload;
use crate::vocabulary::{
    IN_TOTO, NOTARY_EXPIRY, NOTARY_PAYLOAD, NOTARY_SIGNING_AGENT, NOTARY_SIGNING_SCHEME,
    NOTARY_SIGNING_TIME, SIGSTORE_BUNDLE_V03, SIGSTORE_TRUSTED_ROOT_V01,
};
use serde_json::{Value, json};
use sha2::Digest as _;

/// The verification time fixtures pin (`verificationTime` of `fixtures/v1.0/trust/policy.json`):
/// 2025-01-02T00:00:00Z.
pub const VERIFY_AT: i64 = 1_735_776_000;
/// When fixtures were "signed" and logged: an hour earlier.
pub const SIGNED_AT: i64 = VERIFY_AT - 3_600;
/// When the test-only certificate authorities become valid: a day before that.
pub const T0: i64 = SIGNED_AT - 86_400;
/// The identity and OIDC issuer of the test-only keyless signer.
pub const IDENTITY: &str = "signer@test-only.invalid";
pub const ISSUER: &str = "https://oidc.test-only.invalid";
pub(crate) const ORG: &str = "ai-interop test-only";
const REKOR_ORIGIN: &str = "rekor.test-only.invalid - 1";

pub(crate) fn seed(label: &str) -> [u8; 32] {
    sha2::Sha256::digest(format!("ai-interop test-only key: {label}").as_bytes()).into()
}

/// Every test-only key and certificate authority.
pub struct TestPki {
    pub fulcio_root: SigningKey,
    pub fulcio_intermediate: SigningKey,
    pub fulcio_root_cert: Vec<u8>,
    pub fulcio_intermediate_cert: Vec<u8>,
    pub rekor: SigningKey,
    pub ctlog: SigningKey,
    /// The keyless signer's ephemeral key (certified by the intermediate).
    pub keyless: SigningKey,
    /// The key of key-based bundles and legacy cosign signatures (`--key`).
    pub key: SigningKey,
    pub notary_ca: SigningKey,
    pub notary_ca_cert: Vec<u8>,
    pub notary_leaf: SigningKey,
    pub oms: SigningKey,
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}

/// How a keyless certificate deviates from the good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertVariant {
    Good,
    WrongIdentity,
    /// Expired before the entry was integrated.
    Expired,
    /// No embedded SCT.
    NoSct,
    /// An embedded SCT whose signature does not verify.
    BadSct,
    /// Certifies a secp256k1 key, an algorithm the contract does not profile (SIG-020).
    UnsupportedKey,
}

impl TestPki {
    pub fn new() -> TestPki {
        let fulcio_root = SigningKey::ed25519_from_seed(&seed("fulcio root"));
        let fulcio_intermediate = SigningKey::ed25519_from_seed(&seed("fulcio intermediate"));
        let ten_years = T0 + 10 * 365 * 86_400;
        let fulcio_root_cert = CertSpec {
            serial: 1,
            issuer: (ORG, "test-only Fulcio root"),
            subject: (ORG, "test-only Fulcio root"),
            not_before: T0,
            not_after: ten_years,
            spki: &fulcio_root.public_key().spki_der,
            ca: true,
            san: None,
            oidc_issuer: None,
        }
        .build(&fulcio_root);
        let fulcio_intermediate_cert = CertSpec {
            serial: 2,
            issuer: (ORG, "test-only Fulcio root"),
            subject: (ORG, "test-only Fulcio intermediate"),
            not_before: T0,
            not_after: ten_years,
            spki: &fulcio_intermediate.public_key().spki_der,
            ca: true,
            san: None,
            oidc_issuer: None,
        }
        .build(&fulcio_root);
        let notary_ca = SigningKey::ecdsa_p256_from_seed(&seed("notary ca"));
        let notary_ca_cert = CertSpec {
            serial: 3,
            issuer: (ORG, "test-only Notary CA"),
            subject: (ORG, "test-only Notary CA"),
            not_before: T0,
            not_after: ten_years,
            spki: &notary_ca.public_key().spki_der,
            ca: true,
            san: None,
            oidc_issuer: None,
        }
        .build(&notary_ca);
        TestPki {
            fulcio_root,
            fulcio_intermediate,
            fulcio_root_cert,
            fulcio_intermediate_cert,
            rekor: SigningKey::ed25519_from_seed(&seed("rekor")),
            ctlog: SigningKey::ed25519_from_seed(&seed("ct log")),
            keyless: SigningKey::ed25519_from_seed(&seed("keyless signer")),
            key: SigningKey::ed25519_from_seed(&seed("signing key")),
            notary_ca,
            notary_ca_cert,
            notary_leaf: SigningKey::ecdsa_p256_from_seed(&seed("notary leaf")),
            oms: SigningKey::ecdsa_p256_from_seed(&seed("oms")),
        }
    }

    /// The keyless signer's certificate, valid ten minutes around `SIGNED_AT`.
    pub fn keyless_cert(&self, variant: CertVariant) -> Vec<u8> {
        let (from, to) = match variant {
            CertVariant::Expired => (SIGNED_AT - 1_200, SIGNED_AT - 600),
            _ => (SIGNED_AT - 300, SIGNED_AT + 300),
        };
        let san = match variant {
            CertVariant::WrongIdentity => "someone-else@test-only.invalid",
            _ => IDENTITY,
        };
        let spec = CertSpec {
            serial: 100,
            issuer: (ORG, "test-only Fulcio intermediate"),
            subject: (ORG, ""),
            not_before: from,
            not_after: to,
            spki: &match variant {
                CertVariant::UnsupportedKey => secp256k1_spki(),
                _ => self.keyless.public_key().spki_der.clone(),
            },
            ca: false,
            san: Some(san),
            oidc_issuer: Some(ISSUER),
        };
        let precert = spec.build(&self.fulcio_intermediate);
        if variant == CertVariant::NoSct {
            return precert;
        }
        // Fulcio embeds the CT log's SCT over the precertificate (this TBS without the SCT).
        let sct = super::testpki_sigstore::sct_extension(
            self,
            &super::testpki_sigstore::tbs_of(&precert),
            &self.fulcio_intermediate.public_key().spki_der,
            variant == CertVariant::BadSct,
        );
        spec.build_with(&self.fulcio_intermediate, &[sct])
    }

    /// The Notary signing certificate, valid for a year from `T0`.
    pub fn notary_leaf_cert(&self) -> Vec<u8> {
        CertSpec {
            serial: 200,
            issuer: (ORG, "test-only Notary CA"),
            subject: (ORG, "test-only Notary signer"),
            not_before: T0,
            not_after: T0 + 365 * 86_400,
            spki: &self.notary_leaf.public_key().spki_der,
            ca: false,
            san: None,
            oidc_issuer: None,
        }
        .build(&self.notary_ca)
    }

    pub fn rekor_log_id(&self) -> Vec<u8> {
        sha2::Sha256::digest(&self.rekor.public_key().spki_der).to_vec()
    }

    /// The test-only `trusted_root.json`.
    pub fn trusted_root_json(&self) -> Vec<u8> {
        let start = super::codec::to_rfc3339(T0 - 86_400);
        let log = |k: &SigningKey, url: &str| {
            json!({
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": b64_encode(&k.public_key().spki_der),
                    "keyDetails": "PKIX_ED25519",
                    "validFor": {"start": start},
                },
                "logId": {"keyId": b64_encode(&sha2::Sha256::digest(&k.public_key().spki_der))},
            })
        };
        let mut root = json!({
            "mediaType": SIGSTORE_TRUSTED_ROOT_V01,
            "tlogs": [log(&self.rekor, "https://rekor.test-only.invalid")],
            "certificateAuthorities": [{
                "subject": {"organization": ORG, "commonName": "test-only Fulcio"},
                "uri": "https://fulcio.test-only.invalid",
                "certChain": {"certificates": [
                    {"rawBytes": b64_encode(&self.fulcio_intermediate_cert)},
                    {"rawBytes": b64_encode(&self.fulcio_root_cert)},
                ]},
                "validFor": {"start": start},
            }],
            "ctlogs": [log(&self.ctlog, "https://ctfe.test-only.invalid")],
            "timestampAuthorities": [],
        });
        super::testpki_sigstore::extend_trusted_root(&mut root, &start);
        pretty(&root)
    }

    /// The files of `fixtures/v1.0/trust/`: everything a consumer passes on the command line.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            ("test-only-trusted-root.json", self.trusted_root_json()),
            (
                "test-only-signing-key.pub",
                self.key.public_key_pem().into_bytes(),
            ),
            (
                "test-only-oms-key.pub",
                self.oms.public_key_pem().into_bytes(),
            ),
            (
                "test-only-notary-trust-store/test-only-notary-ca.pem",
                pem_encode("CERTIFICATE", &self.notary_ca_cert).into_bytes(),
            ),
        ]
    }
}

/// A well-formed SubjectPublicKeyInfo of a secp256k1 key (the curve's generator point): parsed,
/// then refused as an algorithm the contract does not profile.
pub fn secp256k1_spki() -> Vec<u8> {
    use super::der::{bits, oid, seq};
    let g = "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
    let point = super::codec::unhex(g).expect("hex");
    seq(&[
        seq(&[oid("1.2.840.10045.2.1"), oid("1.3.132.0.10")]),
        bits(&point),
    ])
}

/// Pretty JSON with a trailing newline.
pub fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("JSON serializes");
    out.push(b'\n');
    out
}

/// What a bundle signs and how it deviates from a good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleVariant {
    Good,
    /// The DSSE payload (or the signed message) changed after signing.
    TamperedPayload,
    /// A flipped byte in the audit path.
    BadInclusionProof,
    /// The DSSE envelope carries two signatures.
    TwoSignatures,
    Cert(CertVariant),
}

/// The signed content of a bundle.
pub enum Signs<'a> {
    /// A message signature over these bytes (the manifest).
    Message(&'a [u8]),
    /// A DSSE envelope over this in-toto Statement.
    Statement(&'a Value),
}

/// Build a bundle: keyless (certificate + transparency log entry) or with `key`'s public key.
pub fn bundle(
    pki: &TestPki,
    signs: Signs<'_>,
    key: Option<&SigningKey>,
    variant: BundleVariant,
) -> Vec<u8> {
    let cert_variant = match variant {
        BundleVariant::Cert(c) => c,
        _ => CertVariant::Good,
    };
    let signer = key.unwrap_or(&pki.keyless);
    let cert = pki.keyless_cert(cert_variant);
    let verifier_pem = match key {
        Some(k) => k.public_key_pem(),
        None => pem_encode("CERTIFICATE", &cert),
    };
    let (content, signature, body) = match signs {
        Signs::Message(bytes) => {
            let digest = sha2::Sha256::digest(bytes);
            let sig = signer.sign(bytes);
            let body = json!({
                "apiVersion": "0.0.1",
                "kind": "hashedrekord",
                "spec": {
                    "data": {"hash": {"algorithm": "sha256", "value": hex(&digest)}},
                    "signature": {
                        "content": b64_encode(&sig),
                        "publicKey": {"content": b64_encode(verifier_pem.as_bytes())},
                    },
                },
            });
            // A tampered message: the signature no longer matches the bytes it claims.
            let mut shown = sig.clone();
            if variant == BundleVariant::TamperedPayload {
                let last = shown.len() - 1;
                shown[last] ^= 1;
            }
            let content = json!({"messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64_encode(&digest)},
                "signature": b64_encode(&shown),
            }});
            (content, sig, body)
        }
        Signs::Statement(statement) => {
            let payload = serde_json::to_vec(statement).expect("statement serializes");
            let env = super::dsse::Envelope::sign(IN_TOTO, payload.clone(), signer);
            let sig = env.signatures[0].sig.clone();
            let mut wire: Value = serde_json::from_slice(&env.to_json()).expect("envelope JSON");
            wire["signatures"][0]["keyid"] = json!("");
            if variant == BundleVariant::TamperedPayload {
                // Still a Statement about the same subject, but not the bytes that were signed.
                let mut tampered = statement.clone();
                tampered["predicate"]["tampered"] = json!(true);
                let tampered = serde_json::to_vec(&tampered).expect("statement serializes");
                wire["payload"] = json!(b64_encode(&tampered));
            }
            if variant == BundleVariant::TwoSignatures {
                let extra = wire["signatures"][0].clone();
                wire["signatures"]
                    .as_array_mut()
                    .expect("array")
                    .push(extra);
            }
            let body = json!({
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {"algorithm": "sha256", "value": hex(&sha2::Sha256::digest(env.to_json()))},
                    "payloadHash": {"algorithm": "sha256", "value": hex(&sha2::Sha256::digest(&payload))},
                    "signatures": [{
                        "signature": b64_encode(&sig),
                        "verifier": b64_encode(verifier_pem.as_bytes()),
                    }],
                },
            });
            (json!({"dsseEnvelope": wire}), sig, body)
        }
    };
    let _ = signature;
    let mut material = match key {
        Some(k) => {
            json!({"publicKey": {"hint": b64_encode(&sha2::Sha256::digest(&k.public_key().spki_der))}})
        }
        None => json!({"certificate": {"rawBytes": b64_encode(&cert)}}),
    };
    if key.is_none() {
        material["tlogEntries"] = json!([tlog_entry(pki, &body, variant)]);
    }
    let mut bundle = json!({"mediaType": SIGSTORE_BUNDLE_V03, "verificationMaterial": material});
    for (k, v) in content.as_object().expect("object") {
        bundle[k] = v.clone();
    }
    pretty(&bundle)
}

/// A transparency log entry for `body` at index 5 of an 8-leaf test-only log.
fn tlog_entry(pki: &TestPki, body_json: &Value, variant: BundleVariant) -> Value {
    let body = serde_json::to_vec(body_json).expect("body serializes");
    const INDEX: usize = 5;
    let mut leaves: Vec<merkle::Hash> = (0..8)
        .map(|i| merkle::leaf_hash(format!("test-only log entry {i}").as_bytes()))
        .collect();
    leaves[INDEX] = merkle::leaf_hash(&body);
    let root = merkle::root(&leaves);
    let mut path = merkle::audit_path(INDEX, &leaves);
    if variant == BundleVariant::BadInclusionProof {
        path[0][0] ^= 1;
    }
    let text = format!("{REKOR_ORIGIN}\n{}\n{}\n", leaves.len(), b64_encode(&root));
    // The signed-note key hint of an Ed25519 log (the signature line's name is the log's host).
    let hint = &{
        let spki = &pki.rekor.public_key().spki_der;
        let mut h = sha2::Sha256::new();
        h.update(b"rekor.test-only.invalid\n\x01");
        h.update(&spki[spki.len() - 32..]);
        h.finalize()
    }[..4];
    let sig = [hint, &pki.rekor.sign(text.as_bytes())].concat();
    let checkpoint = format!(
        "{text}\n\u{2014} rekor.test-only.invalid {}\n",
        b64_encode(&sig)
    );
    let log_index = 1000 + INDEX as u64;
    let log_id = pki.rekor_log_id();
    let set = pki
        .rekor
        .sign(&set_payload(&body, SIGNED_AT, &log_id, log_index));
    json!({
        "logIndex": log_index.to_string(),
        "logId": {"keyId": b64_encode(&log_id)},
        "kindVersion": {"kind": body_json["kind"], "version": body_json["apiVersion"]},
        "integratedTime": SIGNED_AT.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": b64_encode(&set)},
        "inclusionProof": {
            "logIndex": INDEX.to_string(),
            "rootHash": b64_encode(&root),
            "treeSize": leaves.len().to_string(),
            "hashes": path.iter().map(|h| b64_encode(h)).collect::<Vec<_>>(),
            "checkpoint": {"envelope": checkpoint},
        },
        "canonicalizedBody": b64_encode(&body),
    })
}

/// How a Notary signature deviates from a good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotaryVariant {
    Good,
    /// `crit` lists a header this profile does not understand.
    UnknownCritical,
    /// The signature's expiry passed before `VERIFY_AT`.
    Expired,
    /// Signed by a key the certificate does not certify.
    WrongKey,
}

/// A Notary JWS signature of `target` (an OCI descriptor of the manifest).
pub fn notary_jws(pki: &TestPki, target: &Value, variant: NotaryVariant) -> Vec<u8> {
    use super::codec::b64url_encode;
    let mut protected = json!({
        "alg": "ES256",
        "crit": [NOTARY_SIGNING_SCHEME],
        "cty": NOTARY_PAYLOAD,
        NOTARY_SIGNING_SCHEME: "notary.x509",
        NOTARY_SIGNING_TIME: super::codec::to_rfc3339(SIGNED_AT),
    });
    match variant {
        NotaryVariant::UnknownCritical => {
            protected["crit"] = json!([NOTARY_SIGNING_SCHEME, "io.example.test-only.unknown"]);
            protected["io.example.test-only.unknown"] = json!("x");
        }
        NotaryVariant::Expired => {
            protected["crit"] = json!([NOTARY_SIGNING_SCHEME, NOTARY_EXPIRY]);
            protected[NOTARY_EXPIRY] = json!(super::codec::to_rfc3339(SIGNED_AT + 60));
        }
        _ => {}
    }
    let protected = b64url_encode(&serde_json::to_vec(&protected).expect("JSON"));
    let payload =
        b64url_encode(&serde_json::to_vec(&json!({"targetArtifact": target})).expect("JSON"));
    let signer = match variant {
        NotaryVariant::WrongKey => &pki.oms,
        _ => &pki.notary_leaf,
    };
    let der = signer.sign(format!("{protected}.{payload}").as_bytes());
    let sig = super::notary::ecdsa_der_to_fixed(&der, 32).expect("a P-256 DER signature");
    pretty(&json!({
        "payload": payload,
        "protected": protected,
        "header": {
            "x5c": [b64_encode(&pki.notary_leaf_cert()), b64_encode(&pki.notary_ca_cert)],
            NOTARY_SIGNING_AGENT: "ai-interop test-only fixture generator",
        },
        "signature": b64url_encode(&sig),
    }))
}

/// The `io.cncf.notary.x509chain.thumbprint#S256` annotation of the Notary signature.
pub fn notary_thumbprints(pki: &TestPki) -> String {
    let tp = |c: &[u8]| hex(&sha2::Sha256::digest(c)).to_uppercase();
    serde_json::to_string(&[tp(&pki.notary_leaf_cert()), tp(&pki.notary_ca_cert)]).expect("JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_trust_material_is_what_the_seeds_make() {
        let root = crate::fixtures::fixtures_root().join("trust");
        for (name, bytes) in TestPki::new().files() {
            let committed = std::fs::read(root.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e} (run `cargo run -- fixtures generate`)"));
            assert!(
                committed == bytes,
                "{name} differs from what the seeds make"
            );
        }
    }

    #[test]
    fn material_is_deterministic_and_within_the_pinned_time() {
        let (a, b) = (TestPki::new(), TestPki::new());
        assert_eq!(a.trusted_root_json(), b.trusted_root_json());
        assert_eq!(a.notary_leaf_cert(), b.notary_leaf_cert());
        const { assert!(T0 < SIGNED_AT && SIGNED_AT < VERIFY_AT) };
        assert_eq!(
            super::super::codec::to_rfc3339(VERIFY_AT),
            "2025-01-02T00:00:00Z"
        );
    }
}
