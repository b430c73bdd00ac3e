//! `docs/10-minute-flow.md` is run as written: every fenced block marked `sh`, in order, in
//! one bash with `set -euo pipefail`, in a fresh directory, with this build's `ai-interop` on
//! `PATH`, a loopback registry (`.ci/registry.sh`), and podman with the images of `deploy/`
//! and the real model (`.ci/podman.sh`). A command that fails fails the test. (`text` blocks
//! show output or what is run elsewhere; they are not run.) The time of each step, which the
//! document prints on stderr, is printed again here.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bodies of the fenced blocks whose info string is exactly `sh`.
fn runnable_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => {
                current = Some(String::new());
                if info.trim() != "sh" {
                    // A block that is not run: consume it without keeping it.
                    current = Some("\0skip".into());
                }
            }
            (Some(body), Some(_)) => {
                if !body.starts_with("\0skip") {
                    blocks.push(std::mem::take(body));
                }
                current = None;
            }
            (Some(body), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "an unclosed fence");
    blocks
}

#[test]
fn finds_only_sh_blocks() {
    let md = "a\n```sh\necho 1\n```\n```text\nnot run\n```\n```sh\necho 2\n```\n";
    assert_eq!(runnable_blocks(md), ["echo 1\n", "echo 2\n"]);
}

/// The variables the flow needs, or `None` after printing why it is skipped (a failure under
/// `CI=true`).
fn flow_env() -> Option<Vec<(&'static str, String)>> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    let wanted = [
        ("REGISTRY", "AI_INTEROP_TEST_REGISTRY"),
        ("AI_INTEROP_IMAGE", "AI_INTEROP_TEST_IMAGE"),
        ("EMBED_IMAGE", "AI_INTEROP_TEST_EMBED_IMAGE"),
        ("MINILM", "AI_INTEROP_TEST_MINILM"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, from)| var(from).is_none())
        .map(|(_, from)| *from)
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "{} unset (.ci/registry.sh, and .ci/podman.sh: podman_install, podman_images, model_fetch)",
            missing.join(", ")
        );
        if var("CI").as_deref() == Some("true") {
            panic!("CI=true but {why}");
        }
        eprintln!("skipped: {why}");
        return None;
    }
    Some(
        wanted
            .iter()
            .map(|(to, from)| {
                let v = var(from).unwrap_or_default();
                let v = match *to {
                    "REGISTRY" => v.trim_start_matches("http://").trim_end_matches('/').into(),
                    _ => v,
                };
                (*to, v)
            })
            .collect(),
    )
}

#[test]
fn the_documented_commands_run() {
    let Some(vars) = flow_env() else { return };
    let doc = std::fs::read_to_string(root().join("docs/10-minute-flow.md")).unwrap();
    let blocks = runnable_blocks(&doc);
    assert!(blocks.len() >= 7, "{} runnable blocks", blocks.len());
    for step in [
        "ai-interop pack",
        "ai-interop push",
        "ai-interop verify",
        "ai-interop unpack",
    ] {
        assert!(
            blocks.iter().any(|b| b.contains(step)),
            "the flow runs {step}"
        );
    }
    let mut script = String::from("set -euo pipefail\n");
    for (i, b) in blocks.iter().enumerate() {
        script.push_str(&format!("echo '--- block {}' >&2\n{b}", i + 1));
    }
    let work = tempfile::tempdir().unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ai-interop"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(work.path())
        .env("PATH", path)
        .env("REPO", root())
        .envs(vars)
        .env_remove("CI")
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr
        .lines()
        .filter(|l| l.ends_with(" s") && !l.contains("ai-interop"))
    {
        eprintln!("10-minute flow: {line}");
    }
    assert!(
        out.status.success(),
        "the flow failed (exit {:?})\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(work.path().join("answer.json").is_file());
}
