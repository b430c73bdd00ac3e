//! Public keys a user trusts and signing keys for test fixtures and reports.
//!
//! Keys are read from PEM (SPKI for public keys, PKCS#8 for private ones); the algorithms are the
//! ones the evidence formats we profile use: ECDSA P-256, P-384 and P-521 (ASN.1 DER signatures
//! over SHA-256 / SHA-384 / SHA-512), Ed25519, and RSA (PKCS#1 v1.5 or PSS over SHA-256, as
//! cosign signs with RSA keys). Verification is ring's, except P-521, which ring lacks: that is
//! RustCrypto's `p521`. Parsing of SPKI is x509-parser's.

use crate::digest::Digest;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer, SubjectPublicKeyInfoDer,
};

/// How to turn another private-key form into the PKCS#8 this module reads.
const PKCS8_COMMAND: &str = "openssl pkcs8 -topk8 -nocrypt -in KEY.pem -out key.pkcs8.pem";
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_ED25519: &str = "1.3.101.112";

/// Why a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM {expected}: {message}")]
    Pem {
        expected: &'static str,
        message: String,
    },
    #[error("unsupported key algorithm {0} (supported: {SUPPORTED})")]
    Unsupported(String),
    #[error("malformed key: {0}")]
    Malformed(String),
}

/// The key algorithms this suite verifies, for messages that name them.
pub(crate) const SUPPORTED: &str =
    "ECDSA P-256, ECDSA P-384, ECDSA P-521, Ed25519, RSA 2048-8192 bits";

/// The signature algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    EcdsaP256Sha256,
    EcdsaP384Sha384,
    EcdsaP521Sha512,
    Ed25519,
    /// RSA, PKCS#1 v1.5 or PSS over SHA-256.
    RsaSha256,
}

/// A trusted public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub algorithm: Algorithm,
    /// The raw key as the algorithm takes it (uncompressed EC point, or 32 Ed25519 bytes).
    raw: Vec<u8>,
    /// The DER SubjectPublicKeyInfo, as read.
    pub spki_der: Vec<u8>,
}

impl PublicKey {
    /// Read a `-----BEGIN PUBLIC KEY-----` PEM document.
    pub(crate) fn from_pem(pem: &[u8]) -> Result<PublicKey, KeyError> {
        let der = SubjectPublicKeyInfoDer::from_pem_slice(pem).map_err(|e| KeyError::Pem {
            expected: "public key (SubjectPublicKeyInfo)",
            message: e.to_string(),
        })?;
        PublicKey::from_spki_der(der.as_ref())
    }

    /// Read a DER SubjectPublicKeyInfo (as found in certificates and Sigstore trusted roots).
    pub(crate) fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let (rest, spki) = SubjectPublicKeyInfo::from_der(der).map_err(|e| {
            KeyError::Malformed(format!(
                "SubjectPublicKeyInfo: {}",
                super::der::parse_error_words(&e)
            ))
        })?;
        if !rest.is_empty() {
            return Err(KeyError::Malformed(
                "trailing bytes after SubjectPublicKeyInfo".into(),
            ));
        }
        let oid = spki.algorithm.algorithm.to_id_string();
        let algorithm = match oid.as_str() {
            OID_ED25519 => Algorithm::Ed25519,
            OID_RSA => Algorithm::RsaSha256,
            OID_EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string())
                    .unwrap_or_default();
                match curve.as_str() {
                    OID_P256 => Algorithm::EcdsaP256Sha256,
                    OID_P384 => Algorithm::EcdsaP384Sha384,
                    OID_P521 => Algorithm::EcdsaP521Sha512,
                    other => return Err(KeyError::Unsupported(format!("EC curve {other}"))),
                }
            }
            other => return Err(KeyError::Unsupported(other.to_string())),
        };
        Ok(PublicKey {
            algorithm,
            raw: spki.subject_public_key.data.to_vec(),
            spki_der: der[..der.len() - rest.len()].to_vec(),
        })
    }

    /// A stable identifier: the sha256 of the DER SubjectPublicKeyInfo.
    pub(crate) fn key_id(&self) -> Digest {
        Digest::sha256_of(&self.spki_der)
    }

    /// Verify `signature` over `message`. ECDSA signatures are ASN.1 DER, as DSSE, Sigstore and
    /// cosign write them.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let ring_verify = |alg: &'static dyn signature::VerificationAlgorithm| {
            UnparsedPublicKey::new(alg, &self.raw)
                .verify(message, signature)
                .is_ok()
        };
        match self.algorithm {
            Algorithm::EcdsaP256Sha256 => ring_verify(&signature::ECDSA_P256_SHA256_ASN1),
            Algorithm::EcdsaP384Sha384 => ring_verify(&signature::ECDSA_P384_SHA384_ASN1),
            Algorithm::Ed25519 => ring_verify(&signature::ED25519),
            Algorithm::RsaSha256 => {
                ring_verify(&signature::RSA_PKCS1_2048_8192_SHA256)
                    || ring_verify(&signature::RSA_PSS_2048_8192_SHA256)
            }
            Algorithm::EcdsaP521Sha512 => p521_verify(&self.raw, message, signature),
        }
    }
}

