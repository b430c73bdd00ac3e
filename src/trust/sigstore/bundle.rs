//! The Sigstore bundle (v0.1–v0.3) as plain data: verification material, transparency log
//! entries and the signed content. Parsing checks the shape SIG-002 asks for; nothing here
//! verifies a signature.

use crate::trust::codec::b64;
use crate::trust::dsse::Envelope;
use crate::vocabulary::SIGSTORE_BUNDLE_MEDIA_TYPES;
use serde_json::Value;

/// What verifies the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Material {
    /// A public key the consumer must supply; the hint is kept for reports only.
    PublicKey { hint: Option<String> },
    /// The signing certificate first, then any chain the bundle carries.
    Certificates(Vec<Vec<u8>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A signature over the artifact bytes, with the digest the signer stated.
    Message {
        algorithm: String,
        digest: Vec<u8>,
        signature: Vec<u8>,
    },
    Dsse(Envelope),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InclusionProof {
    pub log_index: u64,
    pub root_hash: Vec<u8>,
    pub tree_size: u64,
    pub hashes: Vec<Vec<u8>>,
    pub checkpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlogEntry {
    pub log_index: u64,
    pub log_id: Vec<u8>,
    pub kind: String,
    pub version: String,
    /// Rekor v1 entries state the time the log integrated them; Rekor v2 entries do not.
    pub integrated_time: Option<i64>,
    pub set: Option<Vec<u8>>,
    pub proof: Option<InclusionProof>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bundle {
    pub media_type: String,
    pub material: Material,
    pub tlog_entries: Vec<TlogEntry>,
    /// `timestampVerificationData.rfc3161Timestamps[].signedTimestamp`: DER TimeStampResp.
    pub timestamps: Vec<Vec<u8>>,
    pub content: Content,
}

/// Protobuf JSON writes 64-bit integers as strings; accept both forms.
fn int(v: Option<&Value>, at: &str) -> Result<i64, String> {
    match v {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("{at} is not an integer"))
}

fn uint(v: Option<&Value>, at: &str) -> Result<u64, String> {
    let n = int(v, at)?;
    u64::try_from(n).map_err(|_| format!("{at} is negative ({n})"))
}

fn bytes(v: Option<&Value>, at: &str) -> Result<Vec<u8>, String> {
    let s = v
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at} is missing"))?;
    b64(s).map_err(|e| format!("{at}: {e}"))
}

fn raw_certs(list: Option<&Value>, at: &str) -> Result<Vec<Vec<u8>>, String> {
    let list = list
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{at} is not an array"))?;
    if list.is_empty() {
        return Err(format!("{at} is empty"));
    }
    list.iter()
        .enumerate()
        .map(|(i, c)| bytes(c.get("rawBytes"), &format!("{at}[{i}].rawBytes")))
        .collect()
}

fn tlog_entry(e: &Value, i: usize) -> Result<TlogEntry, String> {
    let at = format!("tlogEntries[{i}]");
    let proof = match e.get("inclusionProof") {
        None | Some(Value::Null) => None,
        Some(p) => {
            let pat = format!("{at}.inclusionProof");
            Some(InclusionProof {
                log_index: uint(p.get("logIndex"), &format!("{pat}.logIndex"))?,
                root_hash: bytes(p.get("rootHash"), &format!("{pat}.rootHash"))?,
                tree_size: uint(p.get("treeSize"), &format!("{pat}.treeSize"))?,
                hashes: p
                    .get("hashes")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(j, h)| bytes(Some(h), &format!("{pat}.hashes[{j}]")))
                    .collect::<Result<_, _>>()?,
                checkpoint: p
                    .pointer("/checkpoint/envelope")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        }
    };
    Ok(TlogEntry {
        log_index: uint(e.get("logIndex"), &format!("{at}.logIndex"))?,
        log_id: bytes(e.pointer("/logId/keyId"), &format!("{at}.logId.keyId"))?,
        kind: e
            .pointer("/kindVersion/kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        version: e
            .pointer("/kindVersion/version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        integrated_time: match e.get("integratedTime") {
            // Protobuf JSON omits zero values: a Rekor v2 entry has no integrated time.
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s == "0" => None,
            Some(Value::Number(n)) if n.as_i64() == Some(0) => None,
            t => Some(int(t, &format!("{at}.integratedTime"))?),
        },
        set: e
            .pointer("/inclusionPromise/signedEntryTimestamp")
            .map(|v| bytes(Some(v), &format!("{at}.inclusionPromise")))
            .transpose()?,
        proof,
        body: bytes(
            e.get("canonicalizedBody"),
            &format!("{at}.canonicalizedBody"),
        )?,
    })
}

impl Bundle {
    /// Parse and check the shape: one media type, one kind of material, one content, a DSSE
    /// envelope with exactly one signature.
    pub fn parse(bytes_in: &[u8]) -> Result<Bundle, String> {
        let v: Value = serde_json::from_slice(bytes_in).map_err(|e| format!("not JSON: {e}"))?;
        let media_type = v
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !SIGSTORE_BUNDLE_MEDIA_TYPES.contains(&media_type.as_str()) {
            return Err(format!(
                "mediaType {media_type:?} is not a Sigstore bundle media type"
            ));
        }
        let vm = v
            .get("verificationMaterial")
            .filter(|m| m.is_object())
            .ok_or("verificationMaterial is missing")?;
        let kinds: Vec<&str> = ["publicKey", "x509CertificateChain", "certificate"]
            .into_iter()
            .filter(|k| vm.get(*k).is_some_and(|x| !x.is_null()))
            .collect();
        let material = match kinds.as_slice() {
            ["publicKey"] => Material::PublicKey {
                hint: vm
                    .pointer("/publicKey/hint")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            },
            ["x509CertificateChain"] => Material::Certificates(raw_certs(
                vm.pointer("/x509CertificateChain/certificates"),
                "verificationMaterial.x509CertificateChain.certificates",
            )?),
            ["certificate"] => Material::Certificates(vec![bytes(
                vm.pointer("/certificate/rawBytes"),
                "verificationMaterial.certificate.rawBytes",
            )?]),
            [] => return Err("verificationMaterial has no public key or certificate".into()),
            more => {
                return Err(format!(
                    "verificationMaterial has {} kinds: {more:?}",
                    more.len()
                ));
            }
        };
        let tlog_entries = vm
            .get("tlogEntries")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, e)| tlog_entry(e, i))
            .collect::<Result<Vec<_>, _>>()?;
        let timestamps = vm
            .pointer("/timestampVerificationData/rfc3161Timestamps")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                bytes(
                    t.get("signedTimestamp"),
                    &format!("timestampVerificationData.rfc3161Timestamps[{i}].signedTimestamp"),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let content = match (v.get("messageSignature"), v.get("dsseEnvelope")) {
            (Some(m), None) => Content::Message {
                algorithm: m
                    .pointer("/messageDigest/algorithm")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                digest: bytes(
                    m.pointer("/messageDigest/digest"),
                    "messageSignature.messageDigest.digest",
                )?,
                signature: bytes(m.get("signature"), "messageSignature.signature")?,
            },
            (None, Some(d)) => {
                let env = Envelope::from_value(d).map_err(|e| format!("dsseEnvelope: {e}"))?;
                if env.signatures.len() != 1 {
                    return Err(format!(
                        "the DSSE envelope carries {} signatures; a bundle's carries exactly one",
                        env.signatures.len()
                    ));
                }
                Content::Dsse(env)
            }
            (Some(_), Some(_)) => {
                return Err("the bundle has both messageSignature and dsseEnvelope".into());
            }
            (None, None) => {
                return Err("the bundle has neither messageSignature nor dsseEnvelope".into());
            }
        };
        Ok(Bundle {
            media_type,
            material,
            tlog_entries,
            timestamps,
            content,
        })
    }

    /// The signature bytes, whichever the content.
    pub fn signature(&self) -> &[u8] {
        match &self.content {
            Content::Message { signature, .. } => signature,
            Content::Dsse(env) => &env.signatures[0].sig,
        }
    }
}
