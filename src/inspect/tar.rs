//! Walk a tar stream (never unpacking anything) and record what its entries are.
//!
//! Paths come from the tar crate's `path_bytes`/`link_name_bytes`, which honour PAX `path` /
//! `linkpath` records and GNU long names. Every judgement here is lexical: nothing touches the
//! file system.

use super::{Capture, MAX_CAPTURE_FILE_BYTES, MAX_CAPTURE_LAYER_BYTES, MAX_PATHS, is_skill_md};
use crate::artifact::{
    CapturedFile, EntryKind, EntryPath, EntryProblem, NamedEntry, TarFacts, TarIssue,
};
use crate::document::Limits;
use sha2::{Digest as _, Sha256};
use std::collections::HashSet;
use std::io::Read;
use tar::EntryType;

/// At most this many problems are kept per layer.
pub const MAX_PROBLEMS: usize = 100;
/// Entry names in problems are cut to this many characters.
const MAX_NAME_CHARS: usize = 1024;

/// Walk the archive in `reader`. `upstream_failed` tells whether a read error came from below
/// the tar format (blob unreadable, decoder error, bomb guard), which is then not a malformed
/// archive. Returns when the archive ends, breaks, or holds more than `max_tar_entries`; the
/// caller drains the rest of the stream. Files the capture rule selects are returned beside
/// the facts.
pub(crate) fn inspect<R: Read>(
    reader: R,
    expected: Option<&str>,
    capture: Capture,
    limits: &Limits,
    upstream_failed: impl Fn() -> bool,
) -> (TarFacts, Vec<CapturedFile>) {
    let mut walk = Walk {
        facts: TarFacts::default(),
        capture,
        files: Vec::new(),
        captured_bytes: 0,
        // Fixed-size keys keep memory bounded whatever the name lengths (PAX names are
        // unbounded); 128 bits of sha256 make a collision practically impossible.
        seen: HashSet::new(),
        expected: expected.map(|e| normalize(e).0),
    };
    let mut archive = tar::Archive::new(super::tar_guard::ExtensionGuard::new(reader));
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            walk.problem(String::new(), TarIssue::Malformed(e.to_string()));
            return (walk.facts, walk.files);
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if !upstream_failed() {
                    walk.problem(String::new(), TarIssue::Malformed(e.to_string()));
                }
                break;
            }
        };
        if walk.facts.entries >= limits.max_tar_entries {
            walk.problem(String::new(), TarIssue::TooManyEntries);
            break;
        }
        walk.facts.entries += 1;
        walk.entry(&mut entry);
    }
    (walk.facts, walk.files)
}

struct Walk {
    facts: TarFacts,
    capture: Capture,
    files: Vec<CapturedFile>,
    captured_bytes: usize,
    seen: HashSet<[u8; 16]>,
    expected: Option<String>,
}

fn key(path: &str) -> [u8; 16] {
    let h = Sha256::digest(path.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&h[..16]);
    k
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_NAME_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

pub(crate) fn kind_of(t: EntryType) -> EntryKind {
    match t {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => EntryKind::File,
        EntryType::Directory => EntryKind::Directory,
        EntryType::Symlink => EntryKind::Symlink,
        EntryType::Link => EntryKind::Hardlink,
        EntryType::Char => EntryKind::CharDevice,
        EntryType::Block => EntryKind::BlockDevice,
        EntryType::Fifo => EntryKind::Fifo,
        _ => EntryKind::Other,
    }
}

/// Lexical normal form: drop empty and `.` components (so `./a//b/` is `a/b`); keep `..`.
/// The flag says whether the path was absolute.
fn normalize(path: &str) -> (String, bool) {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    (parts.join("/"), path.starts_with('/'))
}

/// Resolve `target` lexically against the directory `base` (components); `None` when it climbs
/// above the root.
fn resolve(base: &[&str], target: &str) -> Option<String> {
    let mut stack: Vec<&str> = base.to_vec();
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                stack.pop()?;
            }
            c => stack.push(c),
        }
    }
    Some(stack.join("/"))
}