/// ECDSA P-521 over SHA-512, ASN.1 DER signature.
fn p521_verify(point: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use p521::ecdsa::signature::Verifier;
    let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(sig) = p521::ecdsa::Signature::from_der(signature) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

/// A private key for signing test fixtures and reports. Ed25519 signatures are deterministic,
/// so fixtures signed with an Ed25519 key regenerate byte for byte; ECDSA signatures are not.
pub struct SigningKey {
    pub algorithm: Algorithm,
    inner: Signer,
    public: PublicKey,
}

enum Signer {
    Ed25519(Ed25519KeyPair),
    Ecdsa(EcdsaKeyPair),
    /// Test-only: an ECDSA key whose nonces derive from the key and message alone.
    EcdsaDeterministic(EcdsaKeyPair),
    /// P-521 (RFC 6979 nonces: deterministic).
    P521(Box<p521::ecdsa::SigningKey>),
}

impl SigningKey {
    /// Read a `-----BEGIN PRIVATE KEY-----` (PKCS#8) PEM document.
    /// Also `-----BEGIN EC PRIVATE KEY-----` (SEC1, what `openssl ecparam -genkey` writes),
    /// wrapped into PKCS#8 here; an RSA key (PKCS#1) is refused by name.
    pub fn from_pem(pem: &[u8]) -> Result<SigningKey, KeyError> {
        if let Ok(der) = PrivatePkcs8KeyDer::from_pem_slice(pem) {
            return SigningKey::from_pkcs8_der(der.secret_pkcs8_der());
        }
        if let Ok(der) = PrivateSec1KeyDer::from_pem_slice(pem) {
            return SigningKey::from_sec1_der(der.secret_sec1_der());
        }
        if PrivatePkcs1KeyDer::from_pem_slice(pem).is_ok() {
            return Err(KeyError::Unsupported(
                "RSA (a PKCS#1 RSA PRIVATE KEY)".into(),
            ));
        }
        Err(KeyError::Pem {
            expected: "private key",
            message: format!(
                "expected PKCS#8 (BEGIN PRIVATE KEY) or SEC1 (BEGIN EC PRIVATE KEY); \
                 convert another form with `{PKCS8_COMMAND}`"
            ),
        })
    }

    /// A SEC1 `ECPrivateKey` as the PKCS#8 document ring reads: the key with the algorithm
    /// identifier of each supported curve in turn (ring refuses a curve that does not match the
    /// key's own parameters).
    fn from_sec1_der(sec1: &[u8]) -> Result<SigningKey, KeyError> {
        use super::der::tlv;
        const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
        const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
        const P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
        for curve in [P256, P384] {
            let algorithm = tlv(0x30, &[EC_PUBLIC_KEY, curve].concat());
            let pkcs8 = tlv(
                0x30,
                &[&[0x02, 0x01, 0x00][..], &algorithm, &tlv(0x04, sec1)].concat(),
            );
            if let Ok(key) = SigningKey::from_pkcs8_der(&pkcs8) {
                return Ok(key);
            }
        }
        Err(KeyError::Unsupported(format!(
            "an EC key on a curve other than P-256 or P-384, or a SEC1 key without its public \
             key; `{PKCS8_COMMAND}` converts a supported one"
        )))
    }

    pub(crate) fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            let public = ed25519_spki(pair.public_key().as_ref());
            return Ok(SigningKey {
                algorithm: Algorithm::Ed25519,
                public: PublicKey::from_spki_der(&public)?,
                inner: Signer::Ed25519(pair),
            });
        }
        let rng = SystemRandom::new();
        for (algorithm, ring_alg, curve_oid) in [
            (
                Algorithm::EcdsaP256Sha256,
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                OID_P256_DER,
            ),
            (
                Algorithm::EcdsaP384Sha384,
                &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                OID_P384_DER,
            ),
        ] {
            if let Ok(pair) = EcdsaKeyPair::from_pkcs8(ring_alg, der, &rng) {
                let public = ec_spki(curve_oid, pair.public_key().as_ref());
                return Ok(SigningKey {
                    algorithm,
                    public: PublicKey::from_spki_der(&public)?,
                    inner: Signer::Ecdsa(pair),
                });
            }
        }
        Err(KeyError::Unsupported(
            "PKCS#8 key is neither Ed25519 nor ECDSA P-256/P-384".into(),
        ))
    }

    /// An Ed25519 key from a 32-byte seed: for deterministic test-only keys.
    pub(crate) fn ed25519_from_seed(seed: &[u8; 32]) -> SigningKey {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).expect("32-byte seed");
        let public = ed25519_spki(pair.public_key().as_ref());
        SigningKey {
            algorithm: Algorithm::Ed25519,
            public: PublicKey::from_spki_der(&public).expect("well-formed Ed25519 SPKI"),
            inner: Signer::Ed25519(pair),
        }
    }

    /// Test-only: an ECDSA P-256 key from a 32-byte seed whose signatures are deterministic,
    /// for fixtures in formats that do not allow Ed25519 (Notary, OMS). ring hedges each nonce
    /// with the key, the message digest and its "random" input; with a fixed input the nonce is
    /// a function of key and message, so regeneration reproduces the signatures. Never use it
    /// for anything but committed test-only material.
    #[allow(deprecated)]
    pub(crate) fn ecdsa_p256_from_seed(seed: &[u8; 32]) -> SigningKey {
        use ring::test::rand::{FixedByteRandom, FixedSliceRandom};
        let alg = &signature::ECDSA_P256_SHA256_ASN1_SIGNING;
        let doc = EcdsaKeyPair::generate_pkcs8(alg, &FixedSliceRandom { bytes: seed })
            .expect("a 32-byte seed below the group order");
        let pair = EcdsaKeyPair::from_pkcs8(alg, doc.as_ref(), &FixedByteRandom { byte: 0 })
            .expect("a freshly generated key");
        let public = ec_spki(OID_P256_DER, pair.public_key().as_ref());
        SigningKey {
            algorithm: Algorithm::EcdsaP256Sha256,
            public: PublicKey::from_spki_der(&public).expect("well-formed EC SPKI"),
            inner: Signer::EcdsaDeterministic(pair),
        }
    }

    /// Test-only: an ECDSA P-521 key from a seed (the scalar, 66 bytes, below the group order).
    /// P-521 signatures use RFC 6979 nonces, so they are deterministic.
    pub(crate) fn ecdsa_p521_from_seed(seed: &[u8; 66]) -> SigningKey {
        let key = p521::ecdsa::SigningKey::from_slice(seed).expect("a scalar below the order");
        let point = p521::ecdsa::VerifyingKey::from(&key)
            .to_sec1_point(false)
            .as_bytes()
            .to_vec();
        let public = ec_spki(OID_P521_DER, &point);
        SigningKey {
            algorithm: Algorithm::EcdsaP521Sha512,
            public: PublicKey::from_spki_der(&public).expect("well-formed EC SPKI"),
            inner: Signer::P521(Box::new(key)),
        }
    }

    pub(crate) fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.inner {
            Signer::Ed25519(pair) => pair.sign(message).as_ref().to_vec(),
            Signer::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .expect("ECDSA signing with the system RNG")
                .as_ref()
                .to_vec(),
            #[allow(deprecated)]
            Signer::EcdsaDeterministic(pair) => pair
                .sign(&ring::test::rand::FixedByteRandom { byte: 0 }, message)
                .expect("ECDSA signing")
                .as_ref()
                .to_vec(),
            Signer::P521(key) => {
                use p521::ecdsa::signature::Signer as _;
                let sig: p521::ecdsa::Signature = key.sign(message);
                sig.to_der().as_bytes().to_vec()
            }
        }
    }

    /// The public key as a `-----BEGIN PUBLIC KEY-----` PEM document.
    pub fn public_key_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.public.spki_der)
    }
}

