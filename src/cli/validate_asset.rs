//! `ai-interop validate skill <dir>`, `validate prompt <file>`, `validate workflow <file>`:
//! an agentic asset before it is packaged, judged by the same checks that judge the packaged
//! artifact (the requirements that need the OCI wrapping are left out).

use super::Exit;
use super::validate::{Problem, ValidateArgs, ValidateKind};
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

/// `Some(problems)` when `args.kind` names an agentic asset, `None` for a schema kind.
pub fn run(args: &ValidateArgs) -> Result<Option<Vec<Problem>>, Exit> {
    let mut marks = Marks::default();
    let stdin = super::validate::is_stdin(&args.file);
    match args.kind {
        ValidateKind::Skill if stdin => {
            return Err(Exit::usage(
                "validate skill takes a skill directory, not standard input",
            ));
        }
        ValidateKind::Skill => {
            let (paths, files) = walk_skill(&args.file)?;
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
        ValidateKind::Prompt => {
            let file = read_input(args)?;
            if file.truncated {
                return Ok(Some(vec![too_large("PRM-003", &file)]));
            }
            check_template(None, &file, ConfigState::None, &mut marks);
        }
        ValidateKind::Workflow => {
            let file = read_input(args)?;
            if file.truncated {
                return Ok(Some(vec![too_large("WFL-004", &file)]));
            }
            check_document(None, &file, Some(&args.workflow_format), &mut marks);
        }
        _ => return Ok(None),
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
    Ok(Some(problems))
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
fn read_input(args: &ValidateArgs) -> Result<CapturedFile, Exit> {
    if !super::validate::is_stdin(&args.file) {
        return read_file(&args.file);
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

/// The skill directory as a bundle would hold it: every path below `<name>/`, symlinks not
/// followed, and `<name>/SKILL.md` / `<name>/skill.md` captured.
fn walk_skill(dir: &Path) -> Result<(Vec<EntryPath>, Vec<CapturedFile>), Exit> {
    if !dir.is_dir() {
        return Err(Exit::usage(format!(
            "{} is not a directory (validate skill takes the skill directory)",
            dir.display()
        )));
    }
    let name = name_of(dir)?;
    let mut paths = vec![EntryPath {
        path: name.clone(),
        kind: EntryKind::Directory,
    }];
    let mut files = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), name)];
    while let Some((abs, rel)) = stack.pop() {
        let mut entries: Vec<_> = fs::read_dir(&abs)
            .map_err(|e| Exit::harness(format!("{}: {e}", abs.display())))?
            .collect::<Result<_, _>>()
            .map_err(|e| Exit::harness(format!("{}: {e}", abs.display())))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            if paths.len() >= MAX_PATHS {
                return Err(Exit::harness(format!(
                    "{} holds more than {MAX_PATHS} entries",
                    dir.display()
                )));
            }
            let ty = e
                .file_type()
                .map_err(|err| Exit::harness(format!("{}: {err}", e.path().display())))?;
            let path = format!("{rel}/{}", e.file_name().to_string_lossy());
            let kind = if ty.is_symlink() {
                EntryKind::Symlink
            } else if ty.is_dir() {
                EntryKind::Directory
            } else if ty.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            if kind == EntryKind::Directory {
                stack.push((e.path(), path.clone()));
            }
            if kind == EntryKind::File && crate::inspect::is_skill_md(&path) {
                let mut f = read_file(&e.path())?;
                f.path = path.clone();
                files.push(f);
            }
            paths.push(EntryPath { path, kind });
        }
    }
    Ok((paths, files))
}
