//! X.509 certificate chains, bounded: each certificate is verified against the next one's key
//! (ring, through x509-parser), each must be valid at the given time, and the path must end at a
//! trust anchor the consumer supplied. A path longer than [`MAX_CHAIN`] or one that repeats a
//! certificate is refused, so a chain that loops cannot hang the verifier.

use super::der::{OID_FULCIO_ISSUER_V1, OID_FULCIO_ISSUER_V2, parse_error_words};
use super::keys::PublicKey;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::*;

/// The longest certificate path accepted, leaf and anchor included.
pub(crate) const MAX_CHAIN: usize = 8;

/// Why a chain was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ChainError {
    #[error("certificate {0} is not a DER X.509 certificate: {1}")]
    Malformed(usize, String),
    #[error("certificate {subject:?} is not valid at {at} (valid {not_before} to {not_after})")]
    NotValidAt {
        subject: String,
        at: String,
        not_before: String,
        not_after: String,
    },
    #[error("no trusted certificate authority issued {0:?}")]
    Untrusted(String),
    #[error("the certificate path is longer than {MAX_CHAIN} certificates")]
    TooLong,
    #[error("the certificate path repeats {0:?}: it loops")]
    Loop(String),
    #[error("issuer {0:?} is not a certificate authority (basicConstraints cA is not true)")]
    NotCa(String),
}

/// Parse one DER certificate completely (no trailing bytes).
pub(crate) fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok((rest, _)) if !rest.is_empty() => Err("trailing bytes after the certificate".into()),
        Ok((_, cert)) => Ok(cert),
        Err(e) => Err(parse_error_words(&e)),
    }
}

/// The certified public key, when it is one of the algorithms this suite verifies.
pub(crate) fn public_key(
    cert: &X509Certificate<'_>,
) -> Result<PublicKey, crate::trust::keys::KeyError> {
    PublicKey::from_spki_der(cert.public_key().raw)
}

fn valid_at(cert: &X509Certificate<'_>, at: i64) -> Result<(), ChainError> {
    let v = cert.validity();
    if v.not_before.timestamp() <= at && at <= v.not_after.timestamp() {
        return Ok(());
    }
    Err(ChainError::NotValidAt {
        subject: cert.subject().to_string(),
        at: super::codec::to_rfc3339(at),
        not_before: super::codec::to_rfc3339(v.not_before.timestamp()),
        not_after: super::codec::to_rfc3339(v.not_after.timestamp()),
    })
}

fn is_ca(cert: &X509Certificate<'_>) -> bool {
    matches!(cert.basic_constraints(), Ok(Some(bc)) if bc.value.ca)
}

fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    cert.issuer() == issuer.subject() && cert.verify_signature(Some(issuer.public_key())).is_ok()
}

