//! Writing into a directory the user named: never through a symbolic link.
//!
//! `--out L` with `L → /etc` would otherwise write reports into `/etc`, and a link planted at a
//! report's file name would redirect the write. So a directory to write into is created one
//! component at a time and refused when any component of the path as named is a link, and files
//! are created with `O_NOFOLLOW | O_EXCL` and renamed into place (a rename replaces a link at the
//! final name instead of writing through it).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Why a directory or file was not written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "{}: a symbolic link (to {}); output is never written through a link — name the real directory if it is meant",
        path.display(), target.display()
    )]
    Link { path: PathBuf, target: PathBuf },
    #[error("{}: exists and is not a directory", path.display())]
    NotDirectory { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl OutputError {
    /// A link or a file in the way is the user's to fix (exit 2); an I/O failure is not.
    pub fn is_usage(&self) -> bool {
        !matches!(self, OutputError::Io { .. })
    }
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Create `dir` and its missing parents, refusing a path where any component is a symbolic link
/// or not a directory. Returns the directories it created, outermost first (so that a caller
/// that gives up can remove exactly those).
pub fn create_dir_no_links(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut created = Vec::new();
    let mut at = PathBuf::new();
    for component in dir.components() {
        at.push(component);
        if matches!(component, Component::Prefix(_) | Component::RootDir) {
            continue;
        }
        match fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&at).unwrap_or_default();
                return Err(OutputError::Link { path: at, target });
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(OutputError::NotDirectory { path: at }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&at).map_err(io_at(&at))?;
                created.push(at.clone());
            }
            Err(e) => return Err(io_at(&at)(e)),
        }
    }
    Ok(created)
}

/// `fs::create_dir_all` that returns the directories it created, outermost first (links on
/// the way are followed, as the user named them: unpack's destination keeps its meaning).
pub fn create_dir_all_recorded(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .take_while(|p| fs::symlink_metadata(p).is_err())
        .collect();
    let mut created = Vec::with_capacity(missing.len());
    for p in missing.into_iter().rev() {
        match fs::create_dir(p) {
            Ok(()) => created.push(p.to_path_buf()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                remove_created(&created);
                return Err(e);
            }
        }
    }
    Ok(created)
}

/// Remove the directories [`create_dir_no_links`] or [`create_dir_all_recorded`] created, innermost first, as far as they are
/// empty (a directory something else wrote into stays).
pub fn remove_created(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        if fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// A new file at `path`: fails when anything exists there, a link included (`O_EXCL` with
/// `O_NOFOLLOW`).
pub fn create_new_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW).mode(0o644);
    }
    options.open(path)
}

/// Write `content` to `path` through a new temporary sibling and a rename, so an interrupted
/// write never leaves half a file and a link at `path` is replaced, not followed.
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Unique per process and per call, so concurrent writers never share a temporary file.
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let mut file = create_new_file(&tmp)?;
        // No fsync: the rename keeps a reader from seeing half a file; durability across a
        // power cut is not worth ~7 ms per file on a report a run can write again.
        file.write_all(content)?;
        drop(file);
        put_in_place(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_at(path)(e));
    }
    Ok(())
}

/// Move the finished file `tmp` to `path`, replacing what is there — a file, or a link, which is
/// replaced and not followed; a directory is refused, as `rename` refuses it.
///
/// A plain rename over an existing file makes ext4 write the new file out first
/// (`auto_da_alloc`, so a crash cannot leave it empty): ~0.1 ms a file, 0.7 ms for the six of
/// a report — more than rendering them — on every run that writes into the same `--out` again
/// (`check --out` went from 1.1× to 1.25× of `check`). Exchanging the two names is as atomic — a reader sees the
/// old file or the new one, whole — and is not flushed; the old file, left at the temporary
/// name, is then removed.
fn put_in_place(tmp: &Path, path: &Path) -> io::Result<()> {
    let replaces_a_file = fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir());
    if replaces_a_file && exchange(tmp, path).is_ok() {
        match fs::remove_file(tmp) {
            Ok(()) => return Ok(()),
            // What came back is not removable as a file (a directory swapped in since we
            // looked): give it its name back and let the rename below refuse it.
            Err(_) => exchange(tmp, path)?,
        }
    }
    // Nothing there (nothing to flush), a directory (refused below), or a system that cannot
    // exchange names: a plain rename.
    fs::rename(tmp, path)
}

