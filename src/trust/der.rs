//! A minimal DER writer (the key reader wraps a SEC1 key as PKCS#8 with it; the fixture
//! generator's certificate builder, [`crate::fixtures::certs`], writes certificates with it), the
//! X.509 extension OIDs the verifiers look for, and x509-parser's errors in words. Verification
//! parses with x509-parser.

/// One TLV with a definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
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

pub(crate) fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub(crate) fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

/// An OBJECT IDENTIFIER from its dotted form.
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
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
pub(crate) fn uint(value: u64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut body = bytes[skip..].to_vec();
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

pub(crate) fn boolean(value: bool) -> Vec<u8> {
    tlv(0x01, &[if value { 0xff } else { 0 }])
}

pub(crate) fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

pub(crate) fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

pub(crate) fn bits(bytes: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], bytes].concat())
}

/// `[n] EXPLICIT`.
pub(crate) fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, inner)
}

/// UTCTime (years 1950–2049) or GeneralizedTime, as RFC 5280 asks.
pub(crate) fn time(t: i64) -> Vec<u8> {
    let d = chrono::DateTime::from_timestamp(t, 0).expect("time in range");
    use chrono::Datelike;
    if (1950..2050).contains(&d.year()) {
        tlv(0x17, d.format("%y%m%d%H%M%SZ").to_string().as_bytes())
    } else {
        tlv(0x18, d.format("%Y%m%d%H%M%SZ").to_string().as_bytes())
    }
}

/// A Name with one organization and one common name.
pub(crate) fn name(organization: &str, common_name: &str) -> Vec<u8> {
    let rdn = |o: &str, v: &str| set(&[seq(&[oid(o), utf8(v)])]);
    seq(&[rdn("2.5.4.10", organization), rdn("2.5.4.3", common_name)])
}

/// Fulcio's OIDC issuer extension (v2: a DER UTF8String).
pub(crate) const OID_FULCIO_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
/// Fulcio's OIDC issuer extension (v1: the raw string).
pub(crate) const OID_FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";

/// One X.509 `Extension`: its OID, the critical flag when set, and the DER value.
pub(crate) fn extension(id: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(boolean(true));
    }
    parts.push(octets(value));
    seq(&parts)
}

/// A parser error in words: nom's own `Display` shows the inner error's debug form
/// (`Parsing Error: Der(InvalidLength)`), x509-parser's says "BER error: Invalid Length".
pub(crate) fn parse_error_words<E: std::fmt::Display>(e: &x509_parser::nom::Err<E>) -> String {
    match e {
        x509_parser::nom::Err::Incomplete(_) => "the DER data ends early".to_string(),
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
