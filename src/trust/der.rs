//! A minimal DER writer and X.509 certificate builder, for test-only trust material: the
//! fixture generator makes its certificate authorities and signing certificates with it, signed
//! by Ed25519 or deterministic ECDSA keys, so that regeneration reproduces them byte for byte.
//! Verification never uses this module; it parses with x509-parser.

use super::keys::{Algorithm, SigningKey};

/// One TLV with a definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

/// An OBJECT IDENTIFIER from its dotted form.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse().expect("numeric OID arc"))
        .collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    tlv(0x06, &body)
}

/// A non-negative INTEGER.
pub fn uint(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut body = bytes[skip..].to_vec();
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

pub fn boolean(value: bool) -> Vec<u8> {
    tlv(0x01, &[if value { 0xff } else { 0 }])
}

pub fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

pub fn bits(bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], bytes].concat())
}

/// `[n] EXPLICIT`.
pub fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, inner)
}

/// UTCTime (years 1950–2049) or GeneralizedTime, as RFC 5280 asks.
pub fn time(t: i64) -> Vec<u8> {
    let d = chrono::DateTime::from_timestamp(t, 0).expect("time in range");
    use chrono::Datelike;
    if (1950..2050).contains(&d.year()) {
        tlv(0x17, d.format("%y%m%d%H%M%SZ").to_string().as_bytes())
    } else {
        tlv(0x18, d.format("%Y%m%d%H%M%SZ").to_string().as_bytes())
    }
}

/// A Name with one organization and one common name.
pub fn name(organization: &str, common_name: &str) -> Vec<u8> {
    let rdn = |o: &str, v: &str| set(&[seq(&[oid(o), utf8(v)])]);
    seq(&[rdn("2.5.4.10", organization), rdn("2.5.4.3", common_name)])
}

/// The signature AlgorithmIdentifier of a key.
pub fn signature_algorithm(alg: Algorithm) -> Vec<u8> {
    match alg {
        Algorithm::Ed25519 => seq(&[oid("1.3.101.112")]),
        Algorithm::EcdsaP256Sha256 => seq(&[oid("1.2.840.10045.4.3.2")]),
        Algorithm::EcdsaP384Sha384 => seq(&[oid("1.2.840.10045.4.3.3")]),
        Algorithm::EcdsaP521Sha512 => seq(&[oid("1.2.840.10045.4.3.4")]),
        // sha256WithRSAEncryption, parameters NULL.
        Algorithm::RsaSha256 => seq(&[oid("1.2.840.113549.1.1.11"), tlv(0x05, &[])]),
    }
}

/// Fulcio's OIDC issuer extension (v2: a DER UTF8String).
pub const OID_FULCIO_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
/// Fulcio's OIDC issuer extension (v1: the raw string).
pub const OID_FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";

/// One X.509 `Extension`: its OID, the critical flag when set, and the DER value.
pub fn extension(id: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(boolean(true));
    }
    parts.push(octets(value));
    seq(&parts)
}

/// What goes into a test certificate.
pub struct CertSpec<'a> {
    pub serial: u64,
    pub issuer: (&'a str, &'a str),
    pub subject: (&'a str, &'a str),
    pub not_before: i64,
    pub not_after: i64,
    /// DER SubjectPublicKeyInfo of the certified key.
    pub spki: &'a [u8],
    pub ca: bool,
    /// Subject alternative name: an e-mail address, or a URI when it contains `://`.
    pub san: Option<&'a str>,
    /// Fulcio OIDC issuer extension (v2).
    pub oidc_issuer: Option<&'a str>,
}

impl CertSpec<'_> {
    /// The DER certificate, signed by `signer` (the issuer's key).
    pub fn build(&self, signer: &SigningKey) -> Vec<u8> {
        self.build_with(signer, &[])
    }

    /// The DER certificate with `extra` extensions (DER `Extension`s, see [`extension`]) after
    /// the usual ones; an extra extendedKeyUsage replaces the default one of a leaf.
    pub fn build_with(&self, signer: &SigningKey, extra: &[Vec<u8>]) -> Vec<u8> {
        let eku = oid("2.5.29.37");
        let custom_eku = extra.iter().any(|e| e.windows(eku.len()).any(|w| w == eku));
        let ext = |id: &str, critical: bool, value: Vec<u8>| {
            let mut parts = vec![oid(id)];
            if critical {
                parts.push(boolean(true));
            }
            parts.push(octets(&value));
            seq(&parts)
        };
        let mut exts = Vec::new();
        if self.ca {
            exts.push(ext("2.5.29.19", true, seq(&[boolean(true)])));
            // keyCertSign | cRLSign
            exts.push(ext("2.5.29.15", true, tlv(0x03, &[0x01, 0x06])));
        } else {
            // digitalSignature
            exts.push(ext("2.5.29.15", true, tlv(0x03, &[0x07, 0x80])));
            // extendedKeyUsage: codeSigning
            if !custom_eku {
                exts.push(ext("2.5.29.37", false, seq(&[oid("1.3.6.1.5.5.7.3.3")])));
            }
        }
        if let Some(san) = self.san {
            let general_name = if san.contains("://") {
                tlv(0x86, san.as_bytes())
            } else {
                tlv(0x81, san.as_bytes())
            };
            exts.push(ext("2.5.29.17", true, seq(&[general_name])));
        }
        if let Some(issuer) = self.oidc_issuer {
            exts.push(ext(OID_FULCIO_ISSUER_V2, false, utf8(issuer)));
        }
        exts.extend(extra.iter().cloned());
        let alg = signature_algorithm(signer.algorithm);
        let tbs = seq(&[
            explicit(0, &uint(2)),
            uint(self.serial),
            alg.clone(),
            name(self.issuer.0, self.issuer.1),
            seq(&[time(self.not_before), time(self.not_after)]),
            name(self.subject.0, self.subject.1),
            self.spki.to_vec(),
            explicit(3, &seq(&exts)),
        ]);
        let signature = signer.sign(&tbs);
        seq(&[tbs, alg, bits(&signature)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    #[test]
    fn oid_and_integer_encodings() {
        assert_eq!(
            oid("1.2.840.10045.3.1.7"),
            vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        );
        assert_eq!(uint(0), vec![2, 1, 0]);
        assert_eq!(uint(128), vec![2, 2, 0, 128]);
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
    }

    #[test]
    fn built_certificates_parse_and_verify() {
        let ca = SigningKey::ed25519_from_seed(&[9; 32]);
        let leaf = SigningKey::ed25519_from_seed(&[10; 32]);
        let der = CertSpec {
            serial: 7,
            issuer: ("test-only", "CA"),
            subject: ("test-only", "leaf"),
            not_before: 1_700_000_000,
            not_after: 1_700_000_600,
            spki: &leaf.public_key().spki_der,
            ca: false,
            san: Some("signer@example.test"),
            oidc_issuer: Some("https://issuer.example.test"),
        }
        .build(&ca);
        let (rest, cert) = X509Certificate::from_der(&der).unwrap();
        assert!(rest.is_empty());
        assert_eq!(cert.validity().not_before.timestamp(), 1_700_000_000);
        let ca_spki = SubjectPublicKeyInfo::from_der(&ca.public_key().spki_der)
            .unwrap()
            .1;
        assert!(cert.verify_signature(Some(&ca_spki)).is_ok());
        assert!(cert.verify_signature(None).is_err());
    }
}