/// Swap the names `a` and `b` in one step (`renameat2(RENAME_EXCHANGE)`): whoever opens either
/// name finds one whole thing or the other. Fails with `EINVAL` where the file system cannot
/// exchange and `ENOSYS` off Linux.
#[cfg(target_os = "linux")]
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two NUL-terminated paths that outlive the call; no memory is handed over.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from_raw_os_error(libc::ENOSYS))
}

/// Write `files` (name, content) into `dir`, created without following links.
pub fn write_files_into(dir: &Path, files: &[(&str, &[u8])]) -> Result<Vec<PathBuf>, OutputError> {
    create_dir_no_links(dir)?;
    let mut written = Vec::with_capacity(files.len());
    for (name, content) in files {
        let path = dir.join(name);
        write_atomic(&path, content)?;
        written.push(path);
    }
    Ok(written)
}

/// A new file written front to back whose bytes are handed to the disk as they come, so a
/// multi-GiB write neither piles up dirty pages nor pushes everything else out of the cache.
///
/// Left to itself the kernel lets dirty pages grow to a fraction of memory, then stalls the
/// writer (`balance_dirty_pages`) and reclaims other pages to make room: on a 2-core, 24 GiB
/// machine a 4 GiB blob took 1.3–1.8× as long to write as to hash and its unpack 2.3×, where
/// 1 GiB fits and costs nothing. So every [`WINDOW`] written has its write-back started at
/// once, and what lies more than [`KEPT`] behind the end is waited for and dropped from the
/// cache: the disk works while the next bytes are hashed, the pages the file occupies are
/// recycled instead of taken from everything else (bench `one_pass`: the 4 GiB pack fell to
/// 0.97× of one hash pass, its unpack to 1.14×), and a file smaller than [`KEPT`] stays
/// cached as before, so a slow disk does not slow a small write. Both calls are advice: where
/// a filesystem ignores them only the speed changes.
pub struct WriteBehind {
    file: File,
    kept: u64,
    written: u64,
    /// Everything before this offset has had its write-back started.
    started: u64,
    /// Everything before this offset is on disk and out of the cache.
    settled: u64,
}

/// How much is handed to the disk at a time.
pub const WINDOW: u64 = 8 << 20;
/// How much of the end of a file being written stays in the cache.
pub const KEPT: u64 = 256 << 20;

impl WriteBehind {
    pub fn new(file: File) -> WriteBehind {
        WriteBehind::keeping(file, KEPT)
    }

    /// Keeping `kept` bytes (a multiple of [`WINDOW`]) cached behind the end.
    pub fn keeping(file: File, kept: u64) -> WriteBehind {
        WriteBehind {
            file,
            kept,
            written: 0,
            started: 0,
            settled: 0,
        }
    }

