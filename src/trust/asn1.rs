//! A minimal, bounded DER reader for the structures x509-parser does not parse for us (CMS
//! SignedData of RFC 3161 timestamps, the TBS surgery of precertificate SCTs). Every read checks
//! its lengths against the input, so malformed DER is an error, never a panic.

/// Why DER could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed DER: {0}")]
pub(crate) struct DerError(pub String);

fn err(m: impl Into<String>) -> DerError {
    DerError(m.into())
}

/// One TLV: its tag, its content and its whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

/// Read the first TLV of `input`; returns it and what follows. Only single-byte tags and
/// definite lengths (DER) are accepted.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), DerError> {
    let (&tag, rest) = input.split_first().ok_or_else(|| err("no more input"))?;
    if tag & 0x1f == 0x1f {
        return Err(err(format!("multi-byte tag {tag:#x}")));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| err("no length"))?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return Err(err("unsupported or truncated length"));
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(err(format!(
            "a TLV of tag {tag:#x} claims {len} bytes, {} remain",
            rest.len()
        )));
    }
    let header = input.len() - rest.len();
    Ok((
        Tlv {
            tag,
            content: &rest[..len],
            raw: &input[..header + len],
        },
        &rest[len..],
    ))
}

/// Read one TLV that must have `tag`.
pub fn expect<'a>(input: &'a [u8], tag: u8, what: &str) -> Result<(Tlv<'a>, &'a [u8]), DerError> {
    let (t, rest) = read(input).map_err(|e| err(format!("{what}: {}", e.0)))?;
    if t.tag != tag {
        return Err(err(format!("{what}: tag {:#x}, expected {tag:#x}", t.tag)));
    }
    Ok((t, rest))
}

/// All TLVs of a constructed value's content, in order.
pub fn children(content: &[u8]) -> Result<Vec<Tlv<'_>>, DerError> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        if out.len() > 4096 {
            return Err(err("more than 4096 elements"));
        }
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Ok(out)
}

/// The dotted form of an OBJECT IDENTIFIER's content.
pub(crate) fn oid_string(content: &[u8]) -> Result<String, DerError> {
    let (&first, rest) = content.split_first().ok_or_else(|| err("empty OID"))?;
    let mut arcs = vec![(first / 40).min(2) as u64];
    arcs.push(first as u64 - arcs[0] * 40);
    let mut acc: u64 = 0;
    for b in rest {
        if acc > (u64::MAX >> 7) {
            return Err(err("OID arc too large"));
        }
        acc = (acc << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    if rest.last().is_some_and(|b| b & 0x80 != 0) {
        return Err(err("truncated OID"));
    }
    Ok(arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

/// A GeneralizedTime (`YYYYMMDDHHMMSS[.f*]Z`) in seconds since the epoch; fractions are dropped.
pub(crate) fn generalized_time(content: &[u8]) -> Result<i64, DerError> {
    let s = std::str::from_utf8(content).map_err(|_| err("GeneralizedTime is not ASCII"))?;
    let s = s
        .strip_suffix('Z')
        .ok_or_else(|| err("GeneralizedTime is not in UTC"))?;
    let whole = s.split('.').next().unwrap_or_default();
    chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S")
        .map(|d| d.and_utc().timestamp())
        .map_err(|e| err(format!("GeneralizedTime {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::der;

    #[test]
    fn reads_what_the_writer_writes_and_refuses_truncation() {
        let v = der::seq(&[
            der::oid("1.2.840.113549.1.9.16.1.4"),
            der::octets(&[7; 300]),
        ]);
        let (t, rest) = read(&v).unwrap();
        assert!(rest.is_empty());
        let kids = children(t.content).unwrap();
        assert_eq!(
            oid_string(kids[0].content).unwrap(),
            "1.2.840.113549.1.9.16.1.4"
        );
        assert_eq!(kids[1].content.len(), 300);
        assert!(read(&v[..v.len() - 1]).is_err());
        assert!(read(&[0x30]).is_err());
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert_eq!(generalized_time(b"20250609115738Z").unwrap(), 1_749_470_258);
        assert_eq!(
            generalized_time(b"20250609115738.123Z").unwrap(),
            1_749_470_258
        );
        assert!(generalized_time(b"20250609115738").is_err());
    }
}
