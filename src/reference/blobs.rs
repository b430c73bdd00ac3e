//! A content-addressed blob store in an OCI image layout: every blob is hashed while it is
//! written to a temporary file, which is renamed to its digest once the last byte is known.

use crate::digest::{Digest, Hasher};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Buffer of the file writer: large enough that a write is one syscall per MiB.
pub(crate) const CHUNK: usize = 1 << 20;

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A name no other writer of this process or another uses at the same time.
pub(crate) fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}{}-{}",
        std::process::id(),
        SEQUENCE.fetch_add(1, Ordering::Relaxed)
    )
}

/// A writer that hashes (sha256) and counts every byte on its way to `inner`.
pub(crate) struct HashWriter<W> {
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
pub(crate) struct BlobStore {
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
            out: Some(Pipelined::new(file)),
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

/// The file side of a blob: bytes gathered into 1 MiB chunks; each full chunk is written to
/// the file, then hashed on a second thread while the next chunk fills and is written, so
/// one large file costs about one hash pass, not a hash plus a write. The thread starts
/// with the second chunk (a small blob is hashed inline); at most [`IN_FLIGHT`] chunks wait.
struct Pipelined {
    file: crate::output::WriteBehind,
    chunk: Vec<u8>,
    count: u64,
    hashing: Hashing,
}

/// Chunks queued for the hashing thread.
const IN_FLIGHT: usize = 2;

enum Hashing {
    Inline(Hasher),
    Thread {
        tx: SyncSender<Vec<u8>>,
        /// Chunks the thread is done with, reused.
        done: Receiver<Vec<u8>>,
        thread: JoinHandle<Hasher>,
    },
    /// Only while switching from one to the other.
    Switching,
}

impl Pipelined {
    fn new(file: File) -> Pipelined {
        Pipelined {
            file: crate::output::WriteBehind::new(file),
            chunk: Vec::with_capacity(CHUNK),
            count: 0,
            hashing: Hashing::Inline(Hasher::new("sha256").expect("sha256 is registered")),
        }
    }

    /// Write the gathered chunk and pass it on to the hash.
    fn spill(&mut self) -> io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.chunk)?;
        self.count += self.chunk.len() as u64;
        if let Hashing::Inline(_) = self.hashing
            && self.count > CHUNK as u64
        {
            let Hashing::Inline(mut hasher) =
                std::mem::replace(&mut self.hashing, Hashing::Switching)
            else {
                unreachable!("matched above")
            };
            let (tx, rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
            let (back, done) = channel::<Vec<u8>>();
            let thread = std::thread::Builder::new()
                .name("blob-hash".into())
                .spawn(move || {
                    for chunk in rx {
                        hasher.update(&chunk);
                        let _ = back.send(chunk);
                    }
                    hasher
                })?;
            self.hashing = Hashing::Thread { tx, done, thread };
        }
        match &mut self.hashing {
            Hashing::Inline(h) => {
                h.update(&self.chunk);
                self.chunk.clear();
            }
            Hashing::Thread { tx, done, .. } => {
                let next = done
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
                let full = std::mem::replace(&mut self.chunk, next);
                tx.send(full)
                    .map_err(|_| io::Error::other("the hashing thread stopped"))?;
                self.chunk.clear();
            }
            Hashing::Switching => unreachable!("never left switching"),
        }
        Ok(())
    }

    /// The last chunk written and hashed: the digest and the stored length.
    fn finish(mut self) -> io::Result<(Digest, u64)> {
        self.spill()?;
        let hasher = match std::mem::replace(&mut self.hashing, Hashing::Switching) {
            Hashing::Inline(h) => h,
            Hashing::Thread { tx, thread, .. } => {
                drop(tx);
                thread
                    .join()
                    .map_err(|_| io::Error::other("the hashing thread panicked"))?
            }
            Hashing::Switching => unreachable!("never left switching"),
        };
        Ok((hasher.finish(), self.count))
    }
}

impl Write for Pipelined {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK - self.chunk.len());
        self.chunk.extend_from_slice(&buf[..n]);
        if self.chunk.len() == CHUNK {
            self.spill()?;
        }
        Ok(n)
    }
    /// Nothing is buffered beyond the chunk, which is written when full or at the end.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A blob being written; [`commit`](Self::commit) names it by its digest. Dropped without a
/// commit, the temporary file is removed.
pub(crate) struct BlobWriter {
    out: Option<Pipelined>,
    tmp: PathBuf,
    dir: PathBuf,
}

impl BlobWriter {
    /// Flush and rename to `<digest>`; returns the digest and the stored length. No fsync: a
    /// blob torn by a power loss no longer matches its name, which every reader checks.
    pub fn commit(mut self) -> io::Result<(Digest, u64)> {
        let out = self.out.take().expect("not yet committed");
        let (digest, count) = out.finish()?;
        // Drop removes the temporary name if the rename did not happen.
        fs::rename(&self.tmp, self.dir.join(digest.encoded()))?;
        Ok((digest, count))
    }
    fn out(&mut self) -> &mut Pipelined {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Inline for the first chunk, threaded after: the digest and length of the stored bytes
    /// are those of the bytes written, in every size class and write pattern.
    #[test]
    fn the_pipelined_hash_is_the_hash_of_the_stored_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12_345] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut w = store.create().unwrap();
            // Odd-sized writes cross chunk boundaries.
            for piece in bytes.chunks(300_007) {
                w.write_all(piece).unwrap();
            }
            let (digest, size) = w.commit().unwrap();
            assert_eq!(digest, Digest::sha256_of(&bytes), "{len} bytes");
            assert_eq!(size, len as u64);
            let stored = fs::read(dir.path().join("blobs/sha256").join(digest.encoded())).unwrap();
            assert_eq!(stored, bytes, "{len} bytes");
        }
    }
}
