//! The Sigstore trusted root (`trusted_root.json`): the certificate authorities, transparency logs
//! and CT logs a consumer trusts, each with its validity window. Read from a local file only.

use crate::trust::codec::{b64, rfc3339};
use crate::trust::keys::PublicKey;
use crate::vocabulary::SIGSTORE_TRUSTED_ROOT_MEDIA_TYPES;
use serde_json::Value;

/// A validity window in seconds since the epoch; an open end is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: Option<i64>,
}

impl Window {
    pub fn contains(&self, t: i64) -> bool {
        self.start <= t && self.end.is_none_or(|e| t <= e)
    }
}

/// A transparency or CT log: its key and ID.
#[derive(Debug, Clone)]
pub struct Log {
    pub base_url: String,
    pub key: PublicKey,
    /// `SHA-256(DER SPKI)` unless the root says otherwise.
    pub log_id: Vec<u8>,
    pub valid: Window,
}

/// A certificate authority: its chain (intermediates then root), all trusted.
#[derive(Debug, Clone)]
pub struct Authority {
    pub uri: String,
    pub certs: Vec<Vec<u8>>,
    pub valid: Window,
}

#[derive(Debug, Clone, Default)]
pub struct TrustedRoot {
    pub tlogs: Vec<Log>,
    pub ctlogs: Vec<Log>,
    pub authorities: Vec<Authority>,
    /// RFC 3161 timestamp authorities: the signing certificate first, then its chain.
    pub timestamp_authorities: Vec<Authority>,
    /// Entries skipped because their key algorithm is not one this suite verifies (e.g. RSA).
    pub skipped: Vec<String>,
}

fn window(v: Option<&Value>) -> Result<Window, String> {
    let Some(v) = v else {
        return Ok(Window {
            start: i64::MIN,
            end: None,
        });
    };
    let start = match v.get("start").and_then(Value::as_str) {
        Some(s) => rfc3339(s)?,
        None => return Err("validFor has no start".into()),
    };
    let end = v
        .get("end")
        .and_then(Value::as_str)
        .map(rfc3339)
        .transpose()?;
    Ok(Window { start, end })
}

/// The entries of the array `field` of the trusted root (none when absent), each with the
/// path findings name it by (`field[i]`).
fn entries<'a>(root: &'a Value, field: &'a str) -> impl Iterator<Item = (String, &'a Value)> {
    root.get(field)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(move |(i, v)| (format!("{field}[{i}]"), v))
}

fn logs(root: &Value, field: &str, skipped: &mut Vec<String>) -> Result<Vec<Log>, String> {
    let mut out = Vec::new();
    for (at, t) in entries(root, field) {
        let pk = t.get("publicKey").ok_or(format!("{at} has no publicKey"))?;
        let raw = pk
            .get("rawBytes")
            .and_then(Value::as_str)
            .ok_or(format!("{at}.publicKey has no rawBytes"))?;
        let der = b64(raw).map_err(|e| format!("{at}.publicKey.rawBytes: {e}"))?;
        let key = match PublicKey::from_spki_der(&der) {
            Ok(k) => k,
            Err(e) => {
                skipped.push(format!("{at}: {e}"));
                continue;
            }
        };
        let log_id = match t
            .get("logId")
            .and_then(|l| l.get("keyId"))
            .and_then(Value::as_str)
        {
            Some(id) => b64(id).map_err(|e| format!("{at}.logId.keyId: {e}"))?,
            None => {
                use sha2::Digest as _;
                sha2::Sha256::digest(&der).to_vec()
            }
        };
        out.push(Log {
            base_url: t
                .get("baseUrl")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            key,
            log_id,
            valid: window(pk.get("validFor")).map_err(|e| format!("{at}: {e}"))?,
        });
    }
    Ok(out)
}

/// Certificate authorities (`certificateAuthorities`) or timestamp authorities
/// (`timestampAuthorities`): the same shape in the trusted root.
fn read_authorities(root: &Value, field: &str) -> Result<Vec<Authority>, String> {
    let mut out = Vec::new();
    for (at, ca) in entries(root, field) {
        let certs = ca
            .pointer("/certChain/certificates")
            .and_then(Value::as_array)
            .ok_or(format!("{at} has no certChain.certificates"))?
            .iter()
            .map(|c| {
                c.get("rawBytes")
                    .and_then(Value::as_str)
                    .ok_or(format!("{at}: a certificate has no rawBytes"))
                    .and_then(|s| b64(s).map_err(|e| format!("{at}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push(Authority {
            uri: ca
                .get("uri")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            certs,
            valid: window(ca.get("validFor")).map_err(|e| format!("{at}: {e}"))?,
        });
    }
    Ok(out)
}

impl Log {
    /// The name a Rekor v2 log signs its checkpoints with: the host of its base URL, as the
    /// Sigstore clients derive it.
    pub fn origin(&self) -> Option<String> {
        url::Url::parse(&self.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    }
}

impl TrustedRoot {
    pub fn parse(bytes: &[u8]) -> Result<TrustedRoot, String> {
        let root: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let media_type = root.get("mediaType").and_then(Value::as_str).unwrap_or("");
        if !SIGSTORE_TRUSTED_ROOT_MEDIA_TYPES.contains(&media_type) {
            return Err(format!(
                "mediaType {media_type:?} is not a trusted root media type"
            ));
        }
        let mut skipped = Vec::new();
        let tlogs = logs(&root, "tlogs", &mut skipped)?;
        let ctlogs = logs(&root, "ctlogs", &mut skipped)?;
        let authorities = read_authorities(&root, "certificateAuthorities")?;
        let timestamp_authorities = read_authorities(&root, "timestampAuthorities")?;
        Ok(TrustedRoot {
            tlogs,
            ctlogs,
            authorities,
            timestamp_authorities,
            skipped,
        })
    }

    /// The transparency log with this log ID.
    pub fn tlog(&self, log_id: &[u8]) -> Option<&Log> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }
}
