//! `ai-interop validate skill <dir>`, `validate prompt <file>`, `validate workflow <file>`:
//! an agentic asset before it is packaged, judged by the same checks that judge the packaged
//! artifact (the requirements that need the OCI wrapping are left out).

use super::Exit;
use crate::artifact::{CapturedFile, EntryKind, EntryPath};
use crate::checks::Marks;
use crate::checks::prompts::{ConfigState, check_template};
use crate::checks::skills::{SkillTree, check_tree};
use crate::checks::workflows::check_document;
use crate::inspect::{MAX_CAPTURE_FILE_BYTES, MAX_PATHS};
use crate::model::Status;
use crate::spec::Catalog;
use std::fs;
use std::io::Read;
use std::path::Path;

/// One problem `validate` prints: where, what, and whether it breaks validity (SHOULD findings
/// do not).
pub(super) type Problem = (String, String, bool);

/// The unpackaged agentic assets `validate` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asset {
    Skill,
    Prompt,
    Workflow,
}

pub(super) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The problems of the asset at `file` (`-`: standard input); `workflow_format` is the declared
/// format of a workflow document.
pub fn run(asset: Asset, file: &Path, workflow_format: &str) -> Result<Vec<Problem>, Exit> {
    let mut marks = Marks::default();
    let stdin = is_stdin(file);
    match asset {
        Asset::Skill if stdin => {
            return Err(Exit::usage(
                "validate skill takes a skill directory, not standard input",
            ));
        }
        Asset::Skill => {
            let (paths, files) = match walk_skill(file)? {
                Ok(tree) => tree,
                Err(refused) => return Ok(vec![refused]),
            };
            check_tree(
                &SkillTree {
                    layer: None,
                    paths: &paths,
                    files: &files,
                },
                None,
                &mut marks,
            );
        }
        Asset::Prompt => {
            let file = read_input(file)?;
            if file.truncated {
                return Ok(vec![too_large("PRM-003", &file)]);
            }
            check_template(None, &file, ConfigState::None, &mut marks);
        }
        Asset::Workflow => {
            let file = read_input(file)?;
            if file.truncated {
                return Ok(vec![too_large("WFL-004", &file)]);
            }
            check_document(None, &file, Some(workflow_format), &mut marks);
        }
    }
    let catalog = Catalog::embedded();
    let problems = marks
        .marks
        .iter()
        .filter(|m| matches!(m.status, Status::Fail | Status::Error))
        .map(|m| {
            let level = catalog
                .get(m.requirement)
                .map_or(crate::model::Level::Must, |r| r.level);
            (
                format!("{} [{}] {}", m.requirement, level, m.location),
                m.message.clone(),
                m.status.breaks(level),
            )
        })
        .collect();
    Ok(problems)
}

fn too_large(req: &str, f: &CapturedFile) -> Problem {
    (
        format!("{req} [MUST] file {:?}", f.path),
        format!(
            "the file is {} bytes, more than 1 MiB ({MAX_CAPTURE_FILE_BYTES})",
            f.size
        ),
        true,
    )
}

fn name_of(path: &Path) -> Result<String, Exit> {
    let canonical =
        fs::canonicalize(path).map_err(|e| Exit::usage(format!("{}: {e}", path.display())))?;
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Exit::usage(format!("{} has no name", path.display())))
}

/// The file named on the command line, or standard input for `-` (bounded the same way).
fn read_input(file: &Path) -> Result<CapturedFile, Exit> {
    if !is_stdin(file) {
        return read_file(file);
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_CAPTURE_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Exit::harness(format!("<stdin>: {e}")))?;
    let truncated = bytes.len() > MAX_CAPTURE_FILE_BYTES;
    let size = bytes.len() as u64;
    bytes.truncate(MAX_CAPTURE_FILE_BYTES);
    Ok(CapturedFile {
        path: "stdin".into(),
        size,
        bytes,
        truncated,
    })
}

/// Read at most 1 MiB (and the size of the rest).
fn read_file(path: &Path) -> Result<CapturedFile, Exit> {
    let name = name_of(path)?;
    let (f, meta) = crate::input::open_regular(path).map_err(|e| Exit::usage(e.to_string()))?;
    let mut bytes = Vec::new();
    f.take(MAX_CAPTURE_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Exit::harness(format!("{}: {e}", path.display())))?;
    let truncated = bytes.len() > MAX_CAPTURE_FILE_BYTES;
    bytes.truncate(MAX_CAPTURE_FILE_BYTES);
    Ok(CapturedFile {
        path: name,
        size: meta.len(),
        bytes,
        truncated,
    })
}

/// The skill directory as a bundle would hold it, walked by the packer's own walker
/// ([`crate::reference::plan::walk`]): the same entries, and the same refusals — a link out of
/// the skill (LAY-005), a device or FIFO (LAY-006), a non-portable name (LAY-009) — as a
/// problem. `<name>/SKILL.md` / `<name>/skill.md` are captured.
type SkillWalk = (Vec<EntryPath>, Vec<CapturedFile>);
fn walk_skill(dir: &Path) -> Result<Result<SkillWalk, Problem>, Exit> {
    use crate::reference::plan::{WalkError, walk};
    use crate::tarball::Kind;
    if !dir.is_dir() {
        return Err(Exit::usage(format!(
            "{} is not a directory (validate skill takes the skill directory)",
            dir.display()
        )));
    }
    let name = name_of(dir)?;
    let mut entries = Vec::new();
    if let Err(e) = walk(dir, &name, &name, &mut entries) {
        let requirement = match &e {
            WalkError::Io { .. } => return Err(Exit::harness(e.to_string())),
            WalkError::LinkLeaves { .. } => "LAY-005",
            WalkError::Special { .. } => "LAY-006",
            WalkError::Name(_) => "LAY-009",
        };
        let level = Catalog::embedded()
            .get(requirement)
            .map_or(crate::model::Level::Must, |r| r.level);
        return Ok(Err((
            format!("{requirement} [{level}] directory {}", dir.display()),
            format!("{e} (pack refuses it too)"),
            true,
        )));
    }
    if entries.len() > MAX_PATHS {
        return Err(Exit::harness(format!(
            "{} holds more than {MAX_PATHS} entries",
            dir.display()
        )));
    }
    let mut paths = Vec::with_capacity(entries.len());
    let mut files = Vec::new();
    for e in entries {
        let kind = match e.kind {
            Kind::Dir => EntryKind::Directory,
            Kind::File => EntryKind::File,
            Kind::Symlink => EntryKind::Symlink,
            _ => EntryKind::Other,
        };
        if kind == EntryKind::File && crate::inspect::is_skill_md(&e.name) {
            let mut f = read_file(&e.source)?;
            f.path = e.name.clone();
            files.push(f);
        }
        paths.push(EntryPath { path: e.name, kind });
    }
    Ok(Ok((paths, files)))
}
