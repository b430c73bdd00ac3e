//! The vocabulary is written once: no string literal in `src/` names a media type, an annotation
//! key or an evidence type outside `src/vocabulary.rs` (the fixture generator included: its
//! fixtures are described with the same constants). Everything else uses the constants, so that a
//! term is spelled in one place and a lower module can name it without importing the module that
//! judges it.
//!
//! The scan reads every `.rs` file below `src/` with a small lexer (comments, char literals and
//! lifetimes skipped; plain, raw and byte strings read) and looks inside each literal — a format
//! string or a JSON document in a raw string counts too — for a term: a token that starts with one
//! of [`TERM_PREFIXES`] where no word, dot, slash or hyphen precedes it.

use std::path::{Path, PathBuf};

/// How the terms of the vocabulary begin: media types (`application/…`, `text/…`), the
/// reverse-DNS namespaces of the annotation keys the suite reads or writes (OCI, ModelPack and
/// its legacy `org.cnai.`, the contract, Sigstore, cosign, Notary, KitOps, the suite's own), and
/// the in-toto / SLSA / SPDX / CycloneDX / Sigstore / OMS statement and predicate type URIs.
const TERM_PREFIXES: &[&str] = &[
    "application/",
    "text/plain",
    "org.opencontainers.",
    "org.cncf.",
    "org.cnai.",
    "dev.sigstore.",
    "dev.cosignproject.",
    "io.cncf.",
    "io.ai-interop.",
    "ml.kitops.",
    "https://in-toto.io/",
    "https://slsa.dev/",
    "https://spdx.dev/",
    "https://cyclonedx.org/",
    "https://sigstore.dev/",
    "https://model_signing/",
    "https://ai-interop.dev/attestations/",
];

/// What looks like a term and deliberately is not, as a whole literal or as the token found in
/// one: a namespace named in prose, and the malformed, near-miss and out-of-vocabulary values the
/// unit tests feed the checks. A value here is never a term the suite reads or writes.
const NOT_TERMS: &[&str] = &[
    // The contract's namespace named in prose (a check title, a message).
    "org.cncf.ai",
    // Near-miss and undefined keys in the contract's namespace (ANN-018, did-you-mean).
    "org.cncf.ai.lifecycle.stage",
    "org.cncf.ai.artifact.typ",
    "org.cncf.ai.vendor.build-id",
    // An in-toto Statement version that does not exist.
    "https://in-toto.io/Statement/v2",
    // Media type grammar: valid and invalid shapes.
    "text/plain",
    "text/plain|x",
    "application/",
    "application/json/x",
    "application/-json",
    "application/vnd.cncf model",
    // Layer types no spec defines (packing detection must say unknown).
    "application/vnd.oci.image.layer.v1.raw",
    "application/vnd.cncf.model.weight.v1.raw+gzip",
    "application/vnd.cncf.model.weight.v1.gguf",
    "application/vnd.cncf.model.layer.v1.tar",
    "application/vnd.cncf.model.weightx.v1.raw",
    // A compressed layer of no known kind (mountable: still not one regular file).
    "application/x-thing+zstd",
];

