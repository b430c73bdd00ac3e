//! OCI content digests: grammar, registered algorithms and streaming hashers.

use sha2::{Digest as _, Sha256, Sha512};
use std::fmt;
use std::io::{self, Read};

/// A digest string that satisfies the OCI grammar
/// `algorithm ":" encoded`, with `algorithm` = components `[a-z0-9]+` joined by `+._-`
/// and `encoded` = `[a-zA-Z0-9=_-]+`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: String,
    encoded: String,
}

/// Why a digest string is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("{0:?} does not match the OCI digest grammar algorithm:encoded")]
    Grammar(String),
    #[error("digest algorithm {0:?} is not registered (use sha256 or sha512)")]
    Unregistered(String),
    #[error("{algorithm} digest must be {len} lowercase hex characters, got {got:?}")]
    Encoding {
        algorithm: String,
        len: usize,
        got: String,
    },
}

impl Digest {
    /// Parse against the grammar only; the algorithm may be unregistered.
    pub(crate) fn parse_grammar(s: &str) -> Result<Digest, DigestError> {
        let bad = || DigestError::Grammar(s.to_string());
        let (algorithm, encoded) = s.split_once(':').ok_or_else(bad)?;
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        if !algorithm.split(['+', '.', '_', '-']).all(component_ok) {
            return Err(bad());
        }
        if encoded.is_empty()
            || !encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
        {
            return Err(bad());
        }
        Ok(Digest {
            algorithm: algorithm.to_string(),
            encoded: encoded.to_string(),
        })
    }

    /// Parse and require a registered algorithm with its exact encoding.
    pub fn parse(s: &str) -> Result<Digest, DigestError> {
        let d = Digest::parse_grammar(s)?;
        d.check_registered()?;
        Ok(d)
    }

    /// Require a registered algorithm (`sha256`, `sha512`) and its lowercase-hex encoding.
    pub(crate) fn check_registered(&self) -> Result<(), DigestError> {
        let len = match self.algorithm.as_str() {
            "sha256" => 64,
            "sha512" => 128,
            other => return Err(DigestError::Unregistered(other.to_string())),
        };
        let hex_ok = self
            .encoded
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if self.encoded.len() != len || !hex_ok {
            return Err(DigestError::Encoding {
                algorithm: self.algorithm.clone(),
                len,
                got: self.encoded.clone(),
            });
        }
        Ok(())
    }

    pub(crate) fn algorithm(&self) -> &str {
        &self.algorithm
    }
    pub fn encoded(&self) -> &str {
        &self.encoded
    }

    /// The sha256 digest of a byte string.
    pub fn sha256_of(bytes: &[u8]) -> Digest {
        let mut h = Hasher::new("sha256").expect("sha256 is registered");
        h.update(bytes);
        h.finish()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.encoded)
    }
}

/// An incremental hasher for one registered algorithm.
#[derive(Clone)]
pub enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub fn new(algorithm: &str) -> Option<Hasher> {
        match algorithm {
            "sha256" => Some(Hasher::Sha256(Sha256::new())),
            "sha512" => Some(Hasher::Sha512(Sha512::new())),
            _ => None,
        }
    }
    pub fn update(&mut self, bytes: &[u8]) {
        HASHED.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }
    pub fn finish(self) -> Digest {
        let (algorithm, encoded) = match self {
            Hasher::Sha256(h) => ("sha256", hex(&h.finalize())),
            Hasher::Sha512(h) => ("sha512", hex(&h.finalize())),
        };
        Digest {
            algorithm: algorithm.into(),
            encoded,
        }
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Bytes hashed so far by every [`Hasher`] of the process, for a progress display of long work
/// (large layers, registry transfers). One relaxed add per update: no measurable cost.
static HASHED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Total bytes hashed in this process (a byte hashed by two hashers counts twice).
pub(crate) fn bytes_hashed() -> u64 {
    HASHED.load(std::sync::atomic::Ordering::Relaxed)
}

/// A reader that hashes and counts every byte that passes through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Hasher,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R, hasher: Hasher) -> Self {
        HashingReader {
            inner,
            hasher,
            count: 0,
        }
    }
    /// Read the rest of the stream, then return the digest and byte count.
    pub fn drain(mut self) -> io::Result<(Digest, u64)> {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                break;
            }
        }
        Ok((self.hasher.finish(), self.count))
    }
    pub(crate) fn finish(self) -> (Digest, u64) {
        (self.hasher.finish(), self.count)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn hashed_bytes_are_counted_for_progress() {
        let before = bytes_hashed();
        let r = HashingReader::new(&[7u8; 1000][..], Hasher::new("sha256").unwrap());
        let (_, n) = r.drain().unwrap();
        assert_eq!(n, 1000);
        // Other tests hash concurrently: at least ours were added.
        assert!(bytes_hashed() >= before + 1000);
    }

    #[rstest]
    #[case(
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        true
    )]
    #[case("sha512:abc", false)]
    #[case(
        "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        false
    )]
    #[case("md5:d41d8cd98f00b204e9800998ecf8427e", false)]
    fn registered(#[case] s: &str, #[case] ok: bool) {
        assert_eq!(Digest::parse(s).is_ok(), ok, "{s}");
    }

    #[rstest]
    #[case("foo+bar.baz_q-x:AbC=_-", true)]
    #[case("sha256", false)]
    #[case(":abc", false)]
    #[case("SHA256:abc", false)]
    #[case("sha256:", false)]
    #[case("sha256:ab/c", false)]
    #[case("sha256+:abc", false)]
    fn grammar(#[case] s: &str, #[case] ok: bool) {
        assert_eq!(Digest::parse_grammar(s).is_ok(), ok, "{s}");
    }

    #[test]
    fn empty_sha256() {
        assert_eq!(
            Digest::sha256_of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
