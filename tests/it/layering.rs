//! One way down: the order of the crate's top-level modules, declared as data and checked against
//! every import in `src/`.
//!
//! [`LAYERS`] lists the top-level modules of `src/lib.rs` lowest first. A module may import only
//! modules of layers *below* its own; modules of one layer are siblings and never import each
//! other. Imports inside one top-level module (`checks::support` from `checks::skills`) are that
//! module's own business. What counts as an import: `use crate::…` and `use super::…` trees
//! (nested braces included) and every inline `crate::…` or `super::…` path, outside comments
//! and string literals. Test code (`#[cfg(test)]` items, and files declared behind
//! `#[cfg(test)] mod x;`) is exempt: the tests stand above every layer.
//!
//! Inside a top-level module, no two files import each other, however indirectly (a parent and
//! its own child modules are nesting, not a cycle).
//!
//! [`EXCEPTIONS`] names the upward imports tolerated while a change that removes them is in
//! flight (both checks leave them out); an exception that is no longer needed fails too, so the
//! list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, lowest layer first.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "vocabulary: media types, annotation keys, artifact types (imports nothing)",
        &["vocabulary"],
    ),
    (
        "primitives: digests, the requirement model, bounded input, safe output, name bounds, deterministic tarballs",
        &["digest", "model", "input", "output", "names", "tarball"],
    ),
    (
        "plain documents and definitions: JSON documents and limits, blob sources, progress, the spec catalog, frontmatter, embedded schemas",
        &[
            "document",
            "source",
            "progress",
            "spec",
            "frontmatter",
            "schemas",
        ],
    ),
    (
        "verification and evidence facts: trust verifies signatures, evidence holds what refers to an artifact",
        &["trust", "evidence"],
    ),
    ("the artifact's facts", &["artifact"]),
    (
        "reaching and streaming: targets reach the bytes (layout, registry, adapter), inspect streams layers into facts",
        &["targets", "inspect"],
    ),
    ("agent bundles as artifacts of artifacts", &["bundle"]),
    (
        "image indexes followed to their manifests",
        &["image_index"],
    ),
    (
        "load: open a target, gather its artifact, discover its evidence",
        &["load"],
    ),
    (
        "judging: checks mark facts per requirement; report is the common report and its writers",
        &["checks", "report"],
    ),
    (
        "engine: runs the checks a profile needs and fills the report",
        &["engine"],
    ),
    (
        "tools and suites: the fixture generator, the reference implementation, the tool and registry suites",
        &["fixtures", "reference", "suites"],
    ),
    ("the self-test over the golden fixtures", &["selftest"]),
    (
        "traceability and certification",
        &["traceability", "certify"],
    ),
    ("the command line", &["cli"]),
];

/// Upward imports tolerated for now: (importing module, imported module, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

/// One import of another top-level module.
#[derive(Debug, Clone)]
struct Import {
    file: String,
    line: usize,
    /// Top-level modules.
    from: String,
    to: String,
    /// As written.
    path: String,
    /// The importing file's module, and the absolute path imported.
    from_module: Vec<String>,
    to_path: Vec<String>,
}

fn rank(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, mods))| mods.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

/// Comments, string and character literals blanked out (newlines kept, so lines still count).
fn scrub(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < b.len() && depth > 0 {
                if b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if c == b'r'
            && (i == 0
                || !is_ident(b[i - 1])
                || (b[i - 1] == b'b' && (i == 1 || !is_ident(b[i - 2]))))
            && matches!(b.get(i + 1), Some(b'"' | b'#'))
        {
            // A raw string r"…" or r#"…"# (also br"…": the b is an identifier byte before it).
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let start = i + 2 + hashes;
            let end = b[start..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |p| start + p + close.len());
            blank(&mut out, i, end);
            i = end;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(b.len());
            blank(&mut out, i, end);
            i = end;
        } else if c == b'\'' {
            // A character literal ('x', '\n', '\u{…}', '"'), else a lifetime or label.
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 3..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map(|p| i + 4 + p)
            } else {
                let ch = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch) == Some(&b'\'')).then_some(i + 2 + ch)
            };
            match end {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect(
        "blanking keeps UTF-8 (multi-byte characters are only in blanked spans or kept whole)",
    )
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // ::
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other(u8),
}

