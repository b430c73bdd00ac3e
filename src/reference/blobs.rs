//! A content-addressed blob store in an OCI image layout: every blob is hashed while it is
//! written to a temporary file, which is renamed to its digest once the last byte is known.

use crate::digest::{Digest, Hasher};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Buffer of the file writer: large enough that a write is one syscall per MiB.
pub const CHUNK: usize = 1 << 20;

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A name no other writer of this process or another uses at the same time.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}{}-{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

/// A writer that hashes (sha256) and counts every byte on its way to `inner`.
pub struct HashWriter<W> {
    inner: W,
    hasher: Hasher,
    count: u64,
}

impl<W: Write> HashWriter<W> {
    pub fn new(inner: W) -> Self {
        HashWriter {
            inner,
            hasher: Hasher::new("sha256").expect("sha256 is registered"),
            count: 0,
        }
    }
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }
    pub fn finish(self) -> (Digest, u64, W) {
        (self.hasher.finish(), self.count, self.inner)
    }
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `blobs/sha256/` of one layout.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    /// Create (if needed) `<layout>/blobs/sha256`.
    pub fn open(layout: &Path) -> io::Result<BlobStore> {
        let dir = layout.join("blobs").join("sha256");
        fs::create_dir_all(&dir)?;
        Ok(BlobStore { dir })
    }

    /// A new blob: bytes written to it are hashed and stored under a temporary name.
    pub fn create(&self) -> io::Result<BlobWriter> {
        let tmp = self.dir.join(unique_name(".tmp-"));
        let file = File::create_new(&tmp)?;
        Ok(BlobWriter {
            out: Some(HashWriter::new(BufWriter::with_capacity(CHUNK, file))),
            tmp,
            dir: self.dir.clone(),
        })
    }

    /// Store a small document from memory.
    pub fn put(&self, bytes: &[u8]) -> io::Result<(Digest, u64)> {
        let mut w = self.create()?;
        w.write_all(bytes)?;
        w.commit()
    }
}

/// A blob being written; [`commit`](Self::commit) names it by its digest. Dropped without a
/// commit, the temporary file is removed.
pub struct BlobWriter {
    out: Option<HashWriter<BufWriter<File>>>,
    tmp: PathBuf,
    dir: PathBuf,
}

impl BlobWriter {
    /// Flush and rename to `<digest>`; returns the digest and the stored length. No fsync: a
    /// blob torn by a power loss no longer matches its name, which every reader checks.
    pub fn commit(mut self) -> io::Result<(Digest, u64)> {
        let out = self.out.take().expect("not yet committed");
        let (digest, count, buf) = out.finish();
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        // Drop removes the temporary name if the rename did not happen.
        fs::rename(&self.tmp, self.dir.join(digest.encoded()))?;
        Ok((digest, count))
    }
    fn out(&mut self) -> &mut HashWriter<BufWriter<File>> {
        self.out.as_mut().expect("not yet committed")
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out().flush()
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out().write_all(buf)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.tmp);
    }
}
