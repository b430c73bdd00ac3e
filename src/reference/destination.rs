//! Where `unpack` writes: the destination directory, made idempotent for init containers.
//!
//! Kubernetes re-runs init containers when a pod sandbox is recreated while its `emptyDir`
//! survives, so a second `unpack` of the same manifest into the same directory must succeed
//! without rewriting it, and an `unpack` of anything else must replace what is there.
//!
//! After a successful unpack, a record is written *beside* the destination
//! (`<parent>/.<name>.ai-interop-unpacked.json`, outside the tree the server reads): the
//! manifest digest and a listing of the tree, each file with its size and sha256. A later run
//! of the same manifest does not trust the record: it lists and hashes the tree again and
//! compares, so a file changed, added or removed since makes the destination "something else".
//!
//! Replacing a non-empty destination is one `renameat2(RENAME_EXCHANGE)` of the complete new
//! tree with the old one, then the old one is removed: a reader sees the old tree or the new
//! one, never a mixture. Where the file system cannot exchange, the old tree is renamed aside
//! first (a moment without a destination, never a partial one).

use crate::digest::{Digest, Hasher, HashingReader};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Why an unpack stopped (here because the destination steps below [`super::unpack`] return it
/// too). `Refused`: the artifact is not safe or not what it says (exit 1);
/// `Io`: the machine could not do it (exit 3); `Destination`: the destination is not one to
/// write (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Io(String),
    /// The destination exists and is not an empty directory: the user's to fix (exit 2).
    #[error("{0}")]
    Destination(String),
}

/// What the destination holds before an unpack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing, or an empty directory: a plain rename puts the new tree in place.
    Nothing,
    /// Exactly this manifest's content, verified: nothing to do.
    Current,
    /// Anything else: replaced atomically.
    Other,
}

/// The record of one unpack, kept beside the destination.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Record {
    manifest: String,
    entries: Vec<Entry>,
}

/// One entry of the tree, by its path relative to the destination.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    path: String,
    #[serde(flatten)]
    kind: Kind,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Kind {
    Dir,
    File { size: u64, digest: String },
    Symlink { target: String },
}

fn io_err(what: impl std::fmt::Display, e: impl std::fmt::Display) -> UnpackError {
    UnpackError::Io(format!("{what}: {e}"))
}

/// `<parent>/.<name>.ai-interop-unpacked.json`.
pub(crate) fn record_path(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!(".{name}.ai-interop-unpacked.json"))
}

/// What `dest` holds, judged against the manifest `digest` (none: never `Current`).
pub(crate) fn inspect(
    dest: &Path,
    record: &Path,
    digest: Option<&Digest>,
) -> Result<Found, UnpackError> {
    match fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(io_err(dest.display(), e)),
        Ok(m) if m.is_dir() => {
            let mut it = fs::read_dir(dest).map_err(|e| io_err(dest.display(), e))?;
            if it.next().is_none() {
                return Ok(Found::Nothing);
            }
        }
        Ok(_) => {
            return Err(UnpackError::Destination(format!(
                "{} exists and is not a directory",
                dest.display()
            )));
        }
    }
    // Only a tree an earlier unpack recorded is ever replaced: a non-empty directory without a
    // record is someone else's (a user's mistyped path), and is refused as a usage error.
    let Ok(bytes) = crate::input::read_bounded(record, crate::input::MAX_INPUT_BYTES) else {
        return Err(UnpackError::Destination(format!(
            "{} exists and is not empty, and holds no record of an earlier unpack ({})",
            dest.display(),
            record.display()
        )));
    };
    // A record that cannot be parsed describes nothing: the recorded tree is replaced.
    let Ok(recorded) = serde_json::from_slice::<Record>(&bytes) else {
        return Ok(Found::Other);
    };
    let Some(digest) = digest else {
        return Ok(Found::Other);
    };
    if recorded.manifest != digest.to_string() {
        return Ok(Found::Other);
    }
    // Verified, not trusted: the tree as it is now must be the tree that was recorded.
    // Verified, never taken from what an unpack knew: nothing is known here.
    match listing(dest, &Known::default()) {
        Ok(now) if now == recorded.entries => Ok(Found::Current),
        _ => Ok(Found::Other),
    }
}

/// Put the complete tree `tmp` in place at `dest` (which held `found`), then record it for
/// `digest`. The old record goes first, so no record ever describes a tree it did not list.
pub(crate) fn commit(
    tmp: &Path,
    dest: &Path,
    record: &Path,
    found: Found,
    digest: Option<&Digest>,
    known: &Known,
) -> Result<(), UnpackError> {
    // Listed before the rename (the record must describe this tree), and only when there is a
    // digest to record it for.
    let entries = match digest {
        Some(_) => {
            Some(listing(tmp, known).map_err(|e| io_err(format!("listing {}", tmp.display()), e))?)
        }
        None => None,
    };
    match fs::remove_file(record) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(io_err(record.display(), e));
        }
        _ => {}
    }
    match found {
        // rename(2) replaces an empty directory (an emptyDir mount point's child, for one).
        Found::Nothing | Found::Current => fs::rename(tmp, dest)
            .map_err(|e| io_err(format!("renaming into {}", dest.display()), e))?,
        Found::Other => replace(tmp, dest)?,
    }
    let (Some(digest), Some(entries)) = (digest, entries) else {
        return Ok(());
    };
    let json = serde_json::to_vec_pretty(&Record {
        manifest: digest.to_string(),
        entries,
    })
    .map_err(|e| io_err("the unpack record", e))?;
    let parent = record.parent().unwrap_or(Path::new("."));
    let mut staged = tempfile::NamedTempFile::new_in(parent)
        .map_err(|e| io_err(format!("a record beside {}", dest.display()), e))?;
    io::Write::write_all(&mut staged, &json).map_err(|e| io_err(record.display(), e))?;
    staged
        .persist(record)
        .map_err(|e| io_err(record.display(), e.error))?;
    Ok(())
}

