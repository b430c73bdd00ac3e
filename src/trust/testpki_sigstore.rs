//! TEST-ONLY Sigstore material of today's infrastructure, next to [`super::testpki`]: a Rekor v2
//! log (Ed25519, checkpoints in the signed note format, no integrated time, no SET), an RFC 3161
//! timestamp authority (its own CA, a leaf marked for time stamping), embedded SCTs from the
//! test-only CT log, and the keyless Rekor v2 bundles of the fixtures with one negative per rule.
//! Everything is Ed25519 and derived from fixed seeds, so regeneration is byte-for-byte stable.

use super::codec::b64_encode;
use super::der::{self, CertSpec};
use super::keys::SigningKey;
use super::merkle;
use super::testpki::{CertVariant, ORG, SIGNED_AT, Signs, T0, TestPki, pretty, seed};
use crate::vocabulary::{IN_TOTO, SIGSTORE_BUNDLE_V03};
use serde_json::{Value, json};
use sha2::Digest as _;

/// The Rekor v2 log's name: the host of its base URL, as the clients derive it.
pub const REKOR_V2_ORIGIN: &str = "log2025-1.rekor.test-only.invalid";
pub const TSA_URI: &str = "https://timestamp.test-only.invalid/api/v1/timestamp";
/// The timestamp authority's validity window in the trusted root starts here (its certificates
/// are valid a day earlier, so a timestamp between the two is outside the window only).
pub const TSA_WINDOW_START: i64 = T0;
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";

pub fn rekor_v2_key() -> SigningKey {
    SigningKey::ed25519_from_seed(&seed("rekor v2"))
}

pub fn tsa_key() -> SigningKey {
    SigningKey::ed25519_from_seed(&seed("tsa"))
}

fn tsa_root_key() -> SigningKey {
    SigningKey::ed25519_from_seed(&seed("tsa root"))
}

fn ed25519_raw(k: &SigningKey) -> Vec<u8> {
    let spki = &k.public_key().spki_der;
    spki[spki.len() - 32..].to_vec()
}

/// The log ID of the Rekor v2 log: its C2SP signed-note key ID, in full.
pub fn rekor_v2_log_id() -> Vec<u8> {
    let mut h = sha2::Sha256::new();
    h.update(REKOR_V2_ORIGIN.as_bytes());
    h.update([b'\n', 0x01]);
    h.update(ed25519_raw(&rekor_v2_key()));
    h.finalize().to_vec()
}

/// The TSA's chain: its signing certificate (extendedKeyUsage timeStamping, critical) and root.
pub fn tsa_chain() -> (Vec<u8>, Vec<u8>) {
    let (root, leaf) = (tsa_root_key(), tsa_key());
    let window = (T0 - 2 * 86_400, T0 + 10 * 365 * 86_400);
    let root_cert = CertSpec {
        serial: 10,
        issuer: (ORG, "test-only TSA root"),
        subject: (ORG, "test-only TSA root"),
        not_before: window.0,
        not_after: window.1,
        spki: &root.public_key().spki_der,
        ca: true,
        san: None,
        oidc_issuer: None,
    }
    .build(&root);
    let eku = der::extension(
        "2.5.29.37",
        true,
        &der::seq(&[der::oid("1.3.6.1.5.5.7.3.8")]),
    );
    let leaf_cert = CertSpec {
        serial: 11,
        issuer: (ORG, "test-only TSA root"),
        subject: (ORG, "test-only TSA"),
        not_before: window.0,
        not_after: window.1,
        spki: &leaf.public_key().spki_der,
        ca: false,
        san: None,
        oidc_issuer: None,
    }
    .build_with(&root, &[eku]);
    (leaf_cert, root_cert)
}

/// Add the Rekor v2 log and the timestamp authority to a test-only trusted root.
pub fn extend_trusted_root(root: &mut Value, start: &str) {
    let (leaf, tsa_root) = tsa_chain();
    if let Some(tlogs) = root["tlogs"].as_array_mut() {
        tlogs.push(json!({
            "baseUrl": format!("https://{REKOR_V2_ORIGIN}"),
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64_encode(&rekor_v2_key().public_key().spki_der),
                "keyDetails": "PKIX_ED25519",
                "validFor": {"start": start},
            },
            "logId": {"keyId": b64_encode(&rekor_v2_log_id())},
        }));
    }
    root["timestampAuthorities"] = json!([{
        "subject": {"organization": ORG, "commonName": "test-only TSA"},
        "uri": TSA_URI,
        "certChain": {"certificates": [
            {"rawBytes": b64_encode(&leaf)},
            {"rawBytes": b64_encode(&tsa_root)},
        ]},
        "validFor": {"start": super::codec::to_rfc3339(TSA_WINDOW_START)},
    }]);
}

