//! Build-time facts the binary carries, so that nothing it does depends on where it was built:
//!
//! - the golden fixture tree `fixtures/v1.0` as one deterministic, zstd-compressed tar (the
//!   self-test, `requirements` and the registry suite read it when no `--fixtures` is named);
//! - an index of its cases (every `case.json`, about 230 KB), from which `requirements`
//!   computes coverage without unpacking the tree;
//! - the commit it was built from: `AI_INTEROP_COMMIT`, else `git rev-parse HEAD`, else
//!   `unknown` (a build from a source archive without git).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs, io};

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let fixtures = root.join("fixtures/v1.0");
    println!("cargo:rerun-if-changed={}", fixtures.display());
    embed_fixtures(&fixtures, &out.join("fixtures.tar.zst")).expect("packing fixtures/v1.0");
    index_cases(&fixtures, &out.join("fixture-cases.json")).expect("indexing fixtures/v1.0");
    commit(&root);
}

/// Every regular file below `dir` as `/`-separated relative paths in byte order.
fn files(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        if ty.is_dir() {
            files(root, &entry.path(), out)?;
        } else if ty.is_file() {
            let rel = entry.path();
            let rel = rel.strip_prefix(root).expect("below root");
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

/// A tar with fixed order, times and modes (the same tree gives the same bytes), compressed at a
/// level that keeps the build fast: the 13 MB tree of spec 1.0 packs into about 140 KB.
fn embed_fixtures(dir: &Path, dest: &Path) -> io::Result<()> {
    let mut names = Vec::new();
    if dir.is_dir() {
        files(dir, dir, &mut names)?;
    }
    names.sort();
    let mut builder = tar::Builder::new(Vec::new());
    for name in &names {
        let bytes = fs::read(dir.join(name))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, bytes.as_slice())?;
    }
    let tar = builder.into_inner()?;
    let packed = zstd::encode_all(tar.as_slice(), 9)?;
    fs::write(dest, packed)
}

/// Every `<kind>/<case>/case.json` below `dir` as (`<kind>/<case>`, its path relative to
/// `dir`), in byte order.
fn case_files(dir: &Path) -> io::Result<Vec<(String, String)>> {
    let mut names = Vec::new();
    if dir.is_dir() {
        files(dir, dir, &mut names)?;
    }
    names.sort();
    Ok(names
        .into_iter()
        .filter_map(|name| {
            match name.split('/').collect::<Vec<_>>().as_slice() {
                [kind, case, "case.json"] => Some(format!("{kind}/{case}")),
                _ => None,
            }
            .map(|case_dir| (case_dir, name))
        })
        .collect())
}

/// Every `<kind>/<case>/case.json` as one JSON array of `{"dir": "<kind>/<case>", "case": …}`,
/// so coverage is computed from the catalog and this index without unpacking the tree.
/// The case documents are spliced in verbatim (the build has no JSON parser); the runtime
/// parses and orders them exactly as it would read them from a directory.
fn index_cases(dir: &Path, dest: &Path) -> io::Result<()> {
    let mut json = String::from("[");
    for (case_dir, name) in case_files(dir)? {
        if case_dir.contains(['"', '\\']) || case_dir.chars().any(char::is_control) {
            return Err(io::Error::other(format!("{case_dir}: not a plain name")));
        }
        if json.len() > 1 {
            json.push(',');
        }
        json.push_str(&format!("{{\"dir\":\"{case_dir}\",\"case\":"));
        json.push_str(&fs::read_to_string(dir.join(&name))?);
        json.push('}');
    }
    json.push(']');
    fs::write(dest, json)
}

fn commit(root: &Path) {
    println!("cargo:rerun-if-env-changed=AI_INTEROP_COMMIT");
    if let Some(c) = env::var("AI_INTEROP_COMMIT").ok().filter(|c| !c.is_empty()) {
        println!("cargo:rustc-env=AI_INTEROP_COMMIT={c}");
        return;
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let Some(head) = git(&["rev-parse", "HEAD"]) else {
        return;
    };
    // Rebuild when HEAD moves: the HEAD file itself and the branch ref it names (loose or packed).
    let mut watch = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch.push(git(&["rev-parse", "--git-path", &branch]));
        watch.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    }
    for path in watch.into_iter().flatten() {
        let path = root.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rustc-env=AI_INTEROP_COMMIT={head}");
}
