//! One layer, one pass: hash the stored bytes, sniff the magic, decompress under a bomb guard,
//! hash the uncompressed bytes (diff_id) and walk the tar, all from the same read of the blob.
//!
//! Pipeline for a compressed tar layer (every arrow is a pull of at most 1 MiB):
//!
//! ```text
//! blob ─▶ Stored (blob digest, byte count) ─▶ decoder ─▶ Guard (diff_id, bomb limits) ─▶ tar
//! ```
//!
//! When the tar walk ends (or stops), the rest of the decompressed stream is drained through the
//! guard and the rest of the blob through `Stored`, so the blob digest always covers every byte.

use super::{
    Capture, FILEPATH, LEGACY_FILEPATH, MAX_CAPTURE_FILE_BYTES, blob_problem, capture_rule,
    descriptor_digest, tar,
};
use crate::artifact::{
    BlobFacts, BlobProblem, Bomb, CapturedFile, ContentFacts, LayerFacts, Magic, Packing,
};
use crate::digest::{Digest, Hasher};
use crate::document::Limits;
use crate::inspect::InspectOptions;
use crate::source::BlobSource;
use crate::vocabulary::{
    IMAGE_TITLE, LEGACY_MODEL_LAYER_PREFIX, MODEL_LAYER_PREFIX, OCI_LAYER_PREFIX,
    PROMPT_TEMPLATE_LAYER, SKILL_BUNDLE_PREFIX, WORKFLOW_DOCUMENT_LAYER,
};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::io::{self, BufReader, Read};

const CHUNK: usize = 1 << 20;
/// Read-ahead on the compressed side; kept small so the ratio check sees an honest
/// "compressed so far".
const COMPRESSED_CHUNK: usize = 128 << 10;
/// Buffer between the decompressed stream and the tar reader (tar headers are read in
/// 512-byte pieces).
const TAR_CHUNK: usize = 256 << 10;

/// How a layer media type says its bytes are packed: the 20 ModelPack layer types, their legacy
/// `vnd.cnai` spellings, and the plain OCI image layer types.
pub fn packing_of(media_type: &str) -> Packing {
    let by_suffix = |suffix: &str| match suffix {
        "raw" => Packing::Raw,
        "tar" => Packing::Tar,
        "tar+gzip" => Packing::TarGzip,
        "tar+zstd" => Packing::TarZstd,
        _ => Packing::Unknown,
    };
    let model = media_type
        .strip_prefix(MODEL_LAYER_PREFIX)
        .or_else(|| media_type.strip_prefix(LEGACY_MODEL_LAYER_PREFIX));
    if let Some(rest) = model {
        for kind in ["weight.config", "weight", "doc", "code", "dataset"] {
            if let Some(suffix) = rest.strip_prefix(kind).and_then(|r| r.strip_prefix(".v1.")) {
                return by_suffix(suffix);
            }
        }
        return Packing::Unknown;
    }
    if let Some(suffix) = media_type.strip_prefix(SKILL_BUNDLE_PREFIX) {
        return match suffix {
            "raw" => Packing::Unknown,
            s => by_suffix(s),
        };
    }
    if media_type == PROMPT_TEMPLATE_LAYER || media_type == WORKFLOW_DOCUMENT_LAYER {
        return Packing::Raw;
    }
    match media_type.strip_prefix(OCI_LAYER_PREFIX) {
        Some(suffix) if suffix != "raw" => by_suffix(suffix),
        _ => Packing::Unknown,
    }
}

/// What the first bytes of a blob reveal (pass at least the first 262 bytes when available).
pub fn detect_magic(prefix: &[u8]) -> Magic {
    if prefix.is_empty() {
        Magic::Empty
    } else if prefix.starts_with(&[0x1f, 0x8b]) {
        Magic::Gzip
    } else if prefix.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Magic::Zstd
    } else if prefix.get(257..262) == Some(b"ustar") {
        Magic::Tar
    } else {
        Magic::Other
    }
}

