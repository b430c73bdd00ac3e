//! The HTML report in a real browser: Debian's Chromium, headless, renders the page `check`
//! wrote; the test reads the DOM after the page's script ran and compares every count with
//! `report.json`, checks the status filter, and takes a screenshot.
//!
//! Without `/usr/bin/chromium` (or `AI_INTEROP_CHROMIUM`) the test prints a skip line and passes,
//! unless `CI=true`: `.ci/run` installs Chromium, so CI never skips it silently.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("AI_INTEROP_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "CI=true but {} is missing: .ci/run must apt-get install chromium",
            path.display()
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped: no chromium at {} (apt-get install chromium)",
        path.display()
    );
    None
}

/// Chromium with everything that could reach the network or the user's profile switched off.
fn browser(chromium: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1400,1100",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn dump_dom(chromium: &Path, profile: &Path, url: &str) -> String {
    let out = browser(chromium, profile)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 DOM")
}

/// The opening tags of the elements with class `class`.
fn tags<'a>(dom: &'a str, class: &str) -> Vec<&'a str> {
    let needle = format!("<tr class=\"{class}\"");
    dom.match_indices(&needle)
        .map(|(i, _)| {
            let end = dom[i..].find('>').expect("tag closes") + i;
            &dom[i..=end]
        })
        .collect()
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// The text of the element with the given id (no nested elements).
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let key = format!("id=\"{id}\"");
    let at = dom.find(&key).unwrap_or_else(|| panic!("no #{id}"));
    let start = dom[at..].find('>').unwrap() + at + 1;
    let end = dom[start..].find('<').unwrap() + start;
    &dom[start..end]
}

#[test]
fn chromium_renders_the_counts_of_the_report() {
    let Some(chromium) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0/model/lay-005-symlink-escape");
    let status = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .arg("check")
        .arg(format!("oci:{}:v1", fixture.display()))
        .args(["--profile", "trusted", "--format", "json", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "the fixture is not conformant");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let html = out.join("report.html");
    assert!(html.is_file());
    let url = format!("file://{}", html.display());
    let profile = tmp.path().join("chromium-profile");

    let dom = dump_dom(&chromium, &profile, &url);
    // Requirement text shows the spec's Markdown rendered: code, not raw backticks.
    let texts: Vec<&str> = dom.split(r#"<td class="text">"#).skip(1).collect();
    assert!(!texts.is_empty());
    assert!(
        texts.iter().any(|t| t.contains("<code>")),
        "no rendered code"
    );
    assert!(
        texts
            .iter()
            .all(|t| !t.split("</td>").next().unwrap_or("").contains('`')),
        "raw backticks in requirement text"
    );
    let requirements = report["requirements"].as_array().unwrap();
    let rows = tags(&dom, "req");
    assert_eq!(rows.len(), requirements.len());
    for (row, r) in rows.iter().zip(requirements) {
        assert_eq!(
            attr(row, "id"),
            Some(format!("req-{}", r["id"].as_str().unwrap()).as_str())
        );
        assert_eq!(attr(row, "data-status"), r["status"].as_str(), "{row}");
        assert!(
            !row.contains(" hidden"),
            "nothing is filtered by default: {row}"
        );
    }
    for status in [
        "pass",
        "fail",
        "error",
        "skip",
        "not-applicable",
        "xfail",
        "xpass",
    ] {
        let n = requirements
            .iter()
            .filter(|r| r["status"] == status)
            .count();
        assert_eq!(text_of(&dom, &format!("count-{status}")), n.to_string());
    }
    assert!(requirements.iter().any(|r| r["status"] == "fail"));
    // The script ran: it filled in the shown count and revealed the filter.
    let total = requirements.len();
    assert_eq!(
        text_of(&dom, "shown"),
        format!("{total} of {total} requirements shown")
    );
    let findings: usize = report["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(tags(&dom, "finding").len(), findings);
    assert!(dom.contains("the link target"), "the finding's message");
    assert_eq!(
        tags(&dom, "test").len(),
        report["tests"].as_array().unwrap().len()
    );
    for p in report["profiles"].as_array().unwrap() {
        let card = format!(
            "data-profile=\"{}\" data-result=\"{}\"",
            p["name"].as_str().unwrap(),
            p["result"].as_str().unwrap()
        );
        assert!(dom.contains(&card), "{card}");
    }
    // Profiles come first.
    assert!(dom.find("id=\"profiles\"").unwrap() < dom.find("class=\"req\"").unwrap());

    // The filter in the browser: only failures.
    let dom = dump_dom(&chromium, &profile, &format!("{url}#only=fail"));
    let failing = requirements
        .iter()
        .filter(|r| r["status"] == "fail")
        .count();
    assert_eq!(
        text_of(&dom, "shown"),
        format!("{failing} of {total} requirements shown")
    );
    for row in tags(&dom, "req") {
        let hidden = row.contains(" hidden");
        assert_eq!(hidden, attr(row, "data-status") != Some("fail"), "{row}");
    }

    // A screenshot of the rendered page.
    let shot = tmp.path().join("report.png");
    let out = browser(&chromium, &profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        png.len() > 20_000,
        "a page, not a blank image ({} bytes)",
        png.len()
    );
    // Where a person can look at it (CI keeps target/).
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    std::fs::copy(&shot, &keep).unwrap();
}

#[test]
fn chromium_renders_the_svg_badge() {
    let Some(chromium) = chromium() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let status = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .arg("check")
        .arg(format!(
            "oci:{}:v1",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/v1.0/model/pass-model-minimal")
                .display()
        ))
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let svg = out.join("badge-core.svg");
    let dom = dump_dom(
        &chromium,
        &tmp.path().join("chromium-profile"),
        &format!("file://{}", svg.display()),
    );
    // Chromium parsed it as SVG and kept the text: profile, spec version and verdict.
    assert!(dom.contains("<svg"), "{dom}");
    assert!(dom.contains("AI Manifest Contract 1.0 · core"), "{dom}");
    assert!(dom.contains(">success</text>"), "{dom}");
}