/// Where literal terms may stay: the vocabulary itself.
fn exempt(rel: &Path) -> bool {
    rel == Path::new("src/vocabulary.rs")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every string literal of a Rust source file: (line, content as written, escapes not decoded).
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let count = |from: usize, to: usize| b[from..to].iter().filter(|&&c| c == b'\n').count();
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (start, mut depth) = (i, 0usize);
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                line += count(start, i);
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{..}', '"'), or a lifetime ('a): skip either.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    let ch = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if b.get(i + 1 + ch) == Some(&b'\'') {
                        i += 2 + ch;
                    } else {
                        i += 1;
                    }
                }
            }
            b'r' | b'b' | b'c' | b'"' => {
                // An identifier that is not a string prefix is skipped whole.
                let ident_start = i;
                let prev_is_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
                let mut j = i;
                if b[j] != b'"' {
                    if b[j] == b'b' || b[j] == b'c' {
                        j += 1;
                    }
                    if b.get(j) == Some(&b'r') {
                        j += 1;
                    }
                }
                let raw = j > i && b[j - 1] == b'r';
                let mut hashes = 0;
                while raw && b.get(j + hashes) == Some(&b'#') {
                    hashes += 1;
                }
                let quote = j + hashes;
                if prev_is_ident || b.get(quote) != Some(&b'"') {
                    i = ident_start + 1;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                    continue;
                }
                let start = quote + 1;
                let mut k = start;
                if raw {
                    let close: Vec<u8> = std::iter::once(b'"')
                        .chain(std::iter::repeat_n(b'#', hashes))
                        .collect();
                    while k < b.len() && !b[k..].starts_with(&close) {
                        k += 1;
                    }
                    out.push((line, src[start..k].to_string()));
                    line += count(i, k);
                    i = k + close.len();
                } else {
                    while k < b.len() && b[k] != b'"' {
                        k += if b[k] == b'\\' { 2 } else { 1 };
                    }
                    out.push((line, src[start..k].to_string()));
                    line += count(i, k);
                    i = k + 1;
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The terms a literal names: each occurrence of a prefix not glued to a preceding word, dot,
/// slash or hyphen, up to the next quote, space, comma or brace.
fn terms_in(literal: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for p in TERM_PREFIXES {
        for (at, _) in literal.match_indices(p) {
            let glued = literal[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'));
            if glued {
                continue;
            }
            let end = literal[at..]
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\\' | ',' | '{' | '}'))
                .map_or(literal.len(), |n| at + n);
            found.push(&literal[at..end]);
        }
    }
    found
}

/// Every literal term outside the vocabulary and the fixtures, as `path:line: "literal"`.
fn stray_terms(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut stray = Vec::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap();
        if exempt(rel) {
            continue;
        }
        let src = std::fs::read_to_string(&f).unwrap();
        for (line, lit) in string_literals(&src) {
            if NOT_TERMS.contains(&lit.as_str()) {
                continue;
            }
            if terms_in(&lit).iter().any(|t| !NOT_TERMS.contains(t)) {
                stray.push(format!("{}:{line}: {lit:?}", rel.display()));
            }
        }
    }
    stray
}

#[test]
fn no_media_type_or_annotation_key_literal_outside_the_vocabulary() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let stray = stray_terms(&root);
    assert!(
        stray.is_empty(),
        "{} literal(s) name a vocabulary term outside src/vocabulary.rs; use the constant \
         (or, for a deliberately malformed test value, list it in NOT_TERMS):\n{}",
        stray.len(),
        stray.join("\n")
    );
}

#[test]
fn the_lexer_finds_terms_in_every_kind_of_literal_and_none_in_comments() {
    let src = r####"
        // "application/vnd.oci.image.manifest.v1+json" in a comment
        /* "org.cncf.ai.artifact.type" in a block /* nested */ comment */
        fn f<'a>(x: &'a str) -> char { let _ = '"'; let _ = '\''; 'x' }
        const A: &str = "org.cncf.ai.artifact.type";
        const B: &[u8] = br#"{"mediaType":"application/vnd.oci.image.index.v1+json"}"#;
        const C: &str = "the key \"org.opencontainers.image.title\" is missing";
        let d = format!("{}: org.cncf.model.filepath {x}", 1);
        const E: &str = "a.org.cncf.ai.not-a-term-start";
        const F: &str = "tests/it/vocabulary.rs";
    "####;
    let lits = string_literals(src);
    let terms: Vec<(usize, Vec<&str>)> = lits
        .iter()
        .map(|(l, s)| (*l, terms_in(s)))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    assert_eq!(
        terms,
        vec![
            (5, vec!["org.cncf.ai.artifact.type"]),
            (6, vec!["application/vnd.oci.image.index.v1+json"]),
            (7, vec!["org.opencontainers.image.title"]),
            (8, vec!["org.cncf.model.filepath"]),
        ]
    );
    assert_eq!(lits.len(), 6, "{lits:?}");
}

#[test]
fn a_new_literal_term_fails_the_scan() {
    // A copy of the tree's shape with one file that writes a term: the scan names it, and only it.
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("vocabulary.rs"),
        "pub const A: &str = \"org.cncf.ai.artifact.type\";\n",
    )
    .unwrap();
    std::fs::write(
        src.join("check.rs"),
        "use crate::vocabulary::A;\nfn f() -> bool { a.get(\"org.cncf.ai.artifact.type\").is_some() }\n",
    )
    .unwrap();
    assert_eq!(
        stray_terms(tmp.path()),
        vec![r#"src/check.rs:2: "org.cncf.ai.artifact.type""#.to_string()]
    );
}
