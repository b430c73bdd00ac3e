//! Text encodings of evidence fields: base64 as producers write it (standard or URL-safe, padded
//! or not), hex, and RFC 3339 times.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

pub(crate) use crate::digest::hex;

/// Decode base64 in the standard or URL-safe alphabet, with or without padding.
pub(crate) fn b64(s: &str) -> Result<Vec<u8>, String> {
    let trimmed = s.trim().trim_end_matches('=');
    let padded = format!("{trimmed}{}", "=".repeat((4 - trimmed.len() % 4) % 4));
    STANDARD
        .decode(&padded)
        .or_else(|_| URL_SAFE.decode(&padded))
        .map_err(|e| format!("not base64: {e}"))
}

/// Standard base64 with padding.
pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// URL-safe base64 without padding (JWS).
pub(crate) fn b64url_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode hex (either case).
pub(crate) fn unhex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("odd-length hex {s:?}"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .ok_or_else(|| format!("not hex: {s:?}"))
        })
        .collect()
}

/// Seconds since the Unix epoch of an RFC 3339 time.
pub(crate) fn rfc3339(s: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .map_err(|e| format!("not an RFC 3339 time {s:?}: {e}"))
}

/// An RFC 3339 UTC time with seconds precision.
pub(crate) fn to_rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders_accept_variants_and_refuse_garbage() {
        assert_eq!(b64("_-8").unwrap(), vec![0xff, 0xef]);
        assert_eq!(b64("/+8=").unwrap(), vec![0xff, 0xef]);
        assert!(b64("%%").is_err());
        assert_eq!(unhex("0aFF").unwrap(), vec![10, 255]);
        assert!(unhex("0").is_err());
        assert!(unhex("zz").is_err());
        assert!(unhex("é1").is_err());
        assert_eq!(rfc3339("1970-01-01T00:01:00Z"), Ok(60));
        assert!(rfc3339("yesterday").is_err());
        assert_eq!(to_rfc3339(60), "1970-01-01T00:01:00Z");
    }
}