/// The declared packing disagrees with the magic. Raw layers never disagree: a raw file may
/// itself be a `.gz`.
fn mismatch(packing: Packing, magic: Magic) -> bool {
    match packing {
        Packing::TarGzip => magic != Magic::Gzip,
        Packing::TarZstd => magic != Magic::Zstd,
        Packing::Tar => magic != Magic::Tar,
        Packing::Raw | Packing::Unknown => false,
    }
}

pub(crate) fn inspect(
    source: &dyn BlobSource,
    index: usize,
    descriptor: &Value,
    limits: &Limits,
    options: &InspectOptions,
    tap: Option<&dyn super::LayerTap>,
) -> LayerFacts {
    let media_type = descriptor.get("mediaType").and_then(Value::as_str);
    let packing = media_type.map_or(Packing::Unknown, packing_of);
    let annotations = descriptor.get("annotations");
    let filepath = [FILEPATH, LEGACY_FILEPATH]
        .iter()
        .find_map(|k| annotations.and_then(|a| a.get(*k)).and_then(Value::as_str));
    let unavailable = |problem: BlobProblem| LayerFacts {
        index,
        blob: Err(problem),
        content: ContentFacts {
            packing: Some(packing),
            skipped: Some("the blob could not be read".into()),
            ..Default::default()
        },
    };
    let digest = match descriptor_digest(descriptor) {
        Ok(d) => d,
        Err(p) => return unavailable(p),
    };
    let size = descriptor.get("size").and_then(Value::as_u64);
    let reader = match crate::source::open_described(source, &digest, size) {
        Ok(r) => r,
        Err(e) => return unavailable(blob_problem(e)),
    };
    let reader = match tap {
        Some(t) => t.tap(index, descriptor, reader),
        None => reader,
    };
    let capture = media_type.map(capture_rule).unwrap_or_default();
    let title = annotations
        .and_then(|a| a.get(IMAGE_TITLE))
        .and_then(Value::as_str)
        .unwrap_or("");
    let (blob, content) = stream(
        reader,
        &digest,
        Layer {
            packing,
            media_type,
            filepath,
            capture,
            title,
        },
        limits,
        options,
    );
    LayerFacts {
        index,
        blob,
        content,
    }
}

/// State shared along one layer's pipeline (single thread, so `Cell`s).
#[derive(Default)]
struct Progress {
    /// Stored bytes read so far (the "compressed so far" of the ratio check).
    stored: Cell<u64>,
    /// The blob itself could not be read.
    read_error: RefCell<Option<String>>,
    decode_error: RefCell<Option<String>>,
    bomb: RefCell<Option<Bomb>>,
}

impl Progress {
    fn upstream_failed(&self) -> bool {
        self.read_error.borrow().is_some()
            || self.decode_error.borrow().is_some()
            || self.bomb.borrow().is_some()
    }
}

/// Hashes and counts the exact stored bytes; remembers read errors.
struct Stored<'p, R> {
    inner: R,
    hasher: Hasher,
    /// sha256 of the stored bytes when it is the diff_id and the blob digest is not sha256.
    diff: Option<Hasher>,
    p: &'p Progress,
}

impl<R: Read> Read for Stored<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                let bytes = &buf[..n];
                self.hasher.update(bytes);
                if let Some(d) = self.diff.as_mut() {
                    d.update(bytes);
                }
                self.p.stored.set(self.p.stored.get() + n as u64);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let mut slot = self.p.read_error.borrow_mut();
                if slot.is_none() {
                    *slot = Some(e.to_string());
                }
                Err(e)
            }
        }
    }
}

/// Hashes the decompressed bytes (diff_id) and stops decompression past the limits.
struct Guard<'p, R> {
    inner: R,
    hasher: Hasher,
    out: u64,
    p: &'p Progress,
    limits: &'p Limits,
}