impl Walk {
    fn problem(&mut self, entry: String, issue: TarIssue) {
        if self.facts.problems.len() < MAX_PROBLEMS {
            self.facts.problems.push(EntryProblem { entry, issue });
        }
    }

    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) {
        let header = entry.header();
        let etype = header.entry_type();
        if etype.is_pax_global_extensions() {
            return; // metadata for the archive, not an entry of the tree
        }
        let kind = kind_of(etype);
        let raw = entry.path_bytes();
        let (name, utf8) = match std::str::from_utf8(&raw) {
            Ok(s) => (s.to_string(), true),
            Err(_) => (String::from_utf8_lossy(&raw).into_owned(), false),
        };
        let shown = clip(&name);
        if !utf8 || name.contains(['\\', '\0']) {
            self.problem(shown.clone(), TarIssue::UnsafeName);
        }
        if name.starts_with('/') {
            self.problem(shown.clone(), TarIssue::AbsolutePath);
        }
        if name.split('/').any(|c| c == "..") {
            self.problem(shown.clone(), TarIssue::ParentComponent);
        }
        if let Some(bound) = crate::names::path_bound(&name) {
            self.problem(shown.clone(), TarIssue::NameBound(bound));
        }
        let (norm, _) = normalize(&name);

        match kind {
            EntryKind::CharDevice | EntryKind::BlockDevice | EntryKind::Fifo => {
                self.problem(shown.clone(), TarIssue::DeviceNode(kind));
            }
            EntryKind::Symlink | EntryKind::Hardlink => {
                let raw_target = entry.link_name_bytes().unwrap_or_default();
                if let Some(bound) = crate::names::link_bound(&raw_target) {
                    self.problem(shown.clone(), TarIssue::NameBound(bound));
                }
                let target = String::from_utf8_lossy(&raw_target).into_owned();
                self.link(&shown, &name, kind, &target);
            }
            _ => {}
        }

        if let Some(exp) = &self.expected {
            if !norm.is_empty() && norm == *exp && self.facts.named.is_none() {
                self.facts.named = Some(NamedEntry {
                    path: shown.clone(),
                    kind,
                    size: entry.size(),
                    mode: header.mode().unwrap_or(0),
                });
            } else if norm.len() > exp.len()
                && norm.starts_with(exp.as_str())
                && (exp.is_empty() || norm.as_bytes()[exp.len()] == b'/')
            {
                self.facts.named_has_children = true;
            }
        }

        // The root itself (`./`) may appear once per layer in ordinary archives; it is never a
        // duplicate worth reporting.
        if !norm.is_empty() && !self.seen.insert(key(&norm)) {
            self.problem(shown, TarIssue::DuplicatePath);
        }
        if self.capture.paths && utf8 && !norm.is_empty() {
            if self.facts.paths.len() < MAX_PATHS {
                self.facts.paths.push(EntryPath {
                    path: norm.clone(),
                    kind,
                });
            } else {
                self.facts.paths_truncated = true;
            }
        }
        if self.capture.skill_md && kind == EntryKind::File && is_skill_md(&norm) {
            self.capture_file(entry, norm);
        }
    }

    /// Keep up to [`MAX_CAPTURE_FILE_BYTES`] of the entry's data, within the layer's budget.
    fn capture_file<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>, path: String) {
        let size = entry.size();
        let room = MAX_CAPTURE_FILE_BYTES.min(MAX_CAPTURE_LAYER_BYTES - self.captured_bytes);
        let mut bytes = Vec::new();
        // A read error is the archive's (or the stream's) and is recorded by the walk when it
        // reaches the next header; the captured prefix is then marked truncated.
        let _ = entry.take(room as u64).read_to_end(&mut bytes);
        self.captured_bytes += bytes.len();
        self.files.push(CapturedFile {
            path,
            size,
            truncated: (bytes.len() as u64) < size,
            bytes,
        });
    }

    fn link(&mut self, shown: &str, name: &str, kind: EntryKind, target: &str) {
        if target.is_empty() {
            return;
        }
        let escape = |w: &mut Walk| {
            w.problem(
                shown.to_string(),
                TarIssue::LinkEscape {
                    target: clip(target),
                },
            )
        };
        if target.starts_with('/') {
            return escape(self);
        }
        let resolved = if kind == EntryKind::Symlink {
            // Relative to the directory holding the link; the entry name itself must resolve
            // inside the root for its directory to.
            let Some(entry_path) = resolve(&[], name.trim_start_matches('/')) else {
                return escape(self);
            };
            let mut dir: Vec<&str> = entry_path.split('/').filter(|c| !c.is_empty()).collect();
            dir.pop();
            resolve(&dir, target)
        } else {
            // Hardlink targets are archive paths, relative to the root.
            resolve(&[], target)
        };
        match resolved {
            None => escape(self),
            Some(r) if kind == EntryKind::Hardlink && !self.seen.contains(&key(&r)) => self
                .problem(
                    shown.to_string(),
                    TarIssue::DanglingHardlink {
                        target: clip(target),
                    },
                ),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_helpers() {
        assert_eq!(normalize("./a//b/"), ("a/b".into(), false));
        assert_eq!(normalize("/etc/x"), ("etc/x".into(), true));
        assert_eq!(resolve(&["a", "b"], "../c"), Some("a/c".into()));
        assert_eq!(resolve(&["a"], "../../c"), None);
        assert_eq!(resolve(&[], "x/../../y"), None);
        assert_eq!(resolve(&[], "./x/./y"), Some("x/y".into()));
    }
}