fn tokens(text: &str) -> Vec<(Tok, usize, usize)> {
    let b = text.as_bytes();
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if is_ident(c) || c >= 0x80 {
            let start = i;
            while i < b.len() && (is_ident(b[i]) || b[i] >= 0x80) {
                i += 1;
            }
            out.push((Tok::Ident(text[start..i].to_string()), line, start));
        } else if c == b':' && b.get(i + 1) == Some(&b':') {
            out.push((Tok::Path, line, i));
            i += 2;
        } else {
            let t = match c {
                b'{' => Tok::Open,
                b'}' => Tok::Close,
                b',' => Tok::Comma,
                b';' => Tok::Semi,
                b'*' => Tok::Star,
                _ => Tok::Other(c),
            };
            out.push((t, line, i));
            i += 1;
        }
    }
    out
}

/// Blank every item behind a `#[cfg(…test…)]` attribute (not `not(test)`); return the names
/// of the child modules declared behind one (`#[cfg(test)] mod tests;`).
fn strip_test_items(text: &str) -> (String, Vec<String>) {
    let toks = tokens(text);
    let mut out = text.as_bytes().to_vec();
    let mut children = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let is_cfg_test = matches!(toks[k].0, Tok::Other(b'#'))
            && matches!(toks.get(k + 1), Some((Tok::Other(b'['), ..)))
            && matches!(toks.get(k + 2), Some((Tok::Ident(s), ..)) if s == "cfg");
        if !is_cfg_test {
            k += 1;
            continue;
        }
        // The attribute's extent.
        let (mut depth, mut j) = (0i32, k + 1);
        let mut words = Vec::new();
        loop {
            match &toks[j].0 {
                Tok::Other(b'[') | Tok::Other(b'(') => depth += 1,
                Tok::Other(b']') | Tok::Other(b')') => depth -= 1,
                Tok::Ident(s) => words.push(s.as_str()),
                _ => {}
            }
            j += 1;
            if depth == 0 {
                break;
            }
        }
        if !words.contains(&"test") || words.contains(&"not") {
            k = j;
            continue;
        }
        // Skip further attributes, then blank the item: up to `;` at depth 0 or the end of its
        // first brace block.
        while matches!(toks.get(j), Some((Tok::Other(b'#'), ..))) {
            let mut d = 0i32;
            j += 1;
            loop {
                match toks[j].0 {
                    Tok::Other(b'[') => d += 1,
                    Tok::Other(b']') => d -= 1,
                    _ => {}
                }
                j += 1;
                if d == 0 {
                    break;
                }
            }
        }
        let item_start = j;
        let mut d = 0i32;
        while j < toks.len() {
            match toks[j].0 {
                Tok::Open => d += 1,
                Tok::Close => {
                    d -= 1;
                    if d == 0 {
                        break;
                    }
                }
                Tok::Semi if d == 0 => break,
                _ => {}
            }
            j += 1;
        }
        let words: Vec<&Tok> = toks[item_start..j.min(toks.len())]
            .iter()
            .map(|t| &t.0)
            .collect();
        if let Some(p) = words.iter().position(|t| **t == Tok::Ident("mod".into()))
            && let Some(Tok::Ident(name)) = words.get(p + 1)
            && matches!(toks.get(j), Some((Tok::Semi, ..)))
        {
            children.push(name.clone());
        }
        let from = toks[k].2;
        let to = toks.get(j).map_or(text.len(), |t| t.2 + 1);
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        k = j + 1;
    }
    (String::from_utf8(out).expect("UTF-8"), children)
}

/// `src/a/b.rs` → `[a, b]`; `src/a/mod.rs` → `[a]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.strip_suffix(".rs").expect("a .rs file");
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    parts
}

/// Expand a `use` tree (tokens after `use`, up to `;`) into paths of (segment, line).
fn use_paths(toks: &[(Tok, usize, usize)]) -> Vec<Vec<(String, usize)>> {
    fn tree(
        toks: &[(Tok, usize, usize)],
        k: &mut usize,
        prefix: &[(String, usize)],
        out: &mut Vec<Vec<(String, usize)>>,
    ) {
        let mut path = prefix.to_vec();
        while *k < toks.len() {
            match &toks[*k].0 {
                Tok::Ident(s) if s == "as" => {
                    *k += 2;
                }
                Tok::Ident(s) => {
                    path.push((s.clone(), toks[*k].1));
                    *k += 1;
                }
                Tok::Path | Tok::Star => *k += 1,
                Tok::Open => {
                    *k += 1;
                    loop {
                        tree(toks, k, &path, out);
                        match toks.get(*k).map(|t| &t.0) {
                            Some(Tok::Comma) => {
                                *k += 1;
                                if matches!(toks.get(*k).map(|t| &t.0), Some(Tok::Close)) {
                                    *k += 1;
                                    return;
                                }
                            }
                            Some(Tok::Close) => {
                                *k += 1;
                                return;
                            }
                            _ => return,
                        }
                    }
                }
                _ => break,
            }
        }
        if path.len() > prefix.len() {
            out.push(path);
        }
    }
    let mut out = Vec::new();
    let mut k = 0;
    tree(toks, &mut k, &[], &mut out);
    out
}