    #[cfg(target_os = "linux")]
    fn hand_over(&mut self) {
        use std::os::fd::AsRawFd;
        if self.written - self.started < WINDOW {
            return;
        }
        let fd = self.file.as_raw_fd();
        // SAFETY: plain syscalls on a descriptor this value owns; no memory is passed. Their
        // errors are ignored on purpose (see the type's comment).
        unsafe {
            libc::sync_file_range(
                fd,
                self.started as libc::off64_t,
                (self.written - self.started) as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.started = self.written;
        while self.started - self.settled > self.kept {
            // SAFETY: as above.
            unsafe {
                libc::sync_file_range(
                    fd,
                    self.settled as libc::off64_t,
                    WINDOW as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                );
                libc::posix_fadvise(
                    fd,
                    self.settled as libc::off64_t,
                    WINDOW as libc::off64_t,
                    libc::POSIX_FADV_DONTNEED,
                );
            }
            self.settled += WINDOW;
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn hand_over(&mut self) {}
}

impl Write for WriteBehind {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        self.hand_over();
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_on_the_way_are_refused_and_nothing_is_written_through_them() {
        let t = tempfile::tempdir().unwrap();
        let elsewhere = t.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        let link = t.path().join("L");
        symlink(&elsewhere, &link).unwrap();
        for dir in [link.clone(), link.join("new")] {
            let e = write_files_into(&dir, &[("a.json", b"{}")]).unwrap_err();
            assert!(matches!(e, OutputError::Link { .. }) && e.is_usage(), "{e}");
        }
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);

        // A link at the final name is replaced, never written through.
        let out = t.path().join("out");
        let victim = t.path().join("victim");
        fs::write(&victim, b"keep").unwrap();
        let created = create_dir_no_links(&out.join("a/b")).unwrap();
        assert_eq!(created, vec![out.clone(), out.join("a"), out.join("a/b")]);
        symlink(&victim, out.join("a/b/r.json")).unwrap();
        write_files_into(&out.join("a/b"), &[("r.json", b"new")]).unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert_eq!(fs::read(out.join("a/b/r.json")).unwrap(), b"new");
        assert!(create_new_file(&out.join("a/b/r.json")).is_err());
        fs::remove_file(out.join("a/b/r.json")).unwrap();
        remove_created(&created);
        assert!(!out.exists());
    }

    /// A second write of the same names replaces the files whole (by exchange on Linux) and
    /// leaves nothing else behind; a directory at a file's name is refused and left as it was.
    #[test]
    fn rewriting_replaces_files_and_refuses_a_directory() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        write_files_into(&out, &[("a.json", b"old"), ("b.md", b"old")]).unwrap();
        write_files_into(&out, &[("a.json", b"new a"), ("b.md", b"new b")]).unwrap();
        let mut names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.json", "b.md"]);
        assert_eq!(fs::read(out.join("a.json")).unwrap(), b"new a");
        assert_eq!(fs::read(out.join("b.md")).unwrap(), b"new b");

        fs::create_dir(out.join("c.html")).unwrap();
        fs::write(out.join("c.html/kept"), b"x").unwrap();
        let e = write_files_into(&out, &[("c.html", b"page")]).unwrap_err();
        assert!(!e.is_usage(), "{e}");
        assert_eq!(fs::read(out.join("c.html/kept")).unwrap(), b"x");
        assert_eq!(
            fs::read_dir(&out).unwrap().count(),
            3,
            "a temporary file left"
        );
    }

    /// Bytes pass through unchanged, and of a file written through it only about the last
    /// [`KEPT`]-like stretch stays in memory (counted with mincore), where a plain write keeps
    /// it all. Skipped where the filesystem keeps files in memory anyway (tmpfs).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_written_behind_keeps_only_its_tail_in_the_cache() {
        let t = tempfile::tempdir().unwrap();
        let resident = |path: &Path| -> (usize, usize) {
            use std::os::fd::AsRawFd;
            let f = File::open(path).unwrap();
            let len = f.metadata().unwrap().len() as usize;
            let page = 4096;
            let mut vec = vec![0u8; len.div_ceil(page)];
            // SAFETY: a read-only shared mapping of a file this test owns, unmapped below;
            // mincore writes one byte per page into a vector of exactly that many bytes.
            unsafe {
                let map = libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    f.as_raw_fd(),
                    0,
                );
                assert_ne!(map, libc::MAP_FAILED);
                assert_eq!(libc::mincore(map, len, vec.as_mut_ptr()), 0);
                libc::munmap(map, len);
            }
            (vec.iter().filter(|b| **b & 1 == 1).count() * page, len)
        };
        let kept = 2 * WINDOW;
        let chunk: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        let write = |name: &str, behind: bool| {
            let path = t.path().join(name);
            let file = create_new_file(&path).unwrap();
            let mut w: Box<dyn Write> = if behind {
                Box::new(WriteBehind::keeping(file, kept))
            } else {
                Box::new(file)
            };
            for _ in 0..64 {
                w.write_all(&chunk).unwrap();
            }
            drop(w);
            path
        };
        let plain = write("plain", false);
        let (cached, len) = resident(&plain);
        if cached < len {
            eprintln!("skipped: this filesystem does not keep a plain write cached");
            return;
        }
        let behind = write("behind", true);
        assert_eq!(fs::read(&behind).unwrap(), fs::read(&plain).unwrap());
        // Reading it back above brought it in again; write it anew to count.
        fs::remove_file(&behind).unwrap();
        let behind = write("behind", true);
        let (cached, len) = resident(&behind);
        assert_eq!(len, 64 << 20);
        assert!(
            cached as u64 <= kept + 2 * WINDOW,
            "{cached} bytes of {len} still cached"
        );
    }
}
