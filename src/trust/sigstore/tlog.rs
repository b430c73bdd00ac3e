//! Transparency log entries, verified offline: the canonicalized body records this signature,
//! the RFC 6962 audit path leads from the body to the proof's root hash, the checkpoint (a signed
//! note) commits to that root and is signed by the log's key, and the signed entry timestamp
//! (SET), when present, is the log's promise over the entry. Rekor v1 entries (hashedrekord,
//! dsse 0.0.1, intoto 0.0.2) and Rekor v2 entries (hashedrekord, dsse 0.0.2: a protobuf-JSON
//! body, no integrated time, no SET, a checkpoint signed in the signed note format) are read.

use super::bundle::TlogEntry;
use super::trusted_root::{Log, TrustedRoot};
use crate::trust::codec::{b64, b64_encode, hex, unhex};
use crate::trust::failure::{SigFailure, breaks, req};
use crate::trust::keys::Algorithm;
use crate::trust::merkle::{self, Hash};
use serde_json::Value;

/// What the body of the entry must record.
pub(crate) struct Expected<'a> {
    /// Hash-rekord entries: the sha256 of the signed artifact.
    pub artifact_sha256: Option<&'a [u8]>,
    /// DSSE entries: the envelope's payload type and payload.
    pub dsse_payload: Option<(&'a str, &'a [u8])>,
    pub signature: &'a [u8],
    /// DER of the signing certificate or the SubjectPublicKeyInfo of the key.
    pub verifier_der: &'a [u8],
}

/// The signed note text of a checkpoint and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Vec<u8>,
    pub text: String,
    /// (signer name, 4-byte key hint + signature)
    pub signatures: Vec<(String, Vec<u8>)>,
}

const EM_DASH: &str = "\u{2014} ";

impl Checkpoint {
    pub fn parse(envelope: &str) -> Result<Checkpoint, String> {
        let (text, sigs) = envelope
            .split_once("\n\n")
            .ok_or("the checkpoint has no blank line between note and signatures")?;
        let text = format!("{text}\n");
        let mut lines = text.lines();
        let origin = lines.next().unwrap_or_default().to_string();
        if origin.is_empty() {
            return Err("the checkpoint has no origin line".into());
        }
        let size = lines
            .next()
            .and_then(|l| l.parse().ok())
            .ok_or("the checkpoint's second line is not a tree size")?;
        let root = lines
            .next()
            .ok_or("the checkpoint has no root hash line")
            .and_then(|l| b64(l).map_err(|_| "the checkpoint's root hash is not base64"))?;
        let mut signatures = Vec::new();
        for line in sigs.lines().filter(|l| !l.is_empty()) {
            let rest = line
                .strip_prefix(EM_DASH)
                .ok_or("a checkpoint signature line does not start with an em dash")?;
            let (name, sig) = rest
                .rsplit_once(' ')
                .ok_or("a checkpoint signature line has no signature")?;
            let sig = b64(sig).map_err(|e| format!("checkpoint signature: {e}"))?;
            if sig.len() < 5 {
                return Err("a checkpoint signature is shorter than its key hint".into());
            }
            signatures.push((name.to_string(), sig));
        }
        if signatures.is_empty() {
            return Err("the checkpoint is not signed".into());
        }
        Ok(Checkpoint {
            origin,
            size,
            root,
            text,
            signatures,
        })
    }

