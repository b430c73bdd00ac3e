//! RFC 3161 timestamps (`timestampVerificationData.rfc3161Timestamps`), verified offline against
//! the trusted root's timestamp authorities: the TimeStampResp was granted, its CMS SignedData is
//! signed by a TSA's certificate (the chain the root lists, valid at the stated time, the signing
//! certificate marked for time stamping), the signed attributes commit to the TSTInfo, the
//! message imprint is the hash of the bundle's signature bytes, and the time lies within the
//! authority's validity window (both ends inclusive, as the trusted root states them).
//! Certificates embedded in the token are not trusted: only the root's chains are.

use super::trusted_root::{Authority, TrustedRoot};
use crate::trust::asn1::{self, DerError, Tlv};
use crate::trust::cert;
use sha2::Digest as _;
use x509_parser::prelude::*;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_KP_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

/// Why a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TimestampError {
    #[error("the timestamp is malformed: {0}")]
    Malformed(String),
    #[error("the timestamp authority did not grant the timestamp (status {0})")]
    NotGranted(u64),
    #[error("the timestamp's message imprint is not the {0} of the bundle's signature")]
    Imprint(&'static str),
    #[error("the timestamp is signed by no timestamp authority of the trusted root{0}")]
    Unsigned(String),
    #[error(
        "the timestamp {time} lies outside the validity window of the authority {uri} that signed it"
    )]
    OutsideWindow { time: String, uri: String },
}

impl From<DerError> for TimestampError {
    fn from(e: DerError) -> Self {
        TimestampError::Malformed(e.0)
    }
}

fn malformed(m: impl Into<String>) -> TimestampError {
    TimestampError::Malformed(m.into())
}

/// A verified timestamp: the time and the authority that vouches for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub time: i64,
    pub uri: String,
}

/// A digest function.
type HashFn = fn(&[u8]) -> Vec<u8>;

/// A digest algorithm by OID: its name and function.
fn hash_by_oid(oid: &str) -> Option<(&'static str, HashFn)> {
    Some(match oid {
        "2.16.840.1.101.3.4.2.1" => ("SHA-256", |b| sha2::Sha256::digest(b).to_vec()),
        "2.16.840.1.101.3.4.2.2" => ("SHA-384", |b| sha2::Sha384::digest(b).to_vec()),
        "2.16.840.1.101.3.4.2.3" => ("SHA-512", |b| sha2::Sha512::digest(b).to_vec()),
        _ => return None,
    })
}

/// The OID of an AlgorithmIdentifier.
fn alg_oid(alg: &Tlv<'_>) -> Result<String, TimestampError> {
    let (oid, _) = asn1::expect(alg.content, 0x06, "AlgorithmIdentifier")?;
    Ok(asn1::oid_string(oid.content)?)
}

/// The parts of a token that verification needs.
struct Token<'a> {
    tst_info: &'a [u8],
    digest_alg: String,
    signed_attrs: Option<Tlv<'a>>,
    signature_alg: Tlv<'a>,
    signature: &'a [u8],
}

/// Parse a TimeStampResp (or a bare TimeStampToken) down to its one SignerInfo.
fn parse(der: &[u8]) -> Result<Token<'_>, TimestampError> {
    let (outer, rest) = asn1::expect(der, 0x30, "TimeStampResp")?;
    if !rest.is_empty() {
        return Err(malformed("trailing bytes after the TimeStampResp"));
    }
    let kids = asn1::children(outer.content)?;
    // A TimeStampResp starts with its PKIStatusInfo; a TimeStampToken with its content type.
    let content_info = match kids.first().map(|k| k.tag) {
        Some(0x30) => {
            let (status, _) = asn1::expect(kids[0].content, 0x02, "PKIStatus")?;
            let code = status
                .content
                .iter()
                .fold(0u64, |a, b| a.saturating_mul(256) + *b as u64);
            if code > 1 {
                return Err(TimestampError::NotGranted(code));
            }
            let token = kids
                .get(1)
                .filter(|t| t.tag == 0x30)
                .ok_or_else(|| malformed("the response carries no timeStampToken"))?;
            asn1::children(token.content)?
        }
        Some(0x06) => kids,
        _ => return Err(malformed("neither a TimeStampResp nor a TimeStampToken")),
    };
    match content_info.as_slice() {
        [ct, body] if ct.tag == 0x06 && body.tag == 0xa0 => {
            if asn1::oid_string(ct.content)? != OID_SIGNED_DATA {
                return Err(malformed("the token's content is not CMS SignedData"));
            }
            signed_data(body.content)
        }
        _ => Err(malformed("the token is not a ContentInfo")),
    }
}

