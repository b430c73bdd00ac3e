//! A model directory serialized as OpenSSF model signing does (`files` or `shards`, with
//! sha256, blake2b or blake3), so that a model signature can be verified against the files it
//! signs before they are packed (`verify-bundle --bundle model.sig DIR`). The serialization is
//! the one the signature's Statement names; every file is read through `crate::input` (regular
//! files only) and streamed, never held whole.

use super::codec::hex;
use super::oms::Resource;
use serde_json::Value;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Most files of one model directory.
const MAX_FILES: usize = 100_000;
const CHUNK: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ModelDirError {
    #[error("the Statement's serialization is not one model signing defines: {0}")]
    Serialization(String),
    #[error("{0}")]
    Read(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Blake2b,
    Blake3,
}

/// How a Statement says the model was serialized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Serialization {
    hash: Hash,
    /// `Some(size)` for the `shards` method.
    shard_size: Option<u64>,
    /// Paths relative to the model directory that were left out (and what is below them).
    ignore: Vec<String>,
}

impl Serialization {
    pub(crate) fn from_statement(st: &Value) -> Result<Serialization, ModelDirError> {
        let bad = |m: String| ModelDirError::Serialization(m);
        let s = st
            .pointer("/predicate/serialization")
            .ok_or_else(|| bad("no predicate.serialization".into()))?;
        let hash = match s.get("hash_type").and_then(Value::as_str) {
            Some("sha256") => Hash::Sha256,
            Some("blake2b") => Hash::Blake2b,
            Some("blake3") => Hash::Blake3,
            other => return Err(bad(format!("hash_type {other:?}"))),
        };
        // protobuf's Struct writes numbers as floats (8.0): accept an integral value.
        let shard_size = match s.get("method").and_then(Value::as_str) {
            Some("files") => None,
            Some("shards") => Some(
                s.get("shard_size")
                    .and_then(Value::as_f64)
                    .filter(|f| *f >= 1.0 && f.fract() == 0.0 && *f < 9.0e15)
                    .map(|f| f as u64)
                    .ok_or_else(|| bad("shards without a positive integral shard_size".into()))?,
            ),
            other => return Err(bad(format!("method {other:?}"))),
        };
        let ignore = s
            .get("ignore_paths")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|p| p.trim_end_matches('/').to_string())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Serialization {
            hash,
            shard_size,
            ignore,
        })
    }

    fn algorithm(&self) -> String {
        let base = match self.hash {
            Hash::Sha256 => "sha256",
            Hash::Blake2b => "blake2b",
            Hash::Blake3 => "blake3",
        };
        match self.shard_size {
            Some(n) => format!("{base}-sharded-{n}"),
            None => base.to_string(),
        }
    }

    fn ignored(&self, rel: &str) -> bool {
        self.ignore.iter().any(|p| {
            rel == p
                || rel
                    .strip_prefix(p.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    }
}

enum Hasher {
    Sha256(sha2::Sha256),
    Blake2b(Box<blake2::Blake2b512>),
    Blake3(Box<blake3::Hasher>),
}

impl Hasher {
    fn new(h: Hash) -> Hasher {
        use sha2::Digest as _;
        match h {
            Hash::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Hash::Blake2b => Hasher::Blake2b(Box::new(blake2::Blake2b512::new())),
            Hash::Blake3 => Hasher::Blake3(Box::new(blake3::Hasher::new())),
        }
    }
    fn update(&mut self, b: &[u8]) {
        use sha2::Digest as _;
        match self {
            Hasher::Sha256(h) => h.update(b),
            Hasher::Blake2b(h) => h.update(b),
            Hasher::Blake3(h) => {
                h.update(b);
            }
        }
    }
    fn finish(self) -> String {
        use sha2::Digest as _;
        match self {
            Hasher::Sha256(h) => hex(&h.finalize()),
            Hasher::Blake2b(h) => hex(&h.finalize()),
            Hasher::Blake3(h) => hex(h.finalize().as_bytes()),
        }
    }
}

/// The resources of `dir` under `s`, sorted as model signing sorts them; `skip` (the signature
/// file itself) is left out. A symbolic link is refused: model signing refuses them by default.
pub(crate) fn resources(
    dir: &Path,
    s: &Serialization,
    skip: Option<&Path>,
) -> Result<Vec<Resource>, ModelDirError> {
    let skip = skip.and_then(|p| std::fs::canonicalize(p).ok());
    let err = |p: &Path, e: std::io::Error| ModelDirError::Read(format!("{}: {e}", p.display()));
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| err(&d, e))? {
            let e = e.map_err(|e| err(&d, e))?;
            let path = e.path();
            let rel = path
                .strip_prefix(dir)
                .ok()
                .and_then(Path::to_str)
                .ok_or_else(|| {
                    ModelDirError::Read(format!("{}: not a UTF-8 path", path.display()))
                })?
                .replace(std::path::MAIN_SEPARATOR, "/");
            if s.ignored(&rel) {
                continue;
            }
            let t = e.file_type().map_err(|e| err(&path, e))?;
            if t.is_symlink() {
                return Err(ModelDirError::Read(format!(
                    "{}: a symbolic link in the model directory",
                    path.display()
                )));
            }
            if t.is_dir() {
                stack.push(path);
            } else if skip.is_none() || std::fs::canonicalize(&path).ok() != skip {
                files.push((rel, path));
            }
            if files.len() > MAX_FILES {
                return Err(ModelDirError::Read(format!(
                    "{}: more than {MAX_FILES} files",
                    dir.display()
                )));
            }
        }
    }
    let algorithm = s.algorithm();
    let mut out = Vec::new();
    for (rel, path) in files {
        for (name, digest) in hash_file(&path, &rel, s)? {
            out.push(Resource {
                name,
                algorithm: algorithm.clone(),
                digest,
            });
        }
    }
    out.sort_by(|a, b| super::oms::order_key(&a.name).cmp(&super::oms::order_key(&b.name)));
    Ok(out)
}

/// (resource name, digest) of one file: the whole file, or each shard `rel:start:end`.
fn hash_file(
    path: &Path,
    rel: &str,
    s: &Serialization,
) -> Result<Vec<(String, String)>, ModelDirError> {
    let (mut f, meta) =
        crate::input::open_regular(path).map_err(|e| ModelDirError::Read(e.to_string()))?;
    let len = meta.len();
    let ranges: Vec<(u64, u64)> = match s.shard_size {
        None => vec![(0, len)],
        // model signing gives an empty file no shard at all (it is not listed).
        Some(_) if len == 0 => Vec::new(),
        Some(n) => (0..len.div_ceil(n))
            .map(|i| (i * n, ((i + 1) * n).min(len)))
            .collect(),
    };
    let mut buf = vec![0u8; CHUNK];
    let mut out = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        f.seek(SeekFrom::Start(start))
            .map_err(|e| ModelDirError::Read(format!("{}: {e}", path.display())))?;
        let mut h = Hasher::new(s.hash);
        let mut left = end - start;
        while left > 0 {
            let want = left.min(CHUNK as u64) as usize;
            let n = f
                .read(&mut buf[..want])
                .map_err(|e| ModelDirError::Read(format!("{}: {e}", path.display())))?;
            if n == 0 {
                return Err(ModelDirError::Read(format!(
                    "{}: shorter than it was when opened",
                    path.display()
                )));
            }
            h.update(&buf[..n]);
            left -= n as u64;
        }
        let name = match s.shard_size {
            Some(_) => format!("{rel}:{start}:{end}"),
            None => rel.to_string(),
        };
        out.push((name, h.finish()));
    }
    Ok(out)
}