/// PEM-encode DER bytes under a label, 64 columns.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

// DER encodings of the curve OIDs, for building SPKI structures around ring's raw public keys.
const OID_P256_DER: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384_DER: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521_DER: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_EC_PUBLIC_KEY_DER: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0u8];
    content.extend_from_slice(bytes);
    der_tlv(0x03, &content)
}

fn ed25519_spki(raw: &[u8]) -> Vec<u8> {
    let alg = der_tlv(0x30, &[0x06, 0x03, 0x2b, 0x65, 0x70]);
    der_tlv(0x30, &[alg, bit_string(raw)].concat())
}

fn ec_spki(curve_oid: &[u8], point: &[u8]) -> Vec<u8> {
    let alg = der_tlv(0x30, &[OID_EC_PUBLIC_KEY_DER, curve_oid].concat());
    der_tlv(0x30, &[alg, bit_string(point)].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ed25519_round_trip_through_pem_and_rejects_tampering() {
        let key = SigningKey::ed25519_from_seed(&[7u8; 32]);
        let public = PublicKey::from_pem(key.public_key_pem().as_bytes()).unwrap();
        assert_eq!(public.algorithm, Algorithm::Ed25519);
        let sig = key.sign(b"message");
        assert_eq!(sig, key.sign(b"message"), "Ed25519 is deterministic");
        assert!(public.verify(b"message", &sig));
        assert!(!public.verify(b"messagf", &sig));
        assert_eq!(public.key_id(), key.public_key().key_id());
    }

    #[test]
    fn ecdsa_p256_from_pkcs8_signs_and_verifies() {
        let rng = SystemRandom::new();
        let doc =
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pem = pem_encode("PRIVATE KEY", doc.as_ref());
        let key = SigningKey::from_pem(pem.as_bytes()).unwrap();
        assert_eq!(key.algorithm, Algorithm::EcdsaP256Sha256);
        let public = PublicKey::from_pem(key.public_key_pem().as_bytes()).unwrap();
        let sig = key.sign(b"payload");
        assert!(public.verify(b"payload", &sig));
        assert!(!public.verify(b"payload!", &sig));
    }

    #[test]
    fn seeded_ecdsa_keys_sign_deterministically_and_verify() {
        let key = SigningKey::ecdsa_p256_from_seed(&[3u8; 32]);
        let again = SigningKey::ecdsa_p256_from_seed(&[3u8; 32]);
        assert_eq!(key.public_key(), again.public_key());
        let sig = key.sign(b"m");
        assert_eq!(sig, again.sign(b"m"));
        assert_ne!(sig, key.sign(b"n"));
        assert!(key.public_key().verify(b"m", &sig));
        assert!(!key.public_key().verify(b"n", &sig));
    }

    #[test]
    fn p521_signs_verifies_and_round_trips_through_pem() {
        let mut seed = [0u8; 66];
        seed[65] = 9;
        seed[1] = 0x42;
        let key = SigningKey::ecdsa_p521_from_seed(&seed);
        let public = PublicKey::from_pem(key.public_key_pem().as_bytes()).unwrap();
        assert_eq!(public.algorithm, Algorithm::EcdsaP521Sha512);
        let sig = key.sign(b"model");
        assert_eq!(sig, key.sign(b"model"), "RFC 6979 is deterministic");
        assert!(public.verify(b"model", &sig));
        assert!(!public.verify(b"modem", &sig));
        assert!(!public.verify(b"model", &sig[..sig.len() - 1]));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(PublicKey::from_pem(b"not pem").is_err());
        assert!(PublicKey::from_spki_der(&[0x30, 0x82, 0xff, 0xff]).is_err());
        assert!(
            SigningKey::from_pem(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
        let rsa_like = der_tlv(
            0x30,
            &[
                der_tlv(0x30, &[0x06, 0x03, 0x2a, 0x03, 0x04]),
                bit_string(&[1, 2, 3]),
            ]
            .concat(),
        );
        assert!(matches!(
            PublicKey::from_spki_der(&rsa_like),
            Err(KeyError::Unsupported(_))
        ));
    }
}