impl<R: Read> Read for Guard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.p.upstream_failed() {
            return Err(io::Error::other("decompression stopped"));
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                if self.p.read_error.borrow().is_none() {
                    *self.p.decode_error.borrow_mut() = Some(e.to_string());
                }
                return Err(e);
            }
        };
        let out = self.out.saturating_add(n as u64);
        let compressed = self.p.stored.get();
        let bomb = if out > self.limits.max_uncompressed_bytes {
            Some(Bomb::Size { uncompressed: out })
        } else if out
            > self
                .limits
                .max_ratio
                .saturating_mul(compressed)
                .saturating_add(self.limits.ratio_slack_bytes)
        {
            Some(Bomb::Ratio {
                compressed,
                uncompressed: out,
            })
        } else {
            None
        };
        if let Some(b) = bomb {
            *self.p.bomb.borrow_mut() = Some(b);
            return Err(io::Error::other("decompression limit reached"));
        }
        self.hasher.update(&buf[..n]);
        self.out = out;
        Ok(n)
    }
}

/// Read to the end; errors end the drain (the pipeline has already recorded them).
fn drain<R: Read>(mut r: R) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Fill `buf` as far as the stream allows; returns the count (errors end the fill).
fn fill<R: Read>(mut r: R, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    n
}

/// What the descriptor says about a layer, as far as streaming needs it.
struct Layer<'a> {
    packing: Packing,
    media_type: Option<&'a str>,
    filepath: Option<&'a str>,
    capture: Capture,
    /// `org.opencontainers.image.title`, the name a captured raw file is recorded under.
    title: &'a str,
}

