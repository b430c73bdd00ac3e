//! A small JSON document kept as its exact stored bytes plus its parse, and the caps that keep
//! hostile input from exhausting memory, disk or time.
//!
//! Plain types below every fact gatherer: the targets read documents into them, the evidence
//! and the artifact facts hold them, trust parses statements out of them.

use crate::digest::{Digest, Hasher};
use serde_json::Value;
use std::io::{self, Read};

/// Caps that keep hostile input from exhausting memory, disk or time.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Documents (manifests, configs, index.json) larger than this are not parsed.
    pub max_document_bytes: u64,
    /// A compressed layer may not expand beyond this many bytes.
    pub max_uncompressed_bytes: u64,
    /// A compressed layer may not expand beyond `ratio × compressed + ratio_slack_bytes`.
    pub max_ratio: u64,
    pub ratio_slack_bytes: u64,
    /// Tar entries beyond this count are not inspected (reported as a limit finding).
    pub max_tar_entries: u64,
    /// Worker threads for layer streaming; 0 means one per core.
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 16 << 20,
            max_uncompressed_bytes: 1 << 40,
            max_ratio: 100,
            ratio_slack_bytes: 1 << 20,
            max_tar_entries: 1_000_000,
            threads: 0,
        }
    }
}

/// A small JSON document kept as its exact stored bytes plus its parse.
#[derive(Debug, Clone)]
pub struct Document {
    /// The bytes as stored; `None` when the document exceeded `max_document_bytes`.
    pub bytes: Option<Vec<u8>>,
    /// The full stored length, even when the bytes were not kept.
    pub size: u64,
    /// The parsed value, or why it does not parse (not UTF-8, not JSON, too deep, too large).
    pub json: Result<Value, String>,
    /// sha256 of all the stored bytes, computed while reading, so it is known even when the
    /// bytes were too large to keep.
    pub sha256: Digest,
}

impl Document {
    /// Read a whole document, keeping at most `limits.max_document_bytes` of it.
    ///
    /// Every byte is hashed and counted, so `size` and `sha256` describe the full stored
    /// document even when it is too large to keep (then `bytes` is `None` and `json` an error).
    /// Only read errors are errors; a document that is not UTF-8 or not JSON is a fact.
    pub(crate) fn from_reader<R: Read>(mut reader: R, limits: &Limits) -> io::Result<Document> {
        let max = limits.max_document_bytes;
        let mut hasher = Hasher::new("sha256").expect("sha256 is registered");
        let mut kept: Option<Vec<u8>> = Some(Vec::new());
        let mut size: u64 = 0;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let chunk = &buf[..n];
            hasher.update(chunk);
            size = size.saturating_add(n as u64);
            if size > max {
                kept = None;
            } else if let Some(v) = kept.as_mut() {
                v.extend_from_slice(chunk);
            }
        }
        let sha256 = hasher.finish();
        Ok(match kept {
            Some(bytes) => {
                let json = parse_json(&bytes);
                Document {
                    bytes: Some(bytes),
                    size,
                    json,
                    sha256,
                }
            }
            None => Document {
                bytes: None,
                size,
                json: Err(format!(
                    "document is {size} bytes, more than the {max}-byte limit; not parsed"
                )),
                sha256,
            },
        })
    }

    /// A document from bytes already in memory (no size cap).
    pub fn from_bytes(bytes: Vec<u8>) -> Document {
        let json = parse_json(&bytes);
        Document {
            size: bytes.len() as u64,
            sha256: Digest::sha256_of(&bytes),
            bytes: Some(bytes),
            json,
        }
    }
}

/// UTF-8 first (naming the offending offset), then JSON. serde_json's recursion limit (128)
/// turns deep nesting into an error rather than a stack overflow.
fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8: invalid byte sequence at byte offset {}",
            e.valid_up_to()
        )
    })?;
    serde_json::from_str::<Value>(text).map_err(|e| format!("not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let depth = 100_000;
        let mut s = "[".repeat(depth);
        s.push_str(&"]".repeat(depth));
        let d = Document::from_bytes(s.into_bytes());
        let e = d.json.unwrap_err();
        assert!(e.contains("recursion limit"), "{e}");
        let mut s = "{\"a\":".repeat(depth);
        s.push('1');
        s.push_str(&"}".repeat(depth));
        assert!(Document::from_bytes(s.into_bytes()).json.is_err());
    }

    #[test]
    fn non_utf8_names_the_offset() {
        let d = Document::from_bytes(b"{\"a\":\"\xff\"}".to_vec());
        let e = d.json.unwrap_err();
        assert!(e.contains("UTF-8") && e.contains("offset 6"), "{e}");
    }

    #[test]
    fn from_reader_caps_but_counts_and_hashes_everything() {
        let bytes = br#"{"schemaVersion":2}"#;
        let small = Limits {
            max_document_bytes: 5,
            ..Limits::default()
        };
        let d = Document::from_reader(&bytes[..], &small).unwrap();
        assert_eq!(d.bytes, None);
        assert_eq!(d.size, bytes.len() as u64);
        assert_eq!(d.sha256, Digest::sha256_of(bytes));
        assert!(d.json.unwrap_err().contains("limit"));
        let d = Document::from_reader(&bytes[..], &Limits::default()).unwrap();
        assert_eq!(d.bytes.as_deref(), Some(&bytes[..]));
        assert_eq!(d.json.unwrap()["schemaVersion"], 2);
        // Exactly at the limit is kept.
        let exact = Limits {
            max_document_bytes: bytes.len() as u64,
            ..Limits::default()
        };
        assert!(
            Document::from_reader(&bytes[..], &exact)
                .unwrap()
                .bytes
                .is_some()
        );
    }
}