fn signed_data(explicit: &[u8]) -> Result<Token<'_>, TimestampError> {
    let (sd, _) = asn1::expect(explicit, 0x30, "SignedData")?;
    let kids = asn1::children(sd.content)?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
    let encap = kids
        .get(2)
        .filter(|k| k.tag == 0x30)
        .ok_or_else(|| malformed("SignedData has no encapContentInfo"))?;
    let signer_infos = kids
        .last()
        .filter(|k| k.tag == 0x31)
        .ok_or_else(|| malformed("SignedData has no signerInfos"))?;
    let ec = asn1::children(encap.content)?;
    let (ct, explicit) = match ec.as_slice() {
        [ct, e] if ct.tag == 0x06 && e.tag == 0xa0 => (ct, e),
        _ => return Err(malformed("encapContentInfo carries no content")),
    };
    if asn1::oid_string(ct.content)? != OID_TST_INFO {
        return Err(malformed("the signed content is not a TSTInfo"));
    }
    let (econtent, _) = asn1::expect(explicit.content, 0x04, "eContent")?;
    let infos = asn1::children(signer_infos.content)?;
    let [info] = infos.as_slice() else {
        return Err(malformed(format!(
            "the token has {} SignerInfos, not one",
            infos.len()
        )));
    };
    let parts = asn1::children(info.content)?;
    // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1]?
    let mut it = parts.iter().skip(2);
    let digest_alg = it
        .next()
        .ok_or_else(|| malformed("SignerInfo has no digestAlgorithm"))?;
    let mut next = it.next();
    let signed_attrs = match next {
        Some(t) if t.tag == 0xa0 => {
            let a = *t;
            next = it.next();
            Some(a)
        }
        _ => None,
    };
    let signature_alg = *next.ok_or_else(|| malformed("SignerInfo has no signatureAlgorithm"))?;
    let signature = it
        .next()
        .filter(|t| t.tag == 0x04)
        .ok_or_else(|| malformed("SignerInfo has no signature"))?;
    Ok(Token {
        tst_info: econtent.content,
        digest_alg: alg_oid(digest_alg)?,
        signed_attrs,
        signature_alg,
        signature: signature.content,
    })
}

/// The message imprint (hash OID, hashed message) and generation time of a TSTInfo.
fn tst_info(der: &[u8]) -> Result<(String, &[u8], i64), TimestampError> {
    let (info, _) = asn1::expect(der, 0x30, "TSTInfo")?;
    let kids = asn1::children(info.content)?;
    // version, policy, messageImprint, serialNumber, genTime, ...
    let (imprint, time) = match kids.as_slice() {
        [_, _, imprint, _, time, ..] if imprint.tag == 0x30 && time.tag == 0x18 => (imprint, time),
        _ => return Err(malformed("TSTInfo lacks a messageImprint or genTime")),
    };
    let mi = asn1::children(imprint.content)?;
    let [alg, hashed] = mi.as_slice() else {
        return Err(malformed(
            "messageImprint is not (hashAlgorithm, hashedMessage)",
        ));
    };
    if hashed.tag != 0x04 {
        return Err(malformed("hashedMessage is not an OCTET STRING"));
    }
    Ok((
        alg_oid(alg)?,
        hashed.content,
        asn1::generalized_time(time.content)?,
    ))
}

/// The signed attributes commit to the TSTInfo: the content type is TSTInfo and the message
/// digest is the hash of the TSTInfo. Returns the bytes the signature covers.
fn signed_bytes(token: &Token<'_>) -> Result<Vec<u8>, TimestampError> {
    let Some(attrs) = token.signed_attrs else {
        return Ok(token.tst_info.to_vec());
    };
    let (_, hash) = hash_by_oid(&token.digest_alg)
        .ok_or_else(|| malformed(format!("digest algorithm {}", token.digest_alg)))?;
    let (mut content_type, mut digest) = (false, false);
    for attr in asn1::children(attrs.content)? {
        let kids = asn1::children(attr.content)?;
        let [oid, values] = kids.as_slice() else {
            return Err(malformed("a signed attribute is not (type, values)"));
        };
        let values = asn1::children(values.content)?;
        let [value] = values.as_slice() else {
            return Err(malformed("a signed attribute has not exactly one value"));
        };
        match asn1::oid_string(oid.content)?.as_str() {
            OID_CONTENT_TYPE => {
                content_type =
                    value.tag == 0x06 && asn1::oid_string(value.content)? == OID_TST_INFO;
            }
            OID_MESSAGE_DIGEST => {
                digest = value.tag == 0x04 && value.content == hash(token.tst_info).as_slice();
            }
            _ => {}
        }
    }
    if !content_type || !digest {
        return Err(malformed(
            "the signed attributes do not commit to the TSTInfo (content type and message digest)",
        ));
    }
    // The signature covers the attributes as a SET OF, not as the [0] IMPLICIT field.
    let mut bytes = attrs.raw.to_vec();
    bytes[0] = 0x31;
    Ok(bytes)
}