/// The absolute module path a path names, seen from the module at `here`, and the line of its
/// top-level module's name; `None` for a path into an external crate or a local item.
fn resolve(here: &[String], path: &[(String, usize)]) -> Option<(Vec<String>, usize)> {
    let names = |p: &[(String, usize)]| p.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>();
    match path.first()?.0.as_str() {
        "crate" => {
            let line = path.get(1)?.1;
            Some((names(&path[1..]), line))
        }
        "super" => {
            let ups = path.iter().take_while(|(s, _)| s == "super").count();
            if ups < here.len() {
                let mut abs = here[..here.len() - ups].to_vec();
                abs.extend(names(&path[ups..]));
                Some((abs, path[0].1))
            } else {
                let line = path.get(ups)?.1;
                Some((names(&path[ups..]), line))
            }
        }
        _ => None,
    }
}

/// Every import of another top-level module in `files` (path relative to the crate, text).
fn imports(files: &[(PathBuf, String)]) -> Vec<Import> {
    scan(files)
        .0
        .into_iter()
        .filter(|i| i.from != i.to)
        .collect()
}

/// Every import in `files` (within a top-level module too), and the modules the files are.
fn scan(files: &[(PathBuf, String)]) -> (Vec<Import>, BTreeSet<Vec<String>>) {
    let mut stripped = Vec::new();
    let mut test_modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for (path, text) in files {
        let rel = path.strip_prefix("src").expect("a file under src/");
        let here = module_path(rel);
        let (text, children) = strip_test_items(&scrub(text));
        // A child of `a/mod.rs` or of `a.rs` is `[a, child]` either way.
        for child in children {
            let mut m = here.clone();
            if rel.file_name().is_some_and(|n| n == "lib.rs") {
                m.clear();
            }
            m.push(child);
            test_modules.insert(m);
        }
        stripped.push((path.clone(), here, text));
    }
    let mut found = Vec::new();
    let mut modules = BTreeSet::new();
    for (path, here, text) in stripped {
        if here.is_empty()
            || here == ["lib"]
            || here == ["main"]
            || (1..=here.len()).any(|n| test_modules.contains(&here[..n]))
        {
            continue;
        }
        let toks = tokens(&text);
        let mut paths = Vec::new();
        let mut k = 0;
        while k < toks.len() {
            let (tok, _, at) = &toks[k];
            let after_dollar = *at > 0 && text.as_bytes()[at - 1] == b'$';
            match tok {
                Tok::Ident(s) if s == "use" => {
                    let end = toks[k..]
                        .iter()
                        .position(|t| t.0 == Tok::Semi)
                        .map_or(toks.len(), |p| k + p);
                    paths.extend(use_paths(&toks[k + 1..end]));
                    k = end + 1;
                }
                Tok::Ident(s) if (s == "crate" || s == "super") && !after_dollar => {
                    let mut path = Vec::new();
                    while let Some((Tok::Ident(s), line, _)) = toks.get(k) {
                        path.push((s.clone(), *line));
                        if toks.get(k + 1).map(|t| &t.0) != Some(&Tok::Path) {
                            break;
                        }
                        k += 2;
                    }
                    k += 1;
                    paths.push(path);
                }
                _ => k += 1,
            }
        }
        modules.insert(here.clone());
        for p in paths {
            if let Some((abs, line)) = resolve(&here, &p)
                && !abs.is_empty()
            {
                found.push(Import {
                    file: path.display().to_string(),
                    line,
                    from: here[0].clone(),
                    to: abs[0].clone(),
                    from_module: here.clone(),
                    to_path: abs,
                    path: p
                        .iter()
                        .map(|(s, _)| s.as_str())
                        .collect::<Vec<_>>()
                        .join("::"),
                });
            }
        }
    }
    (found, modules)
}