/// Verify `chain` (leaf first, then intermediates the signature carried, in any order) up to one
/// of `anchors`, every certificate valid at `at` when `check_time` is set. Returns the index of
/// the anchor reached. A certificate of `chain` equal to an anchor counts as that anchor, so
/// chains that include their root are accepted.
pub(crate) fn verify_chain(
    chain: &[Vec<u8>],
    anchors: &[Vec<u8>],
    at: i64,
    check_time: bool,
) -> Result<usize, ChainError> {
    let parsed = chain
        .iter()
        .enumerate()
        .map(|(i, der)| parse(der).map_err(|e| ChainError::Malformed(i, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let roots = anchors
        .iter()
        .enumerate()
        .map(|(i, der)| parse(der).map_err(|e| ChainError::Malformed(chain.len() + i, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(leaf) = parsed.first() else {
        return Err(ChainError::Malformed(0, "the chain is empty".into()));
    };
    let mut current = leaf;
    let mut seen: Vec<&[u8]> = vec![chain[0].as_slice()];
    for _ in 0..MAX_CHAIN {
        if check_time {
            valid_at(current, at)?;
        }
        // An anchor that is the current certificate itself, or that issued it.
        if let Some(i) = anchors
            .iter()
            .position(|a| a.as_slice() == current.as_ref())
        {
            return Ok(i);
        }
        if let Some(i) = roots.iter().position(|r| signed_by(current, r)) {
            if !is_ca(&roots[i]) {
                return Err(ChainError::NotCa(roots[i].subject().to_string()));
            }
            if check_time {
                valid_at(&roots[i], at)?;
            }
            return Ok(i);
        }
        let Some(next) = parsed.iter().enumerate().skip(1).find_map(|(i, c)| {
            (c.subject() == current.issuer() && signed_by(current, c)).then_some(i)
        }) else {
            return Err(ChainError::Untrusted(current.subject().to_string()));
        };
        if seen.contains(&chain[next].as_slice()) {
            return Err(ChainError::Loop(parsed[next].subject().to_string()));
        }
        if !is_ca(&parsed[next]) {
            return Err(ChainError::NotCa(parsed[next].subject().to_string()));
        }
        seen.push(chain[next].as_slice());
        current = &parsed[next];
    }
    Err(ChainError::TooLong)
}

/// Who a certificate names: its subject alternative names (e-mail addresses and URIs) and the
/// Fulcio OIDC issuer extension (v2, else v1).
pub(crate) fn identity(cert: &X509Certificate<'_>) -> (Vec<String>, Option<String>) {
    let mut sans = Vec::new();
    let mut issuer_v1 = None;
    let mut issuer_v2 = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for n in &san.general_names {
                    match n {
                        GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
                            sans.push((*s).to_string())
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                let id = ext.oid.to_id_string();
                if id == OID_FULCIO_ISSUER_V2 {
                    issuer_v2 = parse_utf8(ext.value);
                } else if id == OID_FULCIO_ISSUER_V1 {
                    issuer_v1 = std::str::from_utf8(ext.value).ok().map(str::to_string);
                }
            }
        }
    }
    (sans, issuer_v2.or(issuer_v1))
}

fn parse_utf8(der: &[u8]) -> Option<String> {
    match der {
        [0x0c, len, rest @ ..] if (*len as usize) == rest.len() => {
            std::str::from_utf8(rest).ok().map(str::to_string)
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
pub(crate) mod tests {
    use super::*;
    use crate::fixtures::certs::CertSpec;
    use crate::trust::keys::SigningKey;

    pub(crate) const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    #[test]
    fn parse_errors_are_words_not_debug_text() {
        // A SEQUENCE whose length runs past the data.
        let e = parse(&[0x30, 0x82, 0xff, 0xff, 0x00]).unwrap_err();
        assert!(!e.contains("Der(") && !e.contains("Parsing Error"), "{e}");
        let e = crate::trust::keys::PublicKey::from_spki_der(&[0x30, 0x05, 0x01])
            .unwrap_err()
            .to_string();
        assert!(!e.contains("Der(") && !e.contains("Parsing Error"), "{e}");
    }

    pub(crate) fn key(seed: u8) -> SigningKey {
        SigningKey::ed25519_from_seed(&[seed; 32])
    }

    pub(crate) fn cert(
        serial: u64,
        issuer: &str,
        subject: &str,
        subject_key: &SigningKey,
        signer: &SigningKey,
        ca: bool,
        window: (i64, i64),
    ) -> Vec<u8> {
        CertSpec {
            serial,
            issuer: ("test-only", issuer),
            subject: ("test-only", subject),
            not_before: window.0,
            not_after: window.1,
            spki: &subject_key.public_key().spki_der,
            ca,
            san: (!ca).then_some("signer@example.test"),
            oidc_issuer: (!ca).then_some("https://issuer.example.test"),
        }
        .build(signer)
    }

    fn pki() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let (root, inter, leaf) = (key(1), key(2), key(3));
        let w = (T0, T0 + 1000);
        (
            cert(1, "root", "root", &root, &root, true, w),
            cert(2, "root", "inter", &inter, &root, true, w),
            cert(3, "inter", "leaf", &leaf, &inter, false, w),
        )
    }

    #[test]
    fn a_chain_through_an_intermediate_reaches_the_anchor() {
        let (root, inter, leaf) = pki();
        assert_eq!(
            verify_chain(
                &[leaf.clone(), inter.clone()],
                &[root.clone()],
                T0 + 1,
                true
            ),
            Ok(0)
        );
        // The intermediate as an anchor, and a chain that includes the root.
        assert_eq!(
            verify_chain(&[leaf.clone()], &[inter.clone()], T0 + 1, true),
            Ok(0)
        );
        assert_eq!(
            verify_chain(&[leaf, inter, root.clone()], &[root], T0 + 1, true),
            Ok(0)
        );
    }

    #[test]
    fn untrusted_expired_looping_too_long_and_garbage_chains_are_refused() {
        let (root, inter, leaf) = pki();
        let other_root = cert(9, "root", "root", &key(8), &key(8), true, (T0, T0 + 1000));
        assert!(matches!(
            verify_chain(&[leaf.clone(), inter.clone()], &[other_root], T0 + 1, true),
            Err(ChainError::Untrusted(_))
        ));
        assert!(matches!(
            verify_chain(
                &[leaf.clone(), inter.clone()],
                &[root.clone()],
                T0 + 5000,
                true
            ),
            Err(ChainError::NotValidAt { .. })
        ));
        assert!(matches!(
            verify_chain(&[leaf.clone()], &[root.clone()], T0 + 1, true),
            Err(ChainError::Untrusted(_))
        ));
        assert!(matches!(
            verify_chain(&[b"junk".to_vec()], &[root.clone()], T0, true),
            Err(ChainError::Malformed(0, _))
        ));
        assert!(matches!(
            verify_chain(&[], &[root.clone()], T0, true),
            Err(ChainError::Malformed(..))
        ));
        // Two CAs that certify each other: a loop, never an anchor.
        let (a, b) = (key(20), key(21));
        let w = (T0, T0 + 1000);
        let a_by_b = cert(20, "b", "a", &a, &b, true, w);
        let b_by_a = cert(21, "a", "b", &b, &a, true, w);
        let leaf_by_a = cert(22, "a", "leaf", &key(22), &a, false, w);
        assert!(matches!(
            verify_chain(&[leaf_by_a, a_by_b, b_by_a], &[root.clone()], T0 + 1, true),
            Err(ChainError::Loop(_))
        ));
        // A straight path of ten CAs exceeds the bound.
        let keys: Vec<_> = (30..41).map(key).collect();
        let mut chain = vec![cert(100, "ca0", "leaf", &key(99), &keys[0], false, w)];
        for i in 0..10 {
            chain.push(cert(
                101 + i as u64,
                &format!("ca{}", i + 1),
                &format!("ca{i}"),
                &keys[i],
                &keys[i + 1],
                true,
                w,
            ));
        }
        assert_eq!(
            verify_chain(&chain, &[root.clone()], T0 + 1, true),
            Err(ChainError::TooLong)
        );
        // A leaf (not a CA) used as an issuer.
        let fake = cert(50, "leaf", "x", &key(51), &key(3), false, w);
        assert!(matches!(
            verify_chain(&[fake, leaf], &[inter.clone()], T0 + 1, true),
            Err(ChainError::NotCa(_))
        ));
    }

    #[test]
    fn identity_reads_san_and_fulcio_issuer() {
        let (_, _, leaf) = pki();
        let c = parse(&leaf).unwrap();
        let (sans, issuer) = identity(&c);
        assert_eq!(sans, vec!["signer@example.test".to_string()]);
        assert_eq!(issuer.as_deref(), Some("https://issuer.example.test"));
        assert!(parse(&[leaf.clone(), vec![0]].concat()).is_err());
    }
}
