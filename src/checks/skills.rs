//! SKL-*: agent skills as OCI artifacts (provisional `agentic` extension).

use super::agentic::{
    FileAt, KindTypes, ambiguous_booleans, check_types, parse_or_fail, schema, unreadable,
    usable_bytes,
};
use super::support::{config_value, is_kind, layer_count, layer_media_type};
use super::{Check, CheckContext, Marks};
use crate::artifact::{CapturedFile, EntryKind, EntryPath, TarIssue};
use crate::frontmatter::parse_frontmatter;
use crate::model::{Location, pointer_token};
use crate::schemas::SchemaKind;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::vocabulary::{SKILL_BUNDLE_MEDIA_TYPES, SKILL_CONFIG, SKILL_MANIFEST};
/// The frontmatter fields the skill format defines (and the config mirrors).
pub(crate) const FIELDS: &[&str] = &[
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];

pub(crate) const CHECKS: &[Check] = &[
    Check {
        id: "skills.types",
        title: "Skill artifactType, config media type and the one bundle layer",
        covers: &["SKL-001", "SKL-002", "SKL-003"],
        run: types,
    },
    Check {
        id: "skills.config",
        title: "The skill config validates",
        covers: &["SKL-004"],
        run: config,
    },
    Check {
        id: "skills.bundle",
        title: "The skill directory, SKILL.md frontmatter, config agreement and linked files",
        covers: TREE,
        run: bundle,
    },
];

/// The requirements decided on the skill directory itself; `ai-interop validate skill` decides
/// the same ones on a plain directory.
pub(crate) const TREE: &[&str] = &[
    "SKL-005", "SKL-006", "SKL-007", "SKL-008", "SKL-009", "SKL-010", "SKL-011", "SKL-012",
    "SKL-013", "SKL-014",
];

fn types(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "skill", CHECKS[0].covers, m) {
        return;
    }
    check_types(
        a,
        m,
        &KindTypes {
            noun: "a skill",
            artifact: ("SKL-001", SKILL_MANIFEST),
            config: ("SKL-002", SKILL_CONFIG),
            layer: ("SKL-003", SKILL_BUNDLE_MEDIA_TYPES, "the skill bundle"),
            max_layer_bytes: None,
        },
    );
}

fn config(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "skill", CHECKS[1].covers, m) {
        return;
    }
    match config_value(a) {
        Err(None) => m.not_applicable("SKL-004", "the config blob is not available"),
        Err(Some(e)) => m.fail(
            "SKL-004",
            Location::config(""),
            format!("the config is {e}"),
        ),
        Ok(v) => schema(m, "SKL-004", SchemaKind::SkillConfig, v, Location::config),
    }
}

/// A skill directory as the checks see it: every path (normal form, `<dir>/…`) and the captured
/// instruction files.
pub(crate) struct SkillTree<'a> {
    pub layer: Option<usize>,
    pub paths: &'a [EntryPath],
    pub files: &'a [CapturedFile],
}

fn bundle(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "skill", TREE, m) {
        return;
    }
    let layer = (0..layer_count(a))
        .find(|i| layer_media_type(a, *i).is_some_and(|t| SKILL_BUNDLE_MEDIA_TYPES.contains(&t)))
        .and_then(|i| a.layers.get(i));
    let Some(layer) = layer else {
        m.all_not_applicable(TREE, "the artifact has no skill bundle layer (SKL-003)");
        return;
    };
    if let Some(reason) = unreadable(layer) {
        if layer.content.skipped.is_some() {
            for r in TREE {
                m.skip(r, reason.clone());
            }
        } else {
            m.all_not_applicable(TREE, &reason);
        }
        return;
    }
    let Some(tar) = &layer.content.tar else {
        m.all_not_applicable(TREE, "the bundle's archive could not be read");
        return;
    };
    let limited = tar.paths_truncated
        || tar
            .problems
            .iter()
            .any(|p| p.issue == TarIssue::TooManyEntries);
    if limited {
        for r in TREE {
            m.error(
                r,
                Location::layer(layer.index),
                "the suite's entry limit stopped the inspection of the bundle",
            );
        }
        return;
    }
    let config = config_value(a).ok();
    check_tree(
        &SkillTree {
            layer: Some(layer.index),
            paths: &tar.paths,
            files: &layer.content.files,
        },
        config,
        m,
    );
}