/// The imports that run up (or sideways across) the declared order, and which exceptions were
/// used.
fn violations(found: &[Import]) -> (Vec<String>, BTreeSet<(String, String)>) {
    let mut bad = Vec::new();
    let mut used = BTreeSet::new();
    for i in found {
        let (Some((from, from_layer)), Some((to, to_layer))) = (rank(&i.from), rank(&i.to)) else {
            continue;
        };
        if to < from {
            continue;
        }
        if EXCEPTIONS
            .iter()
            .any(|(f, t, _)| *f == i.from && *t == i.to)
        {
            used.insert((i.from.clone(), i.to.clone()));
            continue;
        }
        let how = if to == from {
            "a sibling in its own layer"
        } else {
            "a module of a higher layer"
        };
        bad.push(format!(
            "{}:{}: `{}` imports `{}`, {how}:\n    `{}` is in layer {} ({from_layer})\n    `{}` is in layer {} ({to_layer})\n    \
             move what is shared down, or move the importing code up",
            i.file,
            i.line,
            i.from,
            i.path,
            i.from,
            from + 1,
            i.to,
            to + 1
        ));
    }
    (bad, used)
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn source_files() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                out.push((
                    p.strip_prefix(root).expect("under the root").to_path_buf(),
                    text,
                ));
            }
        }
    }
    let root = crate_root();
    let mut out = Vec::new();
    walk(&root.join("src"), &root, &mut out);
    out
}

#[test]
fn no_import_runs_up_the_declared_order() {
    let found = imports(&source_files());
    assert!(
        found.len() > 100,
        "the scan found only {} imports: is it reading src/?",
        found.len()
    );
    let (bad, _) = violations(&found);
    assert!(
        bad.is_empty(),
        "{} import(s) run up the order declared in tests/layering.rs (LAYERS):\n\n{}",
        bad.len(),
        bad.join("\n\n")
    );
}

#[test]
fn every_exception_is_still_needed() {
    let (_, used) = violations(&imports(&source_files()));
    for (from, to, why) in EXCEPTIONS {
        assert!(
            used.contains(&(from.to_string(), to.to_string())),
            "the exception `{from}` → `{to}` ({why}) is no longer needed: remove it from EXCEPTIONS"
        );
    }
}