    /// The checkpoint is signed by `log`: some signature line names the log's key (its key hint,
    /// computed as the Sigstore clients compute it) and verifies with that key. A line whose hint
    /// names another key (a witness, or a forger) is not tried.
    pub(crate) fn signed_by(&self, log: &Log) -> Result<(), SigFailure> {
        let mut candidates = self
            .signatures
            .iter()
            .filter(|(name, s)| s[..4] == key_hint(log, name))
            .peekable();
        if candidates.peek().is_none() {
            return Err(breaks(
                req::CHECKPOINT_KEY_HINT,
                format!(
                    "no signature line of the checkpoint carries the key hint of the log {} (the lines carry {})",
                    log.base_url,
                    self.signatures
                        .iter()
                        .map(|(n, s)| format!("{n} {}", hex(&s[..4])))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if candidates.any(|(_, s)| log.key.verify(self.text.as_bytes(), &s[4..])) {
            Ok(())
        } else {
            Err(breaks(
                req::CHECKPOINT_SIGNATURE,
                format!(
                    "the checkpoint's signature with the key hint of the log {} does not verify with the log's key",
                    log.base_url
                ),
            ))
        }
    }
}

/// The 4-byte key hint of a signed note signature: for Ed25519 the C2SP signed-note key ID
/// (`SHA-256(name || 0x0A || 0x01 || key)`), for ECDSA logs `SHA-256(DER SPKI)` (Rekor v1, and
/// Rekor v2's ECDSA keys as the rekor-tiles note signer writes them).
pub(crate) fn key_hint(log: &Log, name: &str) -> [u8; 4] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    match log.key.algorithm {
        Algorithm::Ed25519 => {
            let raw = &log.key.spki_der[log.key.spki_der.len().saturating_sub(32)..];
            h.update(name.as_bytes());
            h.update([b'\n', 0x01]);
            h.update(raw);
        }
        _ => h.update(&log.key.spki_der),
    }
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The canonical JSON (RFC 8785) the SET signs: keys sorted, no whitespace. The values are a
/// base64 string, integers and a hex string, so no escaping is needed.
pub(crate) fn set_payload(
    body: &[u8],
    integrated_time: i64,
    log_id: &[u8],
    log_index: u64,
) -> Vec<u8> {
    format!(
        "{{\"body\":\"{}\",\"integratedTime\":{integrated_time},\"logID\":\"{}\",\"logIndex\":{log_index}}}",
        b64_encode(body),
        hex(log_id)
    )
    .into_bytes()
}

fn pem_der(field: Option<&Value>) -> Option<Vec<u8>> {
    let pem = b64(field?.as_str()?).ok()?;
    let text = std::str::from_utf8(&pem).ok()?;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    b64(&body).ok()
}

fn b64_field(v: Option<&Value>) -> Option<Vec<u8>> {
    v.and_then(Value::as_str).and_then(|s| b64(s).ok())
}

/// A Rekor v2 verifier: `{"x509Certificate": {"rawBytes"}}` or `{"publicKey": {"rawBytes"}}`.
fn v2_verifier(v: Option<&Value>) -> Option<Vec<u8>> {
    let v = v?;
    b64_field(v.pointer("/x509Certificate/rawBytes"))
        .or_else(|| b64_field(v.pointer("/publicKey/rawBytes")))
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).to_vec()
}

/// Check that the body records this signature, digest and verifier.
fn body_matches(entry: &TlogEntry, want: &Expected<'_>) -> Result<(), String> {
    let body: Value = serde_json::from_slice(&entry.body)
        .map_err(|e| format!("the canonicalized body is not JSON: {e}"))?;
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or_default();
    let version = body
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != entry.kind || version != entry.version {
        return Err(format!(
            "the body is a {kind} {version} entry, but the bundle says {} {}",
            entry.kind, entry.version
        ));
    }
    let spec = body
        .get("spec")
        .ok_or("the canonicalized body has no spec")?;
    let same_sig = |got: Option<Vec<u8>>| got.as_deref() == Some(want.signature);
    let same_verifier = |got: Option<Vec<u8>>| got.as_deref() == Some(want.verifier_der);
    match (kind, version) {
        ("hashedrekord", "0.0.1") => {
            let digest = spec.pointer("/data/hash/value").and_then(Value::as_str);
            let want_digest = want.artifact_sha256.map(hex);
            if want_digest.is_none() || digest != want_digest.as_deref() {
                return Err(format!(
                    "the log entry records the digest {digest:?}, not the signed artifact's"
                ));
            }
            if !same_sig(b64_field(spec.pointer("/signature/content"))) {
                return Err("the log entry records another signature".into());
            }
            if !same_verifier(pem_der(spec.pointer("/signature/publicKey/content"))) {
                return Err("the log entry records another certificate or key".into());
            }
        }
        ("hashedrekord", "0.0.2") => {
            let spec = spec
                .get("hashedRekordV002")
                .ok_or("the body has no hashedRekordV002")?;
            // A DSSE envelope logged as hashedrekord records the digest of its PAE.
            let want_digest = match (want.artifact_sha256, want.dsse_payload) {
                (Some(d), None) => Some(d.to_vec()),
                (_, Some((t, p))) => Some(sha256(&crate::trust::dsse::pae(t, p))),
                (None, None) => None,
            };
            let algorithm = spec.pointer("/data/algorithm").and_then(Value::as_str);
            let digest = b64_field(spec.pointer("/data/digest"));
            if algorithm != Some("SHA2_256") || want_digest.is_none() || digest != want_digest {
                return Err(format!(
                    "the log entry records the {} digest {}, not the signed content's SHA2_256",
                    algorithm.unwrap_or("unnamed"),
                    digest.as_deref().map(hex).unwrap_or_default()
                ));
            }
            if !same_sig(b64_field(spec.pointer("/signature/content"))) {
                return Err("the log entry records another signature".into());
            }
            if !same_verifier(v2_verifier(spec.pointer("/signature/verifier"))) {
                return Err("the log entry records another certificate or key".into());
            }
        }
        ("dsse", "0.0.1") | ("dsse", "0.0.2") | ("intoto", "0.0.2") => {
            let (_, payload) = want
                .dsse_payload
                .ok_or("a DSSE log entry for a message signature")?;
            let digest = sha256(payload);
            let (got, recorded): (Option<Vec<u8>>, &[Value]) = match kind {
                "dsse" if version == "0.0.2" => (
                    spec.pointer("/dsseV002/payloadHash")
                        .filter(|h| h.get("algorithm").and_then(Value::as_str) == Some("SHA2_256"))
                        .and_then(|h| b64_field(h.get("digest"))),
                    spec.pointer("/dsseV002/signatures")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                ),
                "dsse" => (
                    spec.pointer("/payloadHash/value")
                        .and_then(Value::as_str)
                        .and_then(|h| unhex(h).ok()),
                    spec.get("signatures")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                ),
                _ => (
                    spec.pointer("/content/payloadHash/value")
                        .and_then(Value::as_str)
                        .and_then(|h| unhex(h).ok()),
                    spec.pointer("/content/envelope/signatures")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                ),
            };
            if got.as_deref() != Some(digest.as_slice()) {
                return Err("the log entry records another DSSE payload hash".into());
            }
            let found = recorded.iter().any(|s| match (kind, version) {
                ("dsse", "0.0.2") => {
                    same_sig(b64_field(s.get("content")))
                        && same_verifier(v2_verifier(s.get("verifier")))
                }
                ("dsse", _) => {
                    same_sig(b64_field(s.get("signature")))
                        && same_verifier(pem_der(s.get("verifier")))
                }
                // intoto 0.0.2 records the signature base64-encoded twice.
                _ => {
                    same_sig(
                        b64_field(s.get("sig"))
                            .and_then(|b| String::from_utf8(b).ok())
                            .and_then(|t| b64(&t).ok()),
                    ) && same_verifier(pem_der(s.get("publicKey")))
                }
            });
            if !found {
                return Err("the log entry records another DSSE signature or verifier".into());
            }
        }
        (other, v) => {
            return Err(format!(
                "log entry kind {other:?} version {v:?} is not one this suite reads"
            ));
        }
    }
    Ok(())
}

fn hash32(bytes: &[u8], what: &str) -> Result<Hash, String> {
    bytes
        .try_into()
        .map_err(|_| format!("{what} is {} bytes, not 32", bytes.len()))
}

/// What a verified entry vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    /// The integrated time, when a signed entry timestamp vouches for it (a bare
    /// `integratedTime` is not signed and is never a verified time).
    pub time: Option<i64>,
    /// The log's base URL.
    pub log: String,
}

/// Verify one entry. Failures name SIG-007, or SIG-016/SIG-017 for the checkpoint's signature.
pub(crate) fn verify_entry(
    entry: &TlogEntry,
    root: &TrustedRoot,
    want: &Expected<'_>,
) -> Result<Verified, SigFailure> {
    let tlog = |m: String| breaks(req::TLOG, m);
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        tlog(format!(
            "log ID {} names no transparency log of the trusted root",
            b64_encode(&entry.log_id)
        ))
    })?;
    if let Some(t) = entry.integrated_time
        && !log.valid.contains(t)
    {
        return Err(tlog(format!(
            "the log's key was not valid at the integrated time {}",
            crate::trust::codec::to_rfc3339(t)
        )));
    }
    body_matches(entry, want).map_err(tlog)?;
    let v2 = entry.version == "0.0.2" && entry.kind != "intoto";
    if v2 && entry.proof.is_none() {
        return Err(tlog("a Rekor v2 entry carries no inclusion proof".into()));
    }
    if entry.proof.is_none() && entry.set.is_none() {
        return Err(tlog(
            "the entry has neither an inclusion proof nor a signed entry timestamp".into(),
        ));
    }
    if let Some(proof) = &entry.proof {
        let leaf = merkle::leaf_hash(&entry.body);
        let path = proof
            .hashes
            .iter()
            .map(|h| hash32(h, "an audit path hash"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(tlog)?;
        let root_hash = hash32(&proof.root_hash, "the root hash").map_err(tlog)?;
        merkle::verify_inclusion(proof.log_index, proof.tree_size, &leaf, &path, &root_hash)
            .map_err(|e| tlog(format!("inclusion proof: {e}")))?;
        let cp = proof
            .checkpoint
            .as_deref()
            .ok_or("the inclusion proof has no checkpoint")
            .and_then(|c| Checkpoint::parse(c).map_err(|_| "the checkpoint is malformed"))
            .map_err(|m| tlog(m.into()))?;
        if cp.size != proof.tree_size || cp.root != proof.root_hash {
            return Err(tlog(format!(
                "the checkpoint commits to tree size {} and another root, not the proof's {}",
                cp.size, proof.tree_size
            )));
        }
        // A Rekor v2 log names itself by the host of its base URL (the clients' rule).
        if v2 && log.origin().is_some_and(|o| o != cp.origin) {
            return Err(tlog(format!(
                "the checkpoint's origin {:?} is not the log's name {:?}",
                cp.origin,
                log.origin().unwrap_or_default()
            )));
        }
        cp.signed_by(log)?;
    }
    let mut time = None;
    if let Some(set) = &entry.set {
        let t = entry.integrated_time.ok_or_else(|| {
            tlog("the entry has a signed entry timestamp but no integrated time".into())
        })?;
        let payload = set_payload(&entry.body, t, &entry.log_id, entry.log_index);
        if !log.key.verify(&payload, set) {
            return Err(tlog(
                "the signed entry timestamp does not verify with the log's key".into(),
            ));
        }
        time = Some(t);
    }
    Ok(Verified {
        time,
        log: log.base_url.clone(),
    })
}
