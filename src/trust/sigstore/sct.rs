//! Signed certificate timestamps (RFC 6962 §3) embedded in a Fulcio certificate, verified
//! against the trusted root's `ctlogs`: each SCT of a known log must verify over the
//! precertificate (the certificate's TBS without the SCT list extension, with the issuer's key
//! hash) and lie within the log's validity window; the number of logs whose SCT verified is what
//! a policy threshold is compared with. SCTs of logs the root does not list are not counted.

use super::trusted_root::TrustedRoot;
use crate::trust::asn1::{self, DerError};
use crate::trust::der;
use sha2::Digest as _;
use x509_parser::prelude::*;

/// The embedded SCT list extension.
pub(crate) const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";

/// Why the SCTs of a certificate were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SctError {
    #[error("the certificate's SCT list is malformed: {0}")]
    Malformed(String),
    #[error("the SCT of the CT log {log} does not verify over the precertificate")]
    BadSignature { log: String },
    #[error("the SCT of the CT log {log} is dated outside the log's validity window")]
    OutsideWindow { log: String },
    #[error("no certificate issued the signing certificate, so its SCTs cannot be checked")]
    NoIssuer,
}

impl From<DerError> for SctError {
    fn from(e: DerError) -> Self {
        SctError::Malformed(e.0)
    }
}

struct Sct<'a> {
    log_id: &'a [u8],
    timestamp_ms: u64,
    extensions: &'a [u8],
    signature: &'a [u8],
}

fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], SctError> {
    if b.len() < n {
        return Err(SctError::Malformed("truncated".into()));
    }
    let (head, tail) = b.split_at(n);
    *b = tail;
    Ok(head)
}

fn u16_prefixed<'a>(b: &mut &'a [u8]) -> Result<&'a [u8], SctError> {
    let len = take(b, 2)?;
    take(b, u16::from_be_bytes([len[0], len[1]]) as usize)
}

/// The TLS-encoded SignedCertificateTimestampList.
fn parse_list(list: &[u8]) -> Result<Vec<Sct<'_>>, SctError> {
    let mut outer = list;
    let mut items = u16_prefixed(&mut outer)?;
    let mut out = Vec::new();
    while !items.is_empty() {
        let mut s = u16_prefixed(&mut items)?;
        if take(&mut s, 1)? != [0] {
            return Err(SctError::Malformed("an SCT is not version 1".into()));
        }
        let log_id = take(&mut s, 32)?;
        let ts = take(&mut s, 8)?;
        let extensions = u16_prefixed(&mut s)?;
        let _algorithms = take(&mut s, 2)?;
        let signature = u16_prefixed(&mut s)?;
        out.push(Sct {
            log_id,
            timestamp_ms: u64::from_be_bytes(ts.try_into().unwrap_or_default()),
            extensions,
            signature,
        });
    }
    Ok(out)
}

/// The precertificate TBS: the certificate's TBS without the SCT list extension.
fn precert_tbs(cert_der: &[u8]) -> Result<Vec<u8>, SctError> {
    let (cert, _) = asn1::expect(cert_der, 0x30, "Certificate")?;
    let (tbs, _) = asn1::expect(cert.content, 0x30, "TBSCertificate")?;
    let mut parts = Vec::new();
    for field in asn1::children(tbs.content)? {
        if field.tag != 0xa3 {
            parts.push(field.raw.to_vec());
            continue;
        }
        let (exts, _) = asn1::expect(field.content, 0x30, "extensions")?;
        let mut kept = Vec::new();
        for ext in asn1::children(exts.content)? {
            let (oid, _) = asn1::expect(ext.content, 0x06, "extension")?;
            if asn1::oid_string(oid.content)? != OID_SCT_LIST {
                kept.push(ext.raw.to_vec());
            }
        }
        parts.push(der::explicit(3, &der::seq(&kept)));
    }
    Ok(der::seq(&parts))
}

/// The key of the certificate that issued `leaf`, among `candidates` (DER certificates).
pub(crate) fn issuer_spki(leaf: &X509Certificate<'_>, candidates: &[&[u8]]) -> Option<Vec<u8>> {
    candidates.iter().find_map(|c| {
        let c = crate::trust::cert::parse(c).ok()?;
        (leaf.issuer() == c.subject() && leaf.verify_signature(Some(c.public_key())).is_ok())
            .then(|| c.public_key().raw.to_vec())
    })
}

/// Verify the embedded SCTs of `leaf_der`, issued by the key `issuer_spki`. Returns the number
/// of distinct CT logs of the root whose SCT verified; an SCT of a listed log that does not
/// verify is an error.
pub(crate) fn verify_embedded(
    leaf_der: &[u8],
    issuer_spki: &[u8],
    root: &TrustedRoot,
) -> Result<usize, SctError> {
    let leaf = crate::trust::cert::parse(leaf_der).map_err(SctError::Malformed)?;
    let Some(ext) = leaf
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == OID_SCT_LIST)
    else {
        return Ok(0);
    };
    let (list, _) = asn1::expect(ext.value, 0x04, "SCT list")?;
    let scts = parse_list(list.content)?;
    let tbs = precert_tbs(leaf_der)?;
    let issuer_key_hash = sha2::Sha256::digest(issuer_spki);
    let tbs_len = u32::try_from(tbs.len())
        .ok()
        .filter(|n| *n < 1 << 24)
        .ok_or_else(|| SctError::Malformed("the TBS is too large".into()))?;
    let mut verified: Vec<&[u8]> = Vec::new();
    for sct in &scts {
        let Some(log) = root.ctlogs.iter().find(|l| l.log_id == sct.log_id) else {
            continue;
        };
        let mut signed = vec![0u8, 0u8];
        signed.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
        signed.extend_from_slice(&[0, 1]);
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
        signed.extend_from_slice(&tbs);
        signed.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
        signed.extend_from_slice(sct.extensions);
        if !log.key.verify(&signed, sct.signature) {
            return Err(SctError::BadSignature {
                log: log.base_url.clone(),
            });
        }
        let secs = i64::try_from(sct.timestamp_ms / 1000).unwrap_or(i64::MAX);
        if !log.valid.contains(secs) {
            return Err(SctError::OutsideWindow {
                log: log.base_url.clone(),
            });
        }
        if !verified.contains(&sct.log_id) {
            verified.push(sct.log_id);
        }
    }
    Ok(verified.len())
}