/// SKL-005 to SKL-014 on a skill directory; `config` is the artifact's config (absent for a
/// plain directory, which makes SKL-013 not applicable).
pub(crate) fn check_tree(tree: &SkillTree<'_>, config: Option<&Value>, m: &mut Marks) {
    let layer_loc = || match tree.layer {
        Some(i) => Location::layer(i),
        None => Location::document("directory"),
    };
    let entry_loc = |p: &str| FileAt {
        layer: tree.layer,
        path: p.to_string(),
    };
    // SKL-005: one top-level directory.
    let tops: BTreeSet<&str> = tree
        .paths
        .iter()
        .map(|e| e.path.split('/').next().unwrap_or(""))
        .collect();
    let dir = match tops.len() {
        0 => {
            m.fail("SKL-005", layer_loc(), "the bundle holds no entries");
            None
        }
        1 => {
            let dir = *tops.iter().next().expect("one");
            match tree.paths.iter().find(|e| e.path == dir) {
                Some(e) if e.kind != EntryKind::Directory => {
                    m.fail(
                        "SKL-005",
                        entry_loc(dir).location(),
                        format!(
                            "the top-level entry {dir:?} is not a directory; a bundle holds one skill directory"
                        ),
                    );
                    None
                }
                _ => Some(dir),
            }
        }
        _ => {
            let shown: Vec<&str> = tops.iter().take(5).copied().collect();
            m.fail(
                "SKL-005",
                layer_loc(),
                format!(
                    "the bundle has {} top-level entries ({}{}); all entries must lie below one skill directory",
                    tops.len(),
                    shown.join(", "),
                    if tops.len() > 5 { ", …" } else { "" }
                ),
            );
            None
        }
    };
    let rest = &TREE[1..];
    let Some(dir) = dir else {
        m.all_not_applicable(rest, "the bundle has no single skill directory (SKL-005)");
        return;
    };

    // SKL-006 / SKL-007: exactly one of SKILL.md and skill.md, a regular file.
    let candidates: Vec<&EntryPath> = tree
        .paths
        .iter()
        .filter(|e| e.path == format!("{dir}/SKILL.md") || e.path == format!("{dir}/skill.md"))
        .collect();
    let rest = &TREE[2..];
    let md = match candidates.as_slice() {
        [] => {
            m.fail(
                "SKL-006",
                layer_loc(),
                format!("the skill directory {dir:?} holds no SKILL.md"),
            );
            None
        }
        [one] if one.kind != EntryKind::File => {
            m.fail(
                "SKL-006",
                entry_loc(&one.path).location(),
                "the instruction file is not a regular file",
            );
            None
        }
        [one] => Some(one.path.as_str()),
        _ => {
            m.fail(
                "SKL-006",
                layer_loc(),
                "the skill directory holds both SKILL.md and skill.md, which are one file on case-insensitive file systems",
            );
            None
        }
    };
    let Some(md) = md else {
        m.all_not_applicable(rest, "the skill has no single instruction file (SKL-006)");
        return;
    };
    let file = entry_loc(md);
    if md.ends_with("/skill.md") {
        m.fail(
            "SKL-007",
            file.location(),
            "the instruction file should be named SKILL.md",
        );
    }
    let rest = &TREE[3..];
    let Some(captured) = tree.files.iter().find(|f| f.path == md) else {
        for r in rest {
            m.error(
                r,
                file.location(),
                "suite defect: the instruction file was not captured",
            );
        }
        return;
    };

    // SKL-008: the frontmatter reads.
    let Some(fm) = parse_or_fail(
        m,
        "SKL-008",
        &file,
        "the frontmatter",
        parse_frontmatter(usable_bytes(captured)),
    ) else {
        m.all_not_applicable(&TREE[4..], "the frontmatter does not read (SKL-008)");
        return;
    };
    ambiguous_booleans(m, "SKL-009", &file, &fm.ambiguous_booleans);
    schema(m, "SKL-010", SchemaKind::SkillFrontmatter, &fm.value, |p| {
        file.at(p)
    });
    for key in fm.value.as_object().into_iter().flat_map(|o| o.keys()) {
        if !FIELDS.contains(&key.as_str()) {
            m.fail(
                "SKL-011",
                file.at(format!("/{}", pointer_token(key))),
                format!(
                    "{key:?} is not a field of the skill format ({}); other consumers may reject or ignore it",
                    FIELDS.join(", ")
                ),
            );
        }
    }
    match fm.value.get("name").and_then(Value::as_str) {
        None => m.not_applicable("SKL-012", "the frontmatter has no string name (SKL-010)"),
        Some(name) if name == dir => {}
        Some(name) => m.fail(
            "SKL-012",
            file.at("/name"),
            format!("the name {name:?} differs from the skill directory {dir:?}"),
        ),
    }
    match config {
        None => m.not_applicable("SKL-013", "there is no config to compare"),
        Some(c) => {
            for k in FIELDS {
                let (x, y) = (c.get(*k), fm.value.get(*k));
                if x != y {
                    let show = |v: Option<&Value>| v.map_or("absent".to_string(), Value::to_string);
                    m.fail(
                        "SKL-013",
                        Location::config(format!("/{}", pointer_token(k))),
                        format!(
                            "the config's {k} is {} but the frontmatter's is {}",
                            show(x),
                            show(y)
                        ),
                    );
                }
            }
        }
    }
    // SKL-014: linked files exist.
    if captured.truncated {
        m.error(
            "SKL-014",
            file.location(),
            format!(
                "SKILL.md is {} bytes; the suite reads the first {} only",
                captured.size,
                captured.bytes.len()
            ),
        );
        return;
    }
    let exists = |p: &str| {
        let below = format!("{p}/");
        tree.paths
            .iter()
            .any(|e| e.path == p || e.path.starts_with(&below))
    };
    let links = links(&fm.body);
    if links.is_empty() {
        m.not_applicable("SKL-014", "SKILL.md links to no file");
    }
    for (n, target) in links {
        let line = fm.body_line + n;
        match resolve(dir, &target) {
            Err(why) => m.fail(
                "SKL-014",
                file.location(),
                format!("line {line}: the link {target:?} {why}"),
            ),
            Ok(p) if exists(&p) => m.pass("SKL-014"),
            Ok(p) => m.fail(
                "SKL-014",
                file.location(),
                format!(
                    "line {line}: the link {target:?} names {p:?}, which the skill does not hold"
                ),
            ),
        }
    }
}

