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
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_at(path)(e));
    }
    Ok(())
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
}