/// Exchange `tmp` (the new tree) with `dest` (anything), then remove the old one, now at `tmp`.
fn replace(tmp: &Path, dest: &Path) -> Result<(), UnpackError> {
    match crate::output::exchange(tmp, dest) {
        Ok(()) => {}
        // EINVAL: this file system cannot exchange; ENOSYS: nor can this kernel.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) => {
            let aside = tmp.with_extension("old");
            fs::rename(dest, &aside).map_err(|e| io_err(dest.display(), e))?;
            if let Err(e) = fs::rename(tmp, dest) {
                let _ = fs::rename(&aside, dest);
                return Err(io_err(format!("renaming into {}", dest.display()), e));
            }
            remove_any(&aside);
            return Ok(());
        }
        Err(e) => return Err(io_err(format!("replacing {}", dest.display()), e)),
    }
    remove_any(tmp);
    Ok(())
}

/// The new tree is in place whatever happens here: a leftover old tree beside it (hidden by
/// its dot name) is not worth failing the unpack for.
fn remove_any(path: &Path) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Digests of files the unpack already knows, so that recording a tree does not read them a
/// second time: a raw layer's file (its bytes are the verified blob) and every regular file of
/// a tar layer (hashed as it was written, in the same pass). Sound because every file of the
/// tree was created new (`create_new`, never through a link) and written once by the unpack;
/// a hard link shares its target's bytes. A path known twice means two writers claimed it:
/// then nothing known is used and the tree is hashed as found.
#[derive(Debug, Default)]
pub(crate) struct Known {
    files: std::collections::BTreeMap<String, (Digest, u64)>,
    unusable: bool,
}

impl Known {
    pub(crate) fn file(&mut self, rel: &Path, digest: &Digest, size: u64) {
        let key = rel.to_string_lossy().into_owned();
        if self.files.insert(key, (digest.clone(), size)).is_some() {
            self.unusable = true;
        }
    }

    fn get(&self, path: &str, size: u64) -> Option<&Digest> {
        match self.files.get(path) {
            Some((d, n)) if !self.unusable && *n == size => Some(d),
            _ => None,
        }
    }
}

/// Every entry under `root`, sorted by path, files hashed unless `known`; symbolic links are
/// listed, never followed.
fn listing(root: &Path, known: &Known) -> io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        for item in fs::read_dir(root.join(&rel))? {
            let item = item?;
            let path = rel.join(item.file_name());
            let shown = path.to_string_lossy().into_owned();
            let t = item.file_type()?;
            let kind = if t.is_dir() {
                pending.push(path);
                Kind::Dir
            } else if t.is_symlink() {
                let target = fs::read_link(root.join(&path))?;
                Kind::Symlink {
                    target: target.to_string_lossy().into_owned(),
                }
            } else if t.is_file() {
                let len = item.metadata()?.len();
                let (digest, size) = match known.get(&shown, len) {
                    Some(d) => (d.clone(), len),
                    None => hash_file(&root.join(&path))?,
                };
                Kind::File {
                    size,
                    digest: digest.to_string(),
                }
            } else {
                // Unpack writes no device, FIFO or socket: one here means "something else".
                return Err(io::Error::other(format!("{shown}: not a file")));
            };
            entries.push(Entry { path: shown, kind });
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

fn hash_file(path: &Path) -> io::Result<(Digest, u64)> {
    let (file, _) = crate::input::open_regular(path).map_err(io::Error::other)?;
    HashingReader::new(file, Hasher::new("sha256").expect("sha256 is registered")).drain()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known file's digest is taken, not computed: the record costs no second read of it.
    /// An unknown file, or a path two writers claimed, is hashed as found.
    #[test]
    fn listing_takes_known_digests() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("a"), b"x").unwrap();
        fs::write(t.path().join("b"), b"y").unwrap();
        let claimed = Digest::sha256_of(b"z");
        let digest_of = |known: &Known, path: &str| {
            listing(t.path(), known)
                .unwrap()
                .into_iter()
                .find(|e| e.path == path)
                .map(|e| e.kind)
        };
        let file = |d: &Digest| {
            Some(Kind::File {
                size: 1,
                digest: d.to_string(),
            })
        };
        let mut known = Known::default();
        known.file(Path::new("a"), &claimed, 1);
        assert_eq!(digest_of(&known, "a"), file(&claimed));
        assert_eq!(digest_of(&known, "b"), file(&Digest::sha256_of(b"y")));
        known.file(Path::new("a"), &claimed, 1);
        assert_eq!(digest_of(&known, "a"), file(&Digest::sha256_of(b"x")));
    }
}