/// The embedded SCT list extension for a certificate whose TBS (without this extension) is
/// `precert_tbs`, issued by the key `issuer_spki`, signed by the test-only CT log.
pub fn sct_extension(pki: &TestPki, precert_tbs: &[u8], issuer_spki: &[u8], bad: bool) -> Vec<u8> {
    let timestamp_ms = ((SIGNED_AT - 310) * 1000) as u64;
    let mut signed = vec![0u8, 0u8];
    signed.extend_from_slice(&timestamp_ms.to_be_bytes());
    signed.extend_from_slice(&[0, 1]);
    signed.extend_from_slice(&sha2::Sha256::digest(issuer_spki));
    signed.extend_from_slice(&(precert_tbs.len() as u32).to_be_bytes()[1..]);
    signed.extend_from_slice(precert_tbs);
    signed.extend_from_slice(&[0, 0]);
    let mut sig = pki.ctlog.sign(&signed);
    if bad {
        let last = sig.len() - 1;
        sig[last] ^= 1;
    }
    let mut sct = vec![0u8];
    sct.extend_from_slice(&sha2::Sha256::digest(&pki.ctlog.public_key().spki_der));
    sct.extend_from_slice(&timestamp_ms.to_be_bytes());
    sct.extend_from_slice(&[0, 0]); // no extensions
    sct.extend_from_slice(&[4, 7]); // SHA-256, Ed25519
    sct.extend_from_slice(&(sig.len() as u16).to_be_bytes());
    sct.extend_from_slice(&sig);
    let mut list = (sct.len() as u16 + 2).to_be_bytes().to_vec();
    list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
    list.extend_from_slice(&sct);
    der::extension(
        super::sigstore::sct::OID_SCT_LIST,
        false,
        &der::octets(&list),
    )
}

/// The TBS of a DER certificate.
pub fn tbs_of(cert: &[u8]) -> Vec<u8> {
    use super::asn1;
    let (c, _) = asn1::read(cert).expect("a DER certificate");
    let (tbs, _) = asn1::read(c.content).expect("a TBSCertificate");
    tbs.raw.to_vec()
}

/// How an RFC 3161 timestamp deviates from a good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampVariant {
    Good,
    /// A flipped bit in the TSA's signature.
    BadSignature,
    /// The message imprint is the hash of other bytes than the bundle's signature.
    ImprintOverOtherBytes,
    /// Dated before the authority's validity window in the trusted root.
    OutsideWindow,
}

/// A DER TimeStampResp (granted) whose token stamps `signature`.
pub fn timestamp(signature: &[u8], variant: TimestampVariant) -> Vec<u8> {
    use der::{explicit, octets, oid, seq, set, tlv, uint};
    let stamped: &[u8] = match variant {
        TimestampVariant::ImprintOverOtherBytes => b"other bytes than the signature",
        _ => signature,
    };
    let at = match variant {
        TimestampVariant::OutsideWindow => TSA_WINDOW_START - 3_600,
        _ => SIGNED_AT + 1,
    };
    let gen_time = chrono::DateTime::from_timestamp(at, 0)
        .expect("time in range")
        .format("%Y%m%d%H%M%SZ")
        .to_string();
    let tst_info = seq(&[
        uint(1),
        oid("1.3.6.1.4.1.57264.99.1"),
        seq(&[
            seq(&[oid(OID_SHA256)]),
            octets(&sha2::Sha256::digest(stamped)),
        ]),
        uint(1000 + at as u64),
        tlv(0x18, gen_time.as_bytes()),
    ]);
    let attrs = [
        seq(&[oid("1.2.840.113549.1.9.3"), set(&[oid(OID_TST_INFO)])]),
        seq(&[
            oid("1.2.840.113549.1.9.4"),
            set(&[octets(&sha2::Sha256::digest(&tst_info))]),
        ]),
    ]
    .concat();
    let mut sig = tsa_key().sign(&tlv(0x31, &attrs));
    if variant == TimestampVariant::BadSignature {
        let last = sig.len() - 1;
        sig[last] ^= 1;
    }
    let (leaf, _) = tsa_chain();
    let signer_info = seq(&[
        uint(1),
        seq(&[der::name(ORG, "test-only TSA root"), uint(11)]),
        seq(&[oid(OID_SHA256)]),
        tlv(0xa0, &attrs),
        seq(&[oid(OID_ED25519)]),
        octets(&sig),
    ]);
    let signed_data = seq(&[
        uint(3),
        set(&[seq(&[oid(OID_SHA256)])]),
        seq(&[oid(OID_TST_INFO), explicit(0, &octets(&tst_info))]),
        tlv(0xa0, &leaf),
        set(&[signer_info]),
    ]);
    let token = seq(&[oid("1.2.840.113549.1.7.2"), explicit(0, &signed_data)]);
    seq(&[seq(&[uint(0)]), token])
}

/// How a keyless Rekor v2 bundle deviates from a good one (one rule each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum V2Variant {
    Good,
    Timestamp(TimestampVariant),
    /// No RFC 3161 timestamp: a Rekor v2 entry carries no time, so nothing verified says when.
    NoTimestamp,
    /// The checkpoint's signature line carries a Rekor v1-style key hint (SHA-256 of the SPKI).
    CheckpointKeyHint,
    /// A flipped bit in the checkpoint's signature.
    BadCheckpointSignature,
    /// The bundle's chain carries the Fulcio root.
    RootInChain,
    Cert(CertVariant),
}

