//! The command line as a newcomer meets it (issue 11): defaults that do not depend on where the
//! binary was built, hints for near misses, short terminal output, one flag vocabulary and
//! consistent exit codes. The short outputs are snapshots.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the binary in `cwd` with `stdin` fed to it.
fn run_in(cwd: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .current_dir(cwd)
        .env_remove("CI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Fed from a thread: a command that stops reading early must not block the test.
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn ai_interop(args: &[&str]) -> Output {
    run_in(&root(), args, b"")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Requirement totals grow as the spec grows; fail, error and skip counts are what a summary
/// snapshot is about.
fn steady(summary: &str) -> String {
    let re = regex::Regex::new(r"\d+ pass,").unwrap();
    let s = re.replace_all(summary, "N pass,");
    let re = regex::Regex::new(r"\d+ n/a").unwrap();
    let s = re.replace_all(&s, "N n/a");
    // Regenerated fixtures may change a manifest's bytes, not its verdict.
    let re = regex::Regex::new(r"sha256:[0-9a-f]{64}").unwrap();
    re.replace_all(&s, "sha256:[digest]").into_owned()
}

fn case(id: &str) -> String {
    format!("oci:fixtures/v1.0/model/{id}:v1")
}

fn manifest_of(case: &str) -> PathBuf {
    let dir = root().join("fixtures/v1.0/model").join(case);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let digest = index["manifests"][0]["digest"].as_str().unwrap();
    dir.join("blobs/sha256")
        .join(digest.strip_prefix("sha256:").unwrap())
}

// 1. No default depends on where the binary was built.

#[test]
fn fixtures_travel_with_the_binary() {
    // Far from any source tree: the self-test and the matrix still work, and nothing is written.
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["run"], b"");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("Every case met its expectation."));
    let o = run_in(tmp.path(), &["requirements", "--format", "json"], b"");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        rows.iter()
            .any(|r| !r["negativeFixtures"].as_array().unwrap().is_empty())
    );
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    // A named tree that is missing is a usage error.
    let o = run_in(tmp.path(), &["run", "--fixtures", "nowhere"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn no_help_shows_a_build_path() {
    let source = root().display().to_string();
    for args in [
        &["run", "--help"][..],
        &["requirements", "--help"],
        &["fixtures", "generate", "--help"],
        &["check", "--help"],
    ] {
        let help = stdout(&ai_interop(args));
        assert!(!help.contains(&source), "{args:?} shows {source}: {help}");
    }
}

#[test]
fn fixture_generation_needs_an_explicit_tree() {
    let o = ai_interop(&["fixtures", "generate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out <DIR>"), "{}", stderr(&o));
    // A tree without definitions is refused before anything is removed.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("model")).unwrap();
    let o = ai_interop(&[
        "fixtures",
        "generate",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no case definitions"), "{}", stderr(&o));
    assert!(tmp.path().join("model").is_dir());
}

// 2. A local path without `oci:`.

#[test]
fn local_path_gets_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("notoci")).unwrap();
    let o = run_in(tmp.path(), &["check", "./notoci"], b"");
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("check_local_path", stderr(&o));
}

// 3. A short terminal summary, --quiet, files only when asked.

#[test]
fn check_prints_a_short_summary_and_writes_nothing_unasked() {
    let tmp = tempfile::tempdir().unwrap();
    let layout = root().join("fixtures/v1.0/model/man-003-schema-version-3");
    let target = format!("oci:{}:v1", layout.display());
    let o = run_in(tmp.path(), &["check", &target], b"");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
    let o = ai_interop(&["check", &case("man-003-schema-version-3")]);
    insta::assert_snapshot!("check_summary_failing", steady(&stdout(&o)));
    let o = ai_interop(&["check", &case("pass-model-raw")]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("check_summary_passing", steady(&stdout(&o)));
    assert!(stdout(&o).lines().count() < 20);
}

#[test]
fn summary_names_the_files_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let o = ai_interop(&[
        "check",
        &case("pass-model-raw"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let last = stdout(&o).lines().last().unwrap().to_string();
    assert_eq!(
        last,
        format!(
            "Full report: {} (also report.html, report.json, report.junit.xml, badges)",
            out.join("report.md").display()
        )
    );
    assert!(out.join("report.json").is_file());
}

#[test]
fn quiet_keeps_stdout_for_machines() {
    let o = ai_interop(&["check", &case("man-003-schema-version-3"), "--quiet"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr(&o), "");
    let o = ai_interop(&[
        "check",
        &case("man-003-schema-version-3"),
        "-q",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("only JSON");
    assert_eq!(report["target"]["kind"], "oci-layout");
    assert_eq!(stderr(&o), "");
}

#[test]
fn self_test_summary_is_short() {
    let o = ai_interop(&["run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().count() < 20, "{out}");
    assert!(out.contains("Every case met its expectation."), "{out}");
    assert!(!out.contains("| ---"), "no tables on the terminal: {out}");
}

// 4. The self-test's tables say "met expectation".

#[test]
fn self_test_tables_say_met_expectation() {
    let o = ai_interop(&["run", "--format", "markdown"]);
    let md = stdout(&o);
    assert!(
        md.contains("| fixtures/man-003-schema-version-3 (met expectation) | MUST | fail |"),
        "{md}"
    );
    assert!(!md.contains("(pass) |"));
}

// 5. validate: exit codes, stdin, kinds, one flag vocabulary.

#[test]
fn validate_exit_codes_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.json");
    let o = ai_interop(&["validate", "manifest", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(missing.to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    let o = ai_interop(&["validate", "manifest", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(tmp.path().to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    for kind in ["prompt", "workflow"] {
        let o = ai_interop(&["validate", kind, tmp.path().to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{kind}");
    }
}

#[test]
fn validate_reads_stdin_bounded() {
    let manifest = std::fs::read(manifest_of("pass-model-raw")).unwrap();
    let o = run_in(&root(), &["validate", "manifest", "-"], &manifest);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "<stdin>: valid manifest\n");
    // More than any document may be: refused after the limit, not read to the end.
    let huge = vec![b' '; (16 << 20) + 4096];
    let o = run_in(&root(), &["validate", "manifest", "-"], &huge);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("limit"), "{}", stdout(&o));
    let o = run_in(
        &root(),
        &["validate", "prompt", "-"],
        b"---\nname: greet\ndescription: Greet.\nengine: jinja2\n---\nHello!\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = run_in(&root(), &["validate", "skill", "-"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn validate_typo_lists_every_kind() {
    let o = ai_interop(&["validate", "manfest", "x.json"]);
    assert_eq!(o.status.code(), Some(2));
    insta::assert_snapshot!("validate_unknown_kind", stderr(&o));
    let help = stdout(&ai_interop(&["validate", "--help"]));
    for kind in [
        "skill",
        "prompt",
        "workflow",
        "serverless-workflow",
        "modelpack-config",
    ] {
        assert!(help.contains(&format!("- {kind}")), "{kind}: {help}");
    }
}

#[test]
fn one_flag_vocabulary() {
    let manifest = manifest_of("pass-model-raw");
    let m = manifest.to_str().unwrap();
    let json = ai_interop(&["validate", "annotations", m, "--format", "json"]);
    let alias = ai_interop(&["validate", "annotations", m, "--json"]);
    assert_eq!(json.stdout, alias.stdout);
    let v = serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("JSON");
    // A result object for a valid file too, not a bare `[]`.
    assert_eq!(v["kind"], "annotations", "{v}");
    assert!(v["valid"].is_boolean() && v["problems"].is_array(), "{v}");
    let v: serde_json::Value = serde_json::from_slice(
        &ai_interop(&["validate", "manifest", m, "--format", "json"]).stdout,
    )
    .expect("JSON");
    assert_eq!(
        (v["valid"].as_bool(), v["errors"].as_u64()),
        (Some(true), Some(0)),
        "{v}"
    );
    // --profile and --format list their values in --help, everywhere.
    for cmd in ["run", "check", "validate"] {
        let help = stdout(&ai_interop(&[cmd, "--help"]));
        assert!(
            help.contains(
                "[possible values: core, trusted, regulated, agentic, airgapped, lora, mountable, cncf-annotations-draft]"
            ),
            "{cmd}: {help}"
        );
        assert!(help.contains("json"), "{cmd}");
    }
    let o = ai_interop(&["check", &case("pass-model-raw"), "--profile", "gold"]);
    assert_eq!(o.status.code(), Some(2));
    let o = ai_interop(&["requirements", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

// 6. Wrong kinds, malformed digests, near-miss keys.

#[test]
fn wrong_kind_is_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        manifest_of("pass-model-raw"),
        tmp.path().join("manifest.json"),
    )
    .unwrap();
    let o = run_in(
        tmp.path(),
        &["validate", "modelpack-config", "manifest.json"],
        b"",
    );
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("validate_wrong_kind", stdout(&o));
}

#[test]
fn malformed_digest_is_called_malformed() {
    for target in [
        "oci:fixtures/v1.0/model/pass-model-raw@sha256:deadbeef",
        "registry.example/ns/model@sha256:deadbeef",
    ] {
        let o = ai_interop(&["check", target]);
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(
            stderr(&o).contains("malformed digest \"sha256:deadbeef\""),
            "{target}: {}",
            stderr(&o)
        );
    }
    let o = ai_interop(&[
        "check",
        "oci:fixtures/v1.0/model/pass-model-raw@sha256:deadbeef",
    ]);
    insta::assert_snapshot!("check_malformed_digest", stderr(&o));
}

#[test]
fn near_miss_annotation_key_gets_a_suggestion() {
    let doc = br#"{"org.cncf.ai.interop.profile.version":"1.0.0","org.cncf.ai.artifact.type":"model","org.cncf.ai.lifecycle.status":"validated","org.cncf.ai.lifecycle.stage":"validated"}"#;
    let o = run_in(&root(), &["validate", "annotations", "-"], doc);
    assert_eq!(o.status.code(), Some(1));
    let errors: Vec<&str> = std::str::from_utf8(&o.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.contains(": error: "))
        .collect();
    insta::assert_snapshot!("validate_near_miss_key", errors.join("\n"));
}

// 7. Reports name the commit the binary was built from.

#[test]
fn reports_name_the_build_commit() {
    let git = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root())
        .output();
    let Some(git) = git.ok().filter(|o| o.status.success()) else {
        eprintln!("skipped: not built from a git checkout");
        return;
    };
    let o = ai_interop(&["check", &case("pass-model-raw"), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let commit = report["suite"]["commit"].as_str().unwrap();
    let expected = std::env::var("AI_INTEROP_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| String::from_utf8_lossy(&git.stdout).trim().to_string());
    assert_eq!(commit, expected);
}

// Newcomer rough edges (issue 21).

/// Whether the tool a test needs is installed: without it the test is skipped under a plain
/// `cargo test`, and fails when `CI=true`.
fn tool(path: &str) -> bool {
    if std::path::Path::new(path).is_file() {
        return true;
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "CI=true but {path} is absent"
    );
    eprintln!("skipped: no {path}");
    false
}

/// `ai-interop … | head -c 10`: the reader goes away; the command exits quietly (the status of a
/// process ended by SIGPIPE), never with a panic.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    use std::io::Read;
    for args in [
        &["requirements", "--format", "json"][..],
        &["run", "--format", "json"][..],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
            .args(args)
            .current_dir(root())
            .env_remove("CI")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // stdout is closed here, as `head -c 10` closes it.
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

/// `verify` is a gate: its one-line verdict is its answer, on stdout.
#[test]
fn verify_prints_its_verdict_on_stdout() {
    let o = ai_interop(&["verify", &case("pass-model-raw")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("conformant (core): "),
        "{}",
        stdout(&o)
    );
    let o = ai_interop(&["verify", &case("man-003-schema-version-3")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("not conformant (core): "),
        "{}",
        stdout(&o)
    );
}

/// A profile where nothing applied (a bundle under `core`) is not a success and claims no
/// conformance; the report's opening sentence names the claimed profile once.
#[test]
fn a_profile_where_nothing_applied_claims_nothing() {
    let bundle = "oci:fixtures/v1.0/bundle/pass-bundle:v1";
    let o = ai_interop(&["check", bundle]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("nothing applied to this target"), "{text}");
    assert!(!text.contains("Conformant: yes"), "{text}");
    let o = ai_interop(&["check", bundle, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["profiles"][0]["result"], "partial", "{v}");
    let summary = v["summary"].as_str().unwrap();
    assert_eq!(summary.matches("core:").count(), 1, "{summary}");
    assert!(
        summary.starts_with("Claimed profile core: partial"),
        "{summary}"
    );
}

/// The network timeouts are flags too, listed in `--help` beside the variables they override.
#[test]
fn timeouts_are_flags_listed_in_help() {
    for cmd in ["check", "run", "push", "verify", "unpack"] {
        let help = stdout(&ai_interop(&[cmd, "--help"]));
        for flag in [
            "--connect-timeout-ms",
            "--request-timeout-ms",
            "--large-blob-timeout-ms",
        ] {
            assert!(help.contains(flag), "{cmd}: {flag}: {help}");
        }
        assert!(
            help.contains("AI_INTEROP_REGISTRY_REQUEST_TIMEOUT_MS"),
            "{cmd}"
        );
    }
    let o = ai_interop(&["check", "127.0.0.1:9/x:v1", "--request-timeout-ms", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `run packer --adapter reference.json` works outside a checkout: the adapter copied alone to
/// another directory, with no `ai-interop` on PATH, finds the suite's binary (the suite tells it)
/// and does without `schemas/` beside it.
#[test]
fn the_reference_adapter_works_outside_a_checkout() {
    if !tool("/usr/bin/python3") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for f in ["reference.json", "reference.py", "aiinterop_adapter.py"] {
        std::fs::copy(root().join("adapters").join(f), tmp.path().join(f)).unwrap();
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(["run", "packer", "--adapter", "reference.json"])
        .current_dir(tmp.path())
        .env("PATH", "/usr/bin:/bin")
        .env_remove("AI_INTEROP_BIN")
        .env_remove("CI")
        .output()
        .unwrap();
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{text}{}", stderr(&o));
    assert!(!text.contains("no finding recorded"), "{text}");
}

/// `pack` and `unpack` show a bar of bytes done out of the total, with the rate, on a terminal
/// (a pseudo-terminal from util-linux `script`), and nothing on stderr when it is not one.
#[test]
fn pack_and_unpack_show_byte_progress_only_on_a_terminal() {
    if !tool("/usr/bin/script") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("m");
    std::fs::create_dir(&src).unwrap();
    // Large enough that a debug build takes several refreshes to pack it.
    let weights: Vec<u8> = (0..24u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    std::fs::write(src.join("model.safetensors"), weights).unwrap();
    let bin = env!("CARGO_BIN_EXE_ai-interop");
    let on_tty = |cmd: String| {
        let o = std::process::Command::new("/usr/bin/script")
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("CI")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        String::from_utf8_lossy(&o.stdout).replace('\r', "\n")
    };
    let layout = tmp.path().join("l");
    let seen = on_tty(format!(
        "{bin} pack {} oci:{}:v1",
        src.display(),
        layout.display()
    ));
    assert!(
        seen.contains("packing") && seen.contains("MiB/24.00 MiB"),
        "{seen}"
    );
    assert!(seen.contains("/s"), "{seen}");
    let seen = on_tty(format!(
        "{bin} unpack oci:{}:v1 {}",
        layout.display(),
        tmp.path().join("u").display()
    ));
    assert!(seen.contains("unpacking"), "{seen}");
    // Not a terminal: nothing on stderr.
    let o = std::process::Command::new(bin)
        .args(["pack", src.to_str().unwrap()])
        .arg(format!("oci:{}:v2", layout.display()))
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
