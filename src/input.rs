//! Reading a file the user named: bounded, and only ever a regular file.
//!
//! `/dev/zero`, a FIFO or a terminal would otherwise be read forever, so every reader of a
//! user-named file (documents to validate, the registry and Docker configuration, the
//! expected-failures file, CA bundles, fixture definitions and case files) goes through
//! [`read_bounded`]. A symbolic link to a regular file is accepted: the user named it.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The bound for documents and configuration files: the same 16 MiB the layout reader keeps
/// of a manifest, config or `index.json` (`Limits::default().max_document_bytes`).
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// Why a named file was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    #[error("{}: not a regular file ({kind}); only regular files are read", path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{}: larger than the {limit}-byte limit for this input", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{}: not valid UTF-8 text", path.display())]
    NotText { path: PathBuf },
}

/// The whole content of the regular file at `path`, refused when it exceeds `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let io_err = |e: io::Error| InputError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let (file, opened) = open_regular(path)?;
    let too_large = || InputError::TooLarge {
        path: path.to_path_buf(),
        limit,
    };
    if opened.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(opened.len() as usize);
    // A file that grows while it is read is still cut at the bound.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The regular file at `path`, open for reading, and its metadata; anything else is refused
/// before it is opened (opening a FIFO blocks until a writer appears).
pub fn open_regular(path: &Path) -> Result<(File, fs::Metadata), InputError> {
    let io_err = |e: io::Error| InputError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let meta = fs::metadata(path).map_err(io_err)?;
    check_regular(path, &meta)?;
    let file = File::open(path).map_err(io_err)?;
    // The path may have been swapped between the two calls: judge what was opened.
    let opened = file.metadata().map_err(io_err)?;
    check_regular(path, &opened)?;
    Ok((file, opened))
}

/// [`read_bounded`] for text files (configuration, YAML, JSON read as text).
pub fn read_bounded_text(path: &Path, limit: u64) -> Result<String, InputError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|_| InputError::NotText {
        path: path.to_path_buf(),
    })
}

fn check_regular(path: &Path, meta: &fs::Metadata) -> Result<(), InputError> {
    let t = meta.file_type();
    if t.is_file() {
        return Ok(());
    }
    Err(InputError::NotRegular {
        path: path.to_path_buf(),
        kind: if t.is_dir() {
            "a directory"
        } else {
            "a device, FIFO or socket"
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_bound() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("f.json");
        fs::write(&p, b"{}").unwrap();
        assert_eq!(read_bounded(&p, 2).unwrap(), b"{}");
        assert_eq!(read_bounded_text(&p, 10).unwrap(), "{}");
        let e = read_bounded(&p, 1).unwrap_err();
        assert_eq!(
            e,
            InputError::TooLarge {
                path: p.clone(),
                limit: 1
            }
        );
        assert!(e.to_string().contains("f.json"), "{e}");
        fs::write(&p, b"\xff").unwrap();
        assert!(matches!(
            read_bounded_text(&p, 10),
            Err(InputError::NotText { .. })
        ));
    }

    #[test]
    fn refuses_directories_missing_files_and_devices() {
        let t = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_bounded(t.path(), 10),
            Err(InputError::NotRegular { .. })
        ));
        let missing = t.path().join("absent");
        let e = read_bounded(&missing, 10).unwrap_err();
        assert!(matches!(e, InputError::Io { .. }) && e.to_string().contains("absent"));
        #[cfg(unix)]
        {
            let e = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(matches!(e, InputError::NotRegular { .. }), "{e}");
            assert!(e.to_string().starts_with("/dev/zero: "), "{e}");
        }
    }
}