/// A Rekor v2 entry for `body` at index 2 of a 5-leaf test-only log.
fn rekor_v2_entry(body: &Value, kind: &str, variant: V2Variant) -> Value {
    let body = serde_json::to_vec(body).expect("body serializes");
    const INDEX: usize = 2;
    let mut leaves: Vec<merkle::Hash> = (0..5)
        .map(|i| merkle::leaf_hash(format!("test-only v2 log entry {i}").as_bytes()))
        .collect();
    leaves[INDEX] = merkle::leaf_hash(&body);
    let root = merkle::root(&leaves);
    let path = merkle::audit_path(INDEX, &leaves);
    let key = rekor_v2_key();
    let text = format!(
        "{REKOR_V2_ORIGIN}\n{}\n{}\n",
        leaves.len(),
        b64_encode(&root)
    );
    let hint = match variant {
        V2Variant::CheckpointKeyHint => {
            sha2::Sha256::digest(&key.public_key().spki_der)[..4].to_vec()
        }
        _ => rekor_v2_log_id()[..4].to_vec(),
    };
    let mut sig = [hint, key.sign(text.as_bytes())].concat();
    if variant == V2Variant::BadCheckpointSignature {
        let last = sig.len() - 1;
        sig[last] ^= 1;
    }
    let checkpoint = format!("{text}\n\u{2014} {REKOR_V2_ORIGIN} {}\n", b64_encode(&sig));
    json!({
        "logIndex": INDEX.to_string(),
        "logId": {"keyId": b64_encode(&rekor_v2_log_id())},
        "kindVersion": {"kind": kind, "version": "0.0.2"},
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

/// A keyless bundle logged in the Rekor v2 log and timestamped by the test-only TSA: a message
/// signature logged as hashedrekord 0.0.2, or a DSSE envelope logged as dsse 0.0.2.
pub fn bundle_v2(pki: &TestPki, signs: Signs<'_>, variant: V2Variant) -> Vec<u8> {
    let cert = pki.keyless_cert(match variant {
        V2Variant::Cert(c) => c,
        _ => CertVariant::Good,
    });
    let verifier =
        json!({"keyDetails": "PKIX_ED25519", "x509Certificate": {"rawBytes": b64_encode(&cert)}});
    let (content, sig, kind, body) = match signs {
        Signs::Message(bytes) => {
            let digest = sha2::Sha256::digest(bytes);
            let sig = pki.keyless.sign(bytes);
            let body = json!({
                "apiVersion": "0.0.2",
                "kind": "hashedrekord",
                "spec": {"hashedRekordV002": {
                    "data": {"algorithm": "SHA2_256", "digest": b64_encode(&digest)},
                    "signature": {"content": b64_encode(&sig), "verifier": verifier},
                }},
            });
            let content = json!({"messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": b64_encode(&digest)},
                "signature": b64_encode(&sig),
            }});
            (content, sig, "hashedrekord", body)
        }
        Signs::Statement(statement) => {
            let payload = serde_json::to_vec(statement).expect("statement serializes");
            let env = super::dsse::Envelope::sign(IN_TOTO, payload.clone(), &pki.keyless);
            let sig = env.signatures[0].sig.clone();
            let mut wire: Value = serde_json::from_slice(&env.to_json()).expect("envelope JSON");
            wire["signatures"][0]["keyid"] = json!("");
            let body = json!({
                "apiVersion": "0.0.2",
                "kind": "dsse",
                "spec": {"dsseV002": {
                    "payloadHash": {"algorithm": "SHA2_256", "digest": b64_encode(&sha2::Sha256::digest(&payload))},
                    "signatures": [{"content": b64_encode(&sig), "verifier": verifier}],
                }},
            });
            (json!({"dsseEnvelope": wire}), sig, "dsse", body)
        }
    };
    let mut material = match variant {
        V2Variant::RootInChain => json!({"x509CertificateChain": {"certificates": [
            {"rawBytes": b64_encode(&cert)},
            {"rawBytes": b64_encode(&pki.fulcio_intermediate_cert)},
            {"rawBytes": b64_encode(&pki.fulcio_root_cert)},
        ]}}),
        _ => json!({"certificate": {"rawBytes": b64_encode(&cert)}}),
    };
    material["tlogEntries"] = json!([rekor_v2_entry(&body, kind, variant)]);
    let stamp = match variant {
        V2Variant::NoTimestamp => None,
        V2Variant::Timestamp(t) => Some(t),
        _ => Some(TimestampVariant::Good),
    };
    if let Some(t) = stamp {
        material["timestampVerificationData"] = json!({"rfc3161Timestamps": [
            {"signedTimestamp": b64_encode(&timestamp(&sig, t))},
        ]});
    }
    let mut bundle = json!({"mediaType": SIGSTORE_BUNDLE_V03, "verificationMaterial": material});
    for (k, v) in content.as_object().expect("object") {
        bundle[k] = v.clone();
    }
    pretty(&bundle)
}
