//! Keeping credentials out of every log line, report and error message.
//!
//! Every secret the registry target learns (a configured password or token, the `Basic` value
//! built from them, a bearer token handed out by a token server) is registered here, and every
//! string that leaves the registry client passes through [`Redactor::redact`]. The adapter target
//! passes an adapter's standard error and reply messages through the same redactor, so a
//! credential an adapter prints never reaches a report.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::{Arc, RwLock};

/// What a redacted secret is replaced with.
pub(crate) const MASK: &str = "***";

/// A secret string: `Debug`, `Display` and `Serialize` never show it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// A shared, growing set of secrets to mask.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a secret, together with the encodings it travels in (base64, and the
    /// `user:password` pair of HTTP Basic when `user` is given).
    pub(crate) fn add(&self, secret: &str) {
        // Very short secrets would mask ordinary words; they are still never printed by this
        // module, which only ever prints the mask in their place.
        if secret.len() < 3 {
            return;
        }
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        let mut v = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        for s in [secret.to_string(), b64] {
            if !v.contains(&s) {
                v.push(s);
            }
        }
        // Longest first, so a secret that contains another is masked whole.
        v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Register the credentials of HTTP Basic authentication.
    pub(crate) fn add_basic(&self, user: &str, password: &str) {
        self.add(password);
        self.add(&format!("{user}:{password}"));
    }

    /// Mask every registered secret, plus anything that looks like an `Authorization` value or
    /// URL user-info.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        let v = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        for s in v.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        drop(v);
        redact_patterns(&out)
    }
}

/// Mask `Basic …`/`Bearer …` values and `user:password@` in URLs, whoever wrote them.
fn redact_patterns(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Authorization schemes: mask the token that follows.
    loop {
        // The earliest scheme occurrence.
        let hit = ["Basic ", "Bearer ", "basic ", "bearer "]
            .iter()
            .filter_map(|sc| rest.find(sc).map(|i| (i, *sc)))
            .min_by_key(|(i, _)| *i);
        let Some((i, scheme)) = hit else {
            out.push_str(rest);
            break;
        };
        let before = &rest[..i];
        // Only when the scheme starts a word (not e.g. "xBasic ").
        let boundary = before
            .chars()
            .last()
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        let after = &rest[i + scheme.len()..];
        let token_len = after
            .find(|c: char| c.is_whitespace() || c == '"' || c == ',' || c == ';')
            .unwrap_or(after.len());
        let token = &after[..token_len];
        let looks_like_token = token.len() >= 8
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=-_.~".contains(&b));
        out.push_str(before);
        out.push_str(scheme);
        if boundary && looks_like_token {
            out.push_str(MASK);
        } else {
            out.push_str(token);
        }
        rest = &after[token_len..];
    }
    // URL user-info: scheme://user:pass@host
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        result.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        if let Some(at) = authority.rfind('@') {
            result.push_str(MASK);
            result.push_str(&authority[at..]);
        } else {
            result.push_str(authority);
        }
        rest = &tail[end..];
    }
    result.push_str(rest);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-password");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        let back: Secret = serde_json::from_str("\"x-y-z\"").unwrap();
        assert_eq!(back.expose(), "x-y-z");
    }

    #[test]
    fn masks_registered_secrets_and_encodings() {
        let r = Redactor::new();
        r.add_basic("alice", "s3cr3t-pw");
        r.add("tok.en-abcdef");
        let b64 = base64::engine::general_purpose::STANDARD.encode("alice:s3cr3t-pw");
        let msg = format!("pw s3cr3t-pw, basic {b64}, token tok.en-abcdef, user alice");
        let red = r.redact(&msg);
        assert!(!red.contains("s3cr3t-pw"), "{red}");
        assert!(!red.contains(&b64), "{red}");
        assert!(!red.contains("tok.en-abcdef"), "{red}");
        assert!(red.contains("user alice"), "{red}");
    }

    #[test]
    fn masks_authorization_values_and_userinfo() {
        let r = Redactor::new();
        let red = r.redact(
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc, Basic YWxpY2U6cHc=; \
             url https://bob:pw@example.com/v2/ and http://example.com/x",
        );
        assert!(!red.contains("eyJhbGci"), "{red}");
        assert!(!red.contains("YWxpY2U6cHc="), "{red}");
        assert!(!red.contains("bob:pw"), "{red}");
        assert!(red.contains("https://***@example.com/v2/"), "{red}");
        assert!(red.contains("http://example.com/x"), "{red}");
        // Ordinary prose stays.
        assert_eq!(r.redact("Basic auth failed"), "Basic auth failed");
    }
}