#[test]
fn every_top_level_module_has_one_layer() {
    let lib = std::fs::read_to_string(crate_root().join("src/lib.rs")).expect("src/lib.rs");
    let declared: BTreeSet<String> = tokens(&scrub(&lib))
        .windows(3)
        .filter_map(|w| match (&w[0].0, &w[1].0, &w[2].0) {
            (Tok::Ident(m), Tok::Ident(name), Tok::Semi) if m == "mod" => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, mods) in LAYERS {
        for m in *mods {
            *placed.entry(m).or_default() += 1;
        }
    }
    for m in &declared {
        assert!(
            placed.contains_key(m.as_str()),
            "`{m}` is declared in src/lib.rs but has no layer in tests/layering.rs (LAYERS): place it"
        );
    }
    for (m, n) in &placed {
        assert!(
            declared.contains(*m),
            "`{m}` has a layer but is not a module of src/lib.rs"
        );
        assert_eq!(*n, 1, "`{m}` is placed in {n} layers");
    }
}

#[test]
fn vocabulary_imports_nothing() {
    let found = imports(&source_files());
    let from_vocabulary: Vec<String> = found
        .iter()
        .filter(|i| i.from == "vocabulary")
        .map(|i| format!("{}:{}: {}", i.file, i.line, i.path))
        .collect();
    assert!(
        from_vocabulary.is_empty(),
        "vocabulary imports {from_vocabulary:?}"
    );
    assert_eq!(
        rank("vocabulary").map(|r| r.0),
        Some(0),
        "vocabulary is the lowest layer"
    );
}

/// The checker itself: an upward import fails, wherever and however it is written; test code,
/// comments and strings do not count.
#[test]
fn an_upward_import_is_caught() {
    let file = |path: &str, text: &str| (PathBuf::from(path), text.to_string());
    let files = [
        file(
            "src/artifact.rs",
            "use crate::digest::Digest;\nuse crate::{\n    document::Document,\n    load::open::{Loaded, TargetRef as T},\n};\n",
        ),
        file(
            "src/digest.rs",
            "fn f() { let _ = crate::engine::evaluate; }\n",
        ),
        file(
            "src/trust/keys.rs",
            "use super::super::checks::Check;\nuse super::der;\n",
        ),
        file(
            "src/vocabulary.rs",
            "// crate::cli::run\nconst S: &str = \"crate::cli::run\";\nconst R: &str = r#\"use crate::cli;\"#;\nconst C: char = '\"';\n\
             #[cfg(test)]\nmod tests {\n    use crate::engine::X;\n    fn f() { crate::cli::run(); }\n}\n\
             #[cfg(all(test, unix))]\nmod unix { use crate::cli; }\n#[cfg(test)]\nmod tests_file;\n",
        ),
        file("src/vocabulary/tests_file.rs", "use crate::cli::run;\n"),
        file("src/checks/mod.rs", "use crate::report::Status;\n"),
    ];
    let found = imports(&files);
    let (bad, _) = violations(&found);
    let at: Vec<&str> = bad.iter().map(|b| b.split(": ").next().unwrap()).collect();
    assert_eq!(
        at,
        [
            "src/artifact.rs:4",
            "src/artifact.rs:4",
            "src/digest.rs:1",
            "src/trust/keys.rs:1",
            "src/checks/mod.rs:1"
        ],
        "{bad:#?}"
    );
    assert!(
        bad[0].contains("`artifact` imports `crate::load::open::Loaded`"),
        "{}",
        bad[0]
    );
    assert!(
        bad[1].contains("`artifact` imports `crate::load::open::TargetRef`"),
        "{}",
        bad[1]
    );
    assert!(bad[4].contains("a sibling in its own layer"), "{}", bad[4]);
    assert_eq!(found.len(), 7, "{found:#?}");
}

/// The files (modules) of `found` that import each other in a cycle, each cycle as its modules;
/// an import of an enclosing or enclosed module (`super::*`, a parent naming its child) is
/// nesting, not a dependency, and the imports of [`EXCEPTIONS`] are left out.
fn file_cycles(found: &[Import], modules: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for i in found {
        if EXCEPTIONS
            .iter()
            .any(|(f, t, _)| *f == i.from && *t == i.to)
        {
            continue;
        }
        let Some(to) = (1..=i.to_path.len())
            .rev()
            .map(|n| i.to_path[..n].to_vec())
            .find(|m| modules.contains(m))
        else {
            continue;
        };
        let nested = to.starts_with(&i.from_module) || i.from_module.starts_with(&to);
        if !nested {
            edges.entry(i.from_module.clone()).or_default().insert(to);
        }
    }
    let reach = |start: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(m) = todo.pop() {
            for n in edges.get(&m).into_iter().flatten() {
                if seen.insert(n.clone()) {
                    todo.push(n.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> =
        modules.iter().map(|m| (m, reach(m))).collect();
    let mut cycles: BTreeSet<Vec<String>> = BTreeSet::new();
    for (m, r) in &reachable {
        if !r.contains(*m) {
            continue;
        }
        let cycle: Vec<String> = r
            .iter()
            .filter(|n| reachable[n].contains(*m))
            .map(|n| n.join("::"))
            .collect();
        cycles.insert(cycle);
    }
    cycles.into_iter().collect()
}

#[test]
fn no_files_import_each_other_in_a_cycle() {
    let (found, modules) = scan(&source_files());
    let cycles = file_cycles(&found, &modules);
    assert!(
        cycles.is_empty(),
        "modules that import each other (move what they share down into one of them, or below \
         both):\n{}",
        cycles
            .iter()
            .map(|c| format!("  {}", c.join(" <-> ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_cycle_between_files_is_caught() {
    let file = |path: &str, text: &str| (PathBuf::from(path), text.to_string());
    let files = [
        file(
            "src/cli/mod.rs",
            "use crate::cli::run::RunArgs;\nmod run;\nmod tools;\n",
        ),
        file(
            "src/cli/run.rs",
            "use super::Exit;\nfn f() { super::tools::go(); }\n",
        ),
        file("src/cli/tools.rs", "use super::run::RunArgs;\n"),
    ];
    let (found, modules) = scan(&files);
    assert_eq!(
        file_cycles(&found, &modules),
        [vec!["cli::run".to_string(), "cli::tools".to_string()]]
    );
}
