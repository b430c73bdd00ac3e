//! The published reports under `reports/`: each names the commit that produced it and a target a
//! reader can recognise, and each README states exactly the roll-ups of the reports it describes.

use ai_interop::schemas::{SchemaKind, validate};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn reports_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reports")
}

/// Every `report.json` below `dir`, keyed by its folder relative to `dir` (`.` for `dir`).
fn reports_below(dir: &Path) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "report.json") {
                let folder = p.parent().unwrap().strip_prefix(dir).unwrap();
                let key = if folder.as_os_str().is_empty() {
                    ".".to_string()
                } else {
                    folder.display().to_string()
                };
                let report = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                out.insert(key, report);
            }
        }
    }
    out
}

/// The README's roll-up rows: `| `folder` | `profile` | **result** |`.
fn stated_rollups(readme: &str) -> BTreeMap<(String, String), String> {
    let row = regex::Regex::new(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|\s*\*\*([a-z]+)\*\*\s*\|")
        .unwrap();
    let mut out = BTreeMap::new();
    for line in readme.lines() {
        if let Some(c) = row.captures(line) {
            let key = (c[1].to_string(), c[2].to_string());
            assert!(
                out.insert(key.clone(), c[3].to_string()).is_none(),
                "{key:?} stated twice"
            );
        }
    }
    out
}

/// Each folder under `reports/` with a README describing the reports below it.
fn published() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(reports_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        // The interop matrix is a table of cells, not a conformance report.
        .filter(|p| !p.join("matrix.json").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    dirs
}

#[test]
fn readmes_state_the_reports_rollups() {
    for dir in published() {
        let readme = std::fs::read_to_string(dir.join("README.md"))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let stated = stated_rollups(&readme);
        let mut actual = BTreeMap::new();
        for (folder, report) in reports_below(&dir) {
            for p in report["profiles"].as_array().unwrap() {
                actual.insert(
                    (folder.clone(), p["name"].as_str().unwrap().to_string()),
                    p["result"].as_str().unwrap().to_string(),
                );
            }
        }
        assert!(!actual.is_empty(), "{}: no report", dir.display());
        assert_eq!(
            stated,
            actual,
            "{}/README.md must state each report's roll-ups as `| `folder` | `profile` | **result** |`",
            dir.display()
        );
    }
}

#[test]
fn reports_name_their_commit_and_a_meaningful_target() {
    let hex40 = regex::Regex::new("^[0-9a-f]{40}$").unwrap();
    for dir in published() {
        for (folder, report) in reports_below(&dir) {
            let at = format!("{}/{folder}", dir.display());
            assert_eq!(validate(SchemaKind::Report, &report), vec![], "{at}");
            let commit = report["suite"]["commit"].as_str().unwrap();
            assert!(hex40.is_match(commit), "{at}: commit {commit:?}");
            let target = report["target"]["reference"].as_str().unwrap();
            // A throw-away loopback port tells a reader nothing; `run registry --target-name`.
            for throwaway in ["127.0.0.1", "localhost", "[::1]", "://"] {
                assert!(!target.contains(throwaway), "{at}: target {target:?}");
            }
        }
    }
}

#[test]
fn stated_rollups_are_parsed() {
    let readme = "x\n| `plain` | `core` | **partial** |\n| a | b | c |\n";
    let s = stated_rollups(readme);
    assert_eq!(
        s.get(&("plain".to_string(), "core".to_string())),
        Some(&"partial".to_string())
    );
    assert_eq!(s.len(), 1);
}
