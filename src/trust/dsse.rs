//! DSSE (Dead Simple Signing Envelope): the envelope of in-toto attestations, Sigstore DSSE
//! bundles and our signed reports. What is signed is the pre-authentication encoding (PAE) of the
//! payload type and the payload bytes, never the JSON around them.

use super::keys::{PublicKey, SigningKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use serde::{Deserialize, Serialize};

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    #[error("not a DSSE envelope: {0}")]
    Malformed(String),
    #[error("the envelope carries no signature")]
    Unsigned,
    #[error("payload type is {found:?}, expected {expected:?}")]
    PayloadType { found: String, expected: String },
    #[error("no signature verifies with a trusted key ({tried} signature(s) tried)")]
    NoValidSignature { tried: usize },
}

/// A parsed envelope: the payload as decoded bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<Signature>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub keyid: Option<String>,
    pub sig: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Serialize, Deserialize)]
struct WireSignature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyid: Option<String>,
    sig: String,
}

/// The pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Base64 as DSSE producers write it: standard alphabet, but URL-safe and unpadded forms occur.
fn decode_b64(field: &str, s: &str) -> Result<Vec<u8>, DsseError> {
    let trimmed = s.trim_end_matches('=');
    let padded = |s: &str| format!("{s}{}", "=".repeat((4 - s.len() % 4) % 4));
    STANDARD
        .decode(padded(trimmed))
        .or_else(|_| URL_SAFE.decode(padded(trimmed)))
        .map_err(|e| DsseError::Malformed(format!("{field} is not base64: {e}")))
}

impl Envelope {
    /// Parse the JSON form (`payloadType`, `payload`, `signatures[]`).
    pub fn parse(bytes: &[u8]) -> Result<Envelope, DsseError> {
        let wire: Wire =
            serde_json::from_slice(bytes).map_err(|e| DsseError::Malformed(e.to_string()))?;
        Envelope::from_wire(wire)
    }

    /// From an already parsed JSON value (e.g. the `dsseEnvelope` of a Sigstore bundle).
    pub(crate) fn from_value(value: &serde_json::Value) -> Result<Envelope, DsseError> {
        let wire: Wire = serde_json::from_value(value.clone())
            .map_err(|e| DsseError::Malformed(e.to_string()))?;
        Envelope::from_wire(wire)
    }

    fn from_wire(wire: Wire) -> Result<Envelope, DsseError> {
        let payload = decode_b64("payload", &wire.payload)?;
        let signatures = wire
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(Signature {
                    keyid: s.keyid.filter(|k| !k.is_empty()),
                    sig: decode_b64(&format!("signatures[{i}].sig"), &s.sig)?,
                })
            })
            .collect::<Result<Vec<_>, DsseError>>()?;
        Ok(Envelope {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// Sign `payload` with one key. Deterministic for Ed25519 keys.
    pub fn sign(payload_type: &str, payload: Vec<u8>, key: &SigningKey) -> Envelope {
        let sig = key.sign(&pae(payload_type, &payload));
        Envelope {
            payload_type: payload_type.to_string(),
            payload,
            signatures: vec![Signature {
                keyid: Some(key.public_key().key_id().to_string()),
                sig,
            }],
        }
    }

    /// The JSON form, pretty-printed with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let wire = Wire {
            payload_type: self.payload_type.clone(),
            payload: STANDARD.encode(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone(),
                    sig: STANDARD.encode(&s.sig),
                })
                .collect(),
        };
        let mut out = serde_json::to_vec_pretty(&wire).expect("envelope serializes");
        out.push(b'\n');
        out
    }

    /// Check the payload type, then find a signature that verifies with one of `trusted`.
    /// Key IDs in the envelope are hints only: every signature is tried against every trusted
    /// key, and an ID never selects a key that is not trusted. Returns the index of the key.
    pub fn verify(&self, expected_type: &str, trusted: &[PublicKey]) -> Result<usize, DsseError> {
        if self.payload_type != expected_type {
            return Err(DsseError::PayloadType {
                found: self.payload_type.clone(),
                expected: expected_type.to_string(),
            });
        }
        if self.signatures.is_empty() {
            return Err(DsseError::Unsigned);
        }
        let message = pae(&self.payload_type, &self.payload);
        for s in &self.signatures {
            if let Some(i) = trusted.iter().position(|k| k.verify(&message, &s.sig)) {
                return Ok(i);
            }
        }
        Err(DsseError::NoValidSignature {
            tried: self.signatures.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::IN_TOTO;
    use crate::vocabulary::JSON;

    #[test]
    fn pae_matches_the_dsse_definition() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn sign_serialize_parse_verify() {
        let key = SigningKey::ed25519_from_seed(&[1u8; 32]);
        let env = Envelope::sign(IN_TOTO, b"{\"a\":1}".to_vec(), &key);
        let parsed = Envelope::parse(&env.to_json()).unwrap();
        assert_eq!(parsed, env);
        let trusted = [key.public_key().clone()];
        assert_eq!(parsed.verify(IN_TOTO, &trusted), Ok(0));
        assert_eq!(
            env.to_json(),
            Envelope::sign(IN_TOTO, b"{\"a\":1}".to_vec(), &key).to_json()
        );
    }

    #[test]
    fn tampering_wrong_type_wrong_key_and_no_signature_are_refused() {
        let key = SigningKey::ed25519_from_seed(&[1u8; 32]);
        let other = SigningKey::ed25519_from_seed(&[2u8; 32]);
        let env = Envelope::sign(IN_TOTO, b"payload".to_vec(), &key);
        let trusted = [key.public_key().clone()];

        let mut tampered = env.clone();
        tampered.payload = b"payloae".to_vec();
        assert_eq!(
            tampered.verify(IN_TOTO, &trusted),
            Err(DsseError::NoValidSignature { tried: 1 })
        );
        assert!(matches!(
            env.verify(JSON, &trusted),
            Err(DsseError::PayloadType { .. })
        ));
        assert!(env.verify(IN_TOTO, &[other.public_key().clone()]).is_err());
        let mut unsigned = env.clone();
        unsigned.signatures.clear();
        assert_eq!(unsigned.verify(IN_TOTO, &trusted), Err(DsseError::Unsigned));
        // A key ID naming the trusted key does not make another key's signature valid.
        let mut forged = Envelope::sign(IN_TOTO, b"payload".to_vec(), &other);
        forged.signatures[0].keyid = env.signatures[0].keyid.clone();
        assert!(forged.verify(IN_TOTO, &trusted).is_err());
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        for bad in [
            &b"{"[..],
            br#"{"payloadType":"t","payload":"!!!","signatures":[]}"#,
            br#"{"payloadType":"t","signatures":[]}"#,
            br#"{"payloadType":"t","payload":"","signatures":[{"sig":"%%"}]}"#,
        ] {
            assert!(matches!(Envelope::parse(bad), Err(DsseError::Malformed(_))));
        }
        // Unpadded and URL-safe base64 are accepted.
        let e = Envelope::parse(br#"{"payloadType":"t","payload":"_-8","signatures":[]}"#).unwrap();
        assert_eq!(e.payload, vec![0xff, 0xef]);
    }
}