/// Relative file links of a Markdown body, with their 0-based line: inline links and images
/// outside fenced code blocks, without URI schemes or pure fragments, fragment dropped.
pub(crate) fn links(body: &str) -> Vec<(usize, String)> {
    static LINK: OnceLock<Regex> = OnceLock::new();
    static SCHEME: OnceLock<Regex> = OnceLock::new();
    let link = LINK.get_or_init(|| {
        Regex::new(r#"\]\(\s*([^()\s]*)(?:\s+"[^"]*")?\s*\)"#).expect("static regex")
    });
    let scheme =
        SCHEME.get_or_init(|| Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").expect("static regex"));
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for (n, line) in body.lines().enumerate() {
        let t = line.trim_start();
        let marker = if t.starts_with("```") {
            Some("```")
        } else if t.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(f)) => {
                fence = Some(f);
                continue;
            }
            (Some(f), Some(g)) if f == g => {
                fence = None;
                continue;
            }
            (Some(_), _) => continue,
            _ => {}
        }
        for c in link.captures_iter(line) {
            let target = &c[1];
            if target.is_empty() || target.starts_with('#') || scheme.is_match(target) {
                continue;
            }
            let target = target.split('#').next().unwrap_or("");
            if !target.is_empty() {
                out.push((n, target.to_string()));
            }
        }
    }
    out
}

/// `target` relative to the skill directory `dir`, lexically; an error says why it cannot name
/// a file of the skill.
fn resolve(dir: &str, target: &str) -> Result<String, &'static str> {
    if target.starts_with('/') {
        return Err("is an absolute path, not a file of the skill");
    }
    let mut parts: Vec<&str> = vec![dir];
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
                if parts.is_empty() {
                    return Err("leaves the skill directory");
                }
            }
            c => parts.push(c),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_outside_code() {
        let body = "See [the guide](references/GUIDE.md#setup) and ![chart](assets/c.png \"C\").\n```\n[not](scripts/x.py)\n```\n[web](https://example.org) [top](#usage) [mail](mailto:a@b)\n[run](./scripts/run.py)\n";
        assert_eq!(
            links(body),
            vec![
                (0, "references/GUIDE.md".to_string()),
                (0, "assets/c.png".to_string()),
                (5, "./scripts/run.py".to_string()),
            ]
        );
    }

    #[test]
    fn resolution_stays_inside() {
        assert_eq!(resolve("s", "./a/../b.md"), Ok("s/b.md".into()));
        assert!(resolve("s", "../x.md").is_err());
        assert!(resolve("s", "/etc/passwd").is_err());
    }
}
