//! The directories one request runs in, and the record that tells whether the adapter wrote
//! where it should not.
//!
//! ```text
//! <guard>/a/b/            three empty levels: a `../../..` escape still lands inside <guard>
//!   sandbox/
//!     work/               the adapter's own directory (cwd, HOME, TMPDIR): anything goes
//!     in/                 inputs the suite placed (source tree, layout): must stay as they are
//!     out/                outputs the request names (layout, destination)
//! ```
//!
//! Everything under `<guard>` except `work/` and the named outputs is recorded before and after
//! the request; a difference is a write outside the work directory (ADP-004). Writes further up
//! than `<guard>` are not seen: the suite has no sandboxing of its own, and says so.

use crate::digest::{Digest, Hasher};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// One request's directories.
pub struct Sandbox {
    _guard: tempfile::TempDir,
    guard: PathBuf,
    pub root: PathBuf,
    pub work: PathBuf,
    pub input: PathBuf,
    pub output: PathBuf,
}

/// What one path looked like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    Dir,
    File(Digest, u64),
    Link(PathBuf),
    Other,
}

/// Every path under the guard, outside what the adapter may write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record(BTreeMap<PathBuf, Seen>);

impl Sandbox {
    /// A fresh sandbox in `parent` (the system temporary directory when `None`).
    pub fn new(parent: Option<&Path>) -> io::Result<Sandbox> {
        let guard_dir = match parent {
            Some(p) => {
                fs::create_dir_all(p)?;
                tempfile::Builder::new().prefix("adapter-").tempdir_in(p)?
            }
            None => tempfile::Builder::new()
                .prefix("ai-interop-adapter-")
                .tempdir()?,
        };
        let guard = guard_dir.path().to_path_buf();
        let root = guard.join("a/b/sandbox");
        let (work, input, output) = (root.join("work"), root.join("in"), root.join("out"));
        for d in [&work, &work.join("tmp"), &input, &output] {
            fs::create_dir_all(d)?;
        }
        Ok(Sandbox {
            _guard: guard_dir,
            guard,
            root,
            work,
            input,
            output,
        })
    }

    /// Record everything outside `work/` and the allowed outputs.
    pub fn record(&self, allowed: &[&Path]) -> Record {
        let mut map = BTreeMap::new();
        walk(&self.guard, &self.guard, &self.work, allowed, &mut map);
        Record(map)
    }
}

fn walk(
    base: &Path,
    dir: &Path,
    work: &Path,
    allowed: &[&Path],
    out: &mut BTreeMap<PathBuf, Seen>,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path == work || allowed.iter().any(|a| path.starts_with(a)) {
            continue;
        }
        let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        let seen = if meta.file_type().is_symlink() {
            Seen::Link(fs::read_link(&path).unwrap_or_default())
        } else if meta.is_dir() {
            walk(base, &path, work, allowed, out);
            Seen::Dir
        } else if meta.is_file() {
            match hash_file(&path) {
                Ok(d) => Seen::File(d, meta.len()),
                Err(_) => Seen::Other,
            }
        } else {
            Seen::Other
        };
        out.insert(rel, seen);
    }
}

fn hash_file(path: &Path) -> io::Result<Digest> {
    let mut f = fs::File::open(path)?;
    let mut h = Hasher::new("sha256").expect("sha256 is registered");
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finish())
}

impl Record {
    /// Paths created, changed or removed between `self` (before) and `after`, as
    /// `created a/b/x`-style lines relative to the guard.
    pub fn changes(&self, after: &Record) -> Vec<String> {
        let mut out = Vec::new();
        for (p, seen) in &after.0 {
            match self.0.get(p) {
                None => out.push(format!("created {}", p.display())),
                Some(old) if old != seen => out.push(format!("changed {}", p.display())),
                _ => {}
            }
        }
        for p in self.0.keys() {
            if !after.0.contains_key(p) {
                out.push(format!("removed {}", p.display()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_writes_outside_work_and_allowed_outputs() {
        let s = Sandbox::new(None).unwrap();
        fs::write(s.input.join("f"), b"x").unwrap();
        let allowed = s.output.join("layout");
        let before = s.record(&[&allowed]);
        fs::write(s.work.join("scratch"), b"ok").unwrap();
        fs::create_dir_all(&allowed).unwrap();
        fs::write(allowed.join("blob"), b"ok").unwrap();
        assert!(before.changes(&s.record(&[&allowed])).is_empty());
        fs::write(s.input.join("f"), b"y").unwrap();
        fs::write(s.root.join("../../escaped"), b"z").unwrap();
        let changes = before.changes(&s.record(&[&allowed]));
        assert_eq!(
            changes,
            vec!["changed a/b/sandbox/in/f", "created a/escaped"],
            "{changes:?}"
        );
    }
}
