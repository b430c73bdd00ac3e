//! Transparency log entries, verified offline: the canonicalized body records this signature,
//! the RFC 6962 audit path leads from the body to the proof's root hash, the checkpoint (a signed
//! note) commits to that root and is signed by the log's key, and the signed entry timestamp
//! (SET), when present, is the log's promise over the entry.

use super::bundle::TlogEntry;
use super::trusted_root::TrustedRoot;
use crate::trust::codec::{b64, b64_encode, hex};
use crate::trust::keys::PublicKey;
use crate::trust::merkle::{self, Hash};
use serde_json::Value;

/// What the body of the entry must record.
pub struct Expected<'a> {
    /// Hash-rekord entries: the sha256 of the signed artifact.
    pub artifact_sha256: Option<&'a [u8]>,
    /// DSSE entries: the envelope's payload.
    pub dsse_payload: Option<&'a [u8]>,
    pub signature: &'a [u8],
    /// DER of the signing certificate or the SubjectPublicKeyInfo of the key.
    pub verifier_der: &'a [u8],
}

/// The signed note text of a checkpoint and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
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

    /// Some signature verifies with `key` (the key hint is not trusted: every signature is tried).
    pub fn signed_by(&self, key: &PublicKey) -> bool {
        self.signatures
            .iter()
            .any(|(_, s)| key.verify(self.text.as_bytes(), &s[4..]))
    }
}

/// The canonical JSON (RFC 8785) the SET signs: keys sorted, no whitespace. The values are a
/// base64 string, integers and a hex string, so no escaping is needed.
pub fn set_payload(body: &[u8], integrated_time: i64, log_id: &[u8], log_index: u64) -> Vec<u8> {
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

/// Check that the body records this signature, digest and verifier.
fn body_matches(entry: &TlogEntry, want: &Expected<'_>) -> Result<(), String> {
    let body: Value = serde_json::from_slice(&entry.body)
        .map_err(|e| format!("the canonicalized body is not JSON: {e}"))?;
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or_default();
    let spec = body
        .get("spec")
        .ok_or("the canonicalized body has no spec")?;
    match kind {
        "hashedrekord" => {
            let digest = spec.pointer("/data/hash/value").and_then(Value::as_str);
            let want_digest = want.artifact_sha256.map(hex);
            if want_digest.is_none() || digest != want_digest.as_deref() {
                return Err(format!(
                    "the log entry records the digest {digest:?}, not the signed artifact's"
                ));
            }
            let sig = spec
                .pointer("/signature/content")
                .and_then(Value::as_str)
                .and_then(|s| b64(s).ok());
            if sig.as_deref() != Some(want.signature) {
                return Err("the log entry records another signature".into());
            }
            if pem_der(spec.pointer("/signature/publicKey/content")).as_deref()
                != Some(want.verifier_der)
            {
                return Err("the log entry records another certificate or key".into());
            }
        }
        "dsse" => {
            use sha2::Digest as _;
            let payload = want
                .dsse_payload
                .ok_or("a dsse log entry for a message signature")?;
            let got = spec.pointer("/payloadHash/value").and_then(Value::as_str);
            if got != Some(hex(&sha2::Sha256::digest(payload)).as_str()) {
                return Err("the log entry records another DSSE payload hash".into());
            }
            let recorded = spec
                .get("signatures")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let found = recorded.iter().any(|s| {
                s.get("signature")
                    .and_then(Value::as_str)
                    .and_then(|x| b64(x).ok())
                    .as_deref()
                    == Some(want.signature)
                    && pem_der(s.get("verifier")).as_deref() == Some(want.verifier_der)
            });
            if !found {
                return Err("the log entry records another DSSE signature or verifier".into());
            }
        }
        other => {
            return Err(format!(
                "log entry kind {other:?} is not one this suite reads"
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

/// Verify one entry. Returns the integrated time.
pub fn verify_entry(
    entry: &TlogEntry,
    root: &TrustedRoot,
    want: &Expected<'_>,
) -> Result<i64, String> {
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        format!(
            "log ID {} names no transparency log of the trusted root",
            b64_encode(&entry.log_id)
        )
    })?;
    if !log.valid.contains(entry.integrated_time) {
        return Err(format!(
            "the log's key was not valid at the integrated time {}",
            crate::trust::codec::to_rfc3339(entry.integrated_time)
        ));
    }
    body_matches(entry, want)?;
    if entry.proof.is_none() && entry.set.is_none() {
        return Err("the entry has neither an inclusion proof nor a signed entry timestamp".into());
    }
    if let Some(proof) = &entry.proof {
        let leaf = merkle::leaf_hash(&entry.body);
        let path = proof
            .hashes
            .iter()
            .map(|h| hash32(h, "an audit path hash"))
            .collect::<Result<Vec<_>, _>>()?;
        let root_hash = hash32(&proof.root_hash, "the root hash")?;
        merkle::verify_inclusion(proof.log_index, proof.tree_size, &leaf, &path, &root_hash)
            .map_err(|e| format!("inclusion proof: {e}"))?;
        let cp = proof
            .checkpoint
            .as_deref()
            .ok_or("the inclusion proof has no checkpoint")
            .and_then(|c| Checkpoint::parse(c).map_err(|_| "the checkpoint is malformed"))?;
        if cp.size != proof.tree_size || cp.root != proof.root_hash {
            return Err(format!(
                "the checkpoint commits to tree size {} and another root, not the proof's {}",
                cp.size, proof.tree_size
            ));
        }
        if !cp.signed_by(&log.key) {
            return Err("the checkpoint is not signed by the log's key".into());
        }
    }
    if let Some(set) = &entry.set {
        let payload = set_payload(
            &entry.body,
            entry.integrated_time,
            &entry.log_id,
            entry.log_index,
        );
        if !log.key.verify(&payload, set) {
            return Err("the signed entry timestamp does not verify with the log's key".into());
        }
    }
    Ok(entry.integrated_time)
}