/// The signature AlgorithmIdentifier as x509-parser verifies it: CMS allows the bare key
/// algorithm (rsaEncryption, id-ecPublicKey) with the digest named separately.
fn signature_algorithm(token: &Token<'_>) -> Result<Vec<u8>, TimestampError> {
    use crate::trust::der::{oid, seq, tlv};
    let sig = alg_oid(&token.signature_alg)?;
    let by_digest = |rsa: bool| -> Option<&'static str> {
        Some(match (rsa, token.digest_alg.as_str()) {
            (true, "2.16.840.1.101.3.4.2.1") => "1.2.840.113549.1.1.11",
            (true, "2.16.840.1.101.3.4.2.2") => "1.2.840.113549.1.1.12",
            (true, "2.16.840.1.101.3.4.2.3") => "1.2.840.113549.1.1.13",
            (false, "2.16.840.1.101.3.4.2.1") => "1.2.840.10045.4.3.2",
            (false, "2.16.840.1.101.3.4.2.2") => "1.2.840.10045.4.3.3",
            (false, "2.16.840.1.101.3.4.2.3") => "1.2.840.10045.4.3.4",
            _ => return None,
        })
    };
    Ok(match sig.as_str() {
        "1.2.840.113549.1.1.1" => seq(&[
            oid(by_digest(true).ok_or_else(|| malformed("RSA digest"))?),
            tlv(0x05, &[]),
        ]),
        "1.2.840.10045.2.1" => seq(&[oid(by_digest(false).ok_or_else(|| malformed("EC digest"))?)]),
        _ => token.signature_alg.raw.to_vec(),
    })
}

/// Which certificate of the root's TSAs signed `bytes`.
fn signer<'r>(
    root: &'r TrustedRoot,
    alg: &AlgorithmIdentifier<'_>,
    bytes: &[u8],
    signature: &[u8],
) -> Option<&'r Authority> {
    let sig = x509_parser::der_parser::asn1_rs::BitString::new(0, signature);
    root.timestamp_authorities.iter().find(|a| {
        a.certs.first().is_some_and(|leaf| {
            cert::parse(leaf).is_ok_and(|c| {
                x509_parser::verify::verify_signature(c.public_key(), alg, &sig, bytes).is_ok()
            })
        })
    })
}

fn marked_for_time_stamping(leaf: &[u8]) -> bool {
    cert::parse(leaf).is_ok_and(|c| {
        matches!(c.extended_key_usage(), Ok(Some(eku))
            if eku.value.time_stamping
                || eku.value.other.iter().any(|o| o.to_id_string() == OID_KP_TIME_STAMPING))
    })
}

/// Verify one timestamp over `signature` (the bundle's signature bytes).
pub fn verify(
    der: &[u8],
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<Verified, TimestampError> {
    let token = parse(der)?;
    let (imprint_alg, imprint, time) = tst_info(token.tst_info)?;
    let (name, hash) = hash_by_oid(&imprint_alg)
        .ok_or_else(|| malformed(format!("message imprint algorithm {imprint_alg}")))?;
    let bytes = signed_bytes(&token)?;
    let alg_der = signature_algorithm(&token)?;
    let (_, alg) = AlgorithmIdentifier::from_der(&alg_der)
        .map_err(|e| malformed(format!("signatureAlgorithm: {e}")))?;
    let authority = signer(root, &alg, &bytes, token.signature).ok_or_else(|| {
        TimestampError::Unsigned(if root.timestamp_authorities.is_empty() {
            " (the root lists none)".into()
        } else {
            String::new()
        })
    })?;
    let leaf = &authority.certs[0];
    if !marked_for_time_stamping(leaf) {
        return Err(TimestampError::Unsigned(
            ": its signing certificate is not marked for time stamping".into(),
        ));
    }
    let anchor = authority.certs.last().cloned().unwrap_or_default();
    cert::verify_chain(&authority.certs, &[anchor], time, true)
        .map_err(|e| TimestampError::Unsigned(format!(": {e}")))?;
    if !authority.valid.contains(time) {
        return Err(TimestampError::OutsideWindow {
            time: crate::trust::codec::to_rfc3339(time),
            uri: authority.uri.clone(),
        });
    }
    if hash(signature) != imprint {
        return Err(TimestampError::Imprint(name));
    }
    Ok(Verified {
        time,
        uri: authority.uri.clone(),
    })
}