/// Read the rest of a raw layer, keeping its first [`MAX_CAPTURE_FILE_BYTES`] (the prefix
/// already read included); the caller still drains what is left.
fn capture_raw<R: Read>(mut r: R, prefix: &[u8], title: &str) -> CapturedFile {
    let mut bytes = prefix.to_vec();
    let mut buf = vec![0u8; 64 << 10];
    let mut size = prefix.len() as u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                size += n as u64;
                let room = (MAX_CAPTURE_FILE_BYTES + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let truncated = bytes.len() > MAX_CAPTURE_FILE_BYTES;
    bytes.truncate(MAX_CAPTURE_FILE_BYTES);
    CapturedFile {
        path: title.to_string(),
        size,
        bytes,
        truncated,
    }
}

fn stream(
    reader: impl Read,
    digest: &Digest,
    layer: Layer<'_>,
    limits: &Limits,
    options: &InspectOptions,
) -> (Result<BlobFacts, BlobProblem>, ContentFacts) {
    let Layer {
        packing,
        media_type,
        filepath,
        capture,
        title,
    } = layer;
    let mut content = ContentFacts {
        packing: Some(packing),
        ..Default::default()
    };
    let Some(hasher) = Hasher::new(digest.algorithm()) else {
        return (
            Err(BlobProblem::Unaddressable("unregistered algorithm".into())),
            content,
        );
    };
    let is_sha256 = digest.algorithm() == "sha256";
    let stored_is_content = matches!(packing, Packing::Raw | Packing::Tar);
    let p = Progress::default();
    let mut stored = Stored {
        inner: reader,
        hasher,
        diff: (options.content && stored_is_content && !is_sha256)
            .then(|| Hasher::new("sha256"))
            .flatten(),
        p: &p,
    };

    let mut prefix = [0u8; 512];
    let n = fill(&mut stored, &mut prefix);
    let prefix = &prefix[..n];
    let magic = detect_magic(prefix);
    content.magic = Some(magic);
    content.compression_mismatch = mismatch(packing, magic);

    let mut guard_out = None;
    if !options.content {
        content.skipped = Some("content inspection is turned off; the blob was hashed only".into());
    } else if packing == Packing::Unknown {
        content.skipped = Some(format!(
            "media type {} has no known packing; the blob was hashed only",
            media_type.unwrap_or("(none)")
        ));
    } else if packing == Packing::Raw && capture.raw {
        content.files.push(capture_raw(&mut stored, prefix, title));
    } else if packing == Packing::Tar {
        let mut src = BufReader::with_capacity(CHUNK, prefix.chain(&mut stored));
        let (facts, files) =
            tar::inspect(&mut src, filepath, capture, limits, || p.upstream_failed());
        content.tar = Some(facts);
        content.files = files;
    } else if matches!(packing, Packing::TarGzip | Packing::TarZstd) {
        let src = BufReader::with_capacity(COMPRESSED_CHUNK, prefix.chain(&mut stored));
        let decoder: Option<Box<dyn Read + '_>> = if packing == Packing::TarGzip {
            // Multi-member: RFC 1952 defines a gzip file as a series of members, and Go's
            // compress/gzip (containerd, registries) reads all of them, so the diff_id
            // matches what runtimes compute; trailing garbage is a decode error as in Go.
            Some(Box::new(flate2::bufread::MultiGzDecoder::new(src)))
        } else {
            match zstd::stream::read::Decoder::with_buffer(src) {
                Ok(d) => Some(Box::new(d)),
                Err(e) => {
                    *p.decode_error.borrow_mut() = Some(e.to_string());
                    None
                }
            }
        };
        if let Some(decoder) = decoder {
            let mut guard = Guard {
                inner: decoder,
                hasher: Hasher::new("sha256").expect("sha256 is registered"),
                out: 0,
                p: &p,
                limits,
            };
            {
                let mut tar_in = BufReader::with_capacity(TAR_CHUNK, &mut guard);
                let (facts, files) = tar::inspect(&mut tar_in, filepath, capture, limits, || {
                    p.upstream_failed()
                });
                content.tar = Some(facts);
                content.files = files;
            }
            if !p.upstream_failed() {
                drain(&mut guard);
            }
            if !p.upstream_failed() {
                guard_out = Some((guard.hasher, guard.out));
            }
        }
    }
    if p.read_error.borrow().is_none() {
        drain(&mut stored);
    }

    let Stored { hasher, diff, .. } = stored;
    if let Some(e) = p.read_error.into_inner() {
        content.decode_error = p.decode_error.into_inner();
        content.bomb = p.bomb.into_inner();
        return (Err(BlobProblem::Io(e)), content);
    }
    let size = p.stored.get();
    let blob_digest = hasher.finish();
    content.decode_error = p.decode_error.into_inner();
    content.bomb = p.bomb.into_inner();
    if options.content && stored_is_content {
        content.diff_id = Some(match diff {
            Some(d) => d.finish(),
            None => blob_digest.clone(),
        });
        content.uncompressed_size = Some(size);
    } else if let Some((h, out)) = guard_out {
        content.diff_id = Some(h.finish());
        content.uncompressed_size = Some(out);
    }
    (
        Ok(BlobFacts {
            digest: blob_digest,
            size,
        }),
        content,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP, OCI_LAYER_TAR_ZSTD, OCTET_STREAM};

    #[test]
    fn all_modelpack_types_have_a_packing() {
        let mut n = 0;
        for prefix in [MODEL_LAYER_PREFIX, LEGACY_MODEL_LAYER_PREFIX] {
            for kind in ["weight", "weight.config", "doc", "code", "dataset"] {
                for (suffix, want) in [
                    ("raw", Packing::Raw),
                    ("tar", Packing::Tar),
                    ("tar+gzip", Packing::TarGzip),
                    ("tar+zstd", Packing::TarZstd),
                ] {
                    let mt = format!("{prefix}{kind}.v1.{suffix}");
                    assert_eq!(packing_of(&mt), want, "{mt}");
                    n += 1;
                }
            }
        }
        assert_eq!(n, 40);
        for (mt, want) in [
            (OCI_LAYER_TAR, Packing::Tar),
            (OCI_LAYER_TAR_GZIP, Packing::TarGzip),
            (OCI_LAYER_TAR_ZSTD, Packing::TarZstd),
            ("application/vnd.oci.image.layer.v1.raw", Packing::Unknown),
            (
                "application/vnd.cncf.model.weight.v1.raw+gzip",
                Packing::Unknown,
            ),
            (
                "application/vnd.cncf.model.weight.v1.gguf",
                Packing::Unknown,
            ),
            ("application/vnd.cncf.model.layer.v1.tar", Packing::Unknown),
            (
                "application/vnd.cncf.model.weightx.v1.raw",
                Packing::Unknown,
            ),
            (OCTET_STREAM, Packing::Unknown),
        ] {
            assert_eq!(packing_of(mt), want, "{mt}");
        }
    }

    #[test]
    fn magic() {
        assert_eq!(detect_magic(b""), Magic::Empty);
        assert_eq!(detect_magic(&[0x1f, 0x8b, 8]), Magic::Gzip);
        assert_eq!(detect_magic(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Magic::Zstd);
        let mut h = [0u8; 512];
        h[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(detect_magic(&h), Magic::Tar);
        assert_eq!(detect_magic(&h[..260]), Magic::Other);
        assert_eq!(detect_magic(b"hello"), Magic::Other);
    }

    #[test]
    fn mismatch_rules() {
        assert!(!mismatch(Packing::Raw, Magic::Gzip));
        assert!(mismatch(Packing::TarGzip, Magic::Tar));
        assert!(mismatch(Packing::TarZstd, Magic::Gzip));
        assert!(mismatch(Packing::Tar, Magic::Gzip));
        assert!(mismatch(Packing::Tar, Magic::Other));
        assert!(!mismatch(Packing::Tar, Magic::Tar));
        assert!(!mismatch(Packing::Unknown, Magic::Other));
    }
}

#[cfg(test)]
mod capture_tests {
    use super::*;
    use crate::artifact::EntryKind;
    use crate::vocabulary::{MODEL_WEIGHT_RAW, SKILL_BUNDLE_MEDIA_TYPES};

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = ::tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = ::tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn run(bytes: &[u8], media_type: &str, title: &str) -> ContentFacts {
        let digest = Digest::sha256_of(bytes);
        let layer = Layer {
            packing: packing_of(media_type),
            media_type: Some(media_type),
            filepath: None,
            capture: capture_rule(media_type),
            title,
        };
        let (blob, content) = stream(
            bytes,
            &digest,
            layer,
            &Limits::default(),
            &InspectOptions::default(),
        );
        assert_eq!(blob.unwrap().digest, digest);
        content
    }

    #[test]
    fn skill_bundles_keep_paths_and_skill_md() {
        let big = vec![b'x'; MAX_CAPTURE_FILE_BYTES + 10];
        let bytes = tar_of(&[
            ("s/SKILL.md", b"---\nname: s\n---\n"),
            ("s/docs/SKILL.md", b"not captured: not at depth 2"),
            ("t/skill.md", &big),
        ]);
        let c = run(&bytes, SKILL_BUNDLE_MEDIA_TYPES[0], "");
        let tar = c.tar.unwrap();
        let paths: Vec<&str> = tar.paths.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["s/SKILL.md", "s/docs/SKILL.md", "t/skill.md"]);
        assert!(tar.paths.iter().all(|p| p.kind == EntryKind::File));
        assert_eq!(c.files.len(), 2);
        assert_eq!(c.files[0].path, "s/SKILL.md");
        assert_eq!(c.files[0].bytes, b"---\nname: s\n---\n");
        assert!(!c.files[0].truncated);
        assert_eq!(c.files[1].size, big.len() as u64);
        assert_eq!(c.files[1].bytes.len(), MAX_CAPTURE_FILE_BYTES);
        assert!(c.files[1].truncated);
        // A model layer keeps nothing.
        let c = run(&bytes, &format!("{MODEL_LAYER_PREFIX}code.v1.tar"), "");
        assert!(c.tar.unwrap().paths.is_empty());
        assert!(c.files.is_empty());
    }

    #[test]
    fn raw_agentic_layers_are_captured_whole_and_capped() {
        let c = run(
            b"---\nname: p\n---\nHi\n",
            PROMPT_TEMPLATE_LAYER,
            "p.prompt",
        );
        assert_eq!(c.files[0].path, "p.prompt");
        assert_eq!(c.files[0].bytes, b"---\nname: p\n---\nHi\n");
        assert_eq!(
            c.diff_id,
            Some(Digest::sha256_of(b"---\nname: p\n---\nHi\n"))
        );
        let big = vec![b'y'; MAX_CAPTURE_FILE_BYTES * 2];
        let c = run(&big, WORKFLOW_DOCUMENT_LAYER, "");
        assert!(c.files[0].truncated);
        assert_eq!(c.files[0].size, big.len() as u64);
        assert_eq!(c.uncompressed_size, Some(big.len() as u64));
        // Other raw layers are hashed only.
        let c = run(b"abc", MODEL_WEIGHT_RAW, "");
        assert!(c.files.is_empty());
    }
}
