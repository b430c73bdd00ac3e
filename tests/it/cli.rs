//! The `ai-interop` command as a user runs it: exit codes, outputs, and where it writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ai_interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ai-interop"))
        .args(args)
        .current_dir(root())
        .env_remove("CI")
        .output()
        .expect("the binary runs")
}

fn case(id: &str) -> String {
    format!("oci:fixtures/v1.0/model/{id}:v1")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn check_exit_codes() {
    assert_eq!(
        ai_interop(&["check", &case("pass-model-raw")])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ai_interop(&["check", &case("man-003-schema-version-3")])
            .status
            .code(),
        Some(1)
    );
    // A SHOULD failure is reported but keeps the artifact conformant.
    let should = ai_interop(&["check", &case("mpk-015-weights-gzip")]);
    assert_eq!(
        should.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&should.stdout)
    );
    assert!(String::from_utf8_lossy(&should.stdout).contains("MPK-015"));
    assert_eq!(
        ai_interop(&["check", "oci:does/not/exist"]).status.code(),
        Some(2)
    );
    assert_eq!(ai_interop(&["check", "docker://x"]).status.code(), Some(2));
    assert_eq!(
        ai_interop(&["check", &case("pass-model-raw"), "--profile", "gold"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        ai_interop(&["check", "oci:fixtures/v1.0/model/pass-model-raw:nope"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_writes_every_format_only_inside_out() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report");
    let o = ai_interop(&[
        "check",
        &case("lay-004-parent-component"),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let failed: Vec<&str> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["LAY-004"]);
    let names: Vec<String> = files_under(tmp.path())
        .iter()
        .map(|p| {
            p.strip_prefix(&out)
                .expect("inside --out")
                .display()
                .to_string()
        })
        .collect();
    for want in [
        "report.json",
        "report.junit.xml",
        "report.md",
        "badge-core.json",
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
}

#[test]
fn expected_failures_are_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let xfail = tmp.path().join("xfail.json");
    std::fs::write(&xfail, r#"{"MAN-003": "known: our packer writes 3"}"#).unwrap();
    let x = xfail.to_str().unwrap();
    // The announced failure happens: xfail, conformant run.
    let o = ai_interop(&[
        "check",
        &case("man-003-schema-version-3"),
        "--expected-failures",
        x,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The announced failure does not happen: xpass fails the run.
    let o = ai_interop(&["check", &case("pass-model-raw"), "--expected-failures", x]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("xpass"));
    std::fs::write(&xfail, r#"{"NOPE-001": "x"}"#).unwrap();
    assert_eq!(
        ai_interop(&["check", &case("pass-model-raw"), "--expected-failures", x])
            .status
            .code(),
        Some(2)
    );
    // Two reasons for one requirement: which was meant is unknown, so the file is refused.
    std::fs::write(&xfail, r#"{"MAN-003": "a", "MAN-003": "b"}"#).unwrap();
    let o = ai_interop(&["check", &case("pass-model-raw"), "--expected-failures", x]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("MAN-003 is listed twice"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn no_content_skips_content_checks() {
    let o = ai_interop(&[
        "check",
        &case("lay-004-parent-component"),
        "--no-content",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let lay4 = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "LAY-004")
        .unwrap();
    assert_eq!(lay4["status"], "skip");
    let core = report["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "core")
        .unwrap();
    assert_eq!(core["result"], "partial");
}

#[test]
fn validate_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("annotations.json");
    std::fs::write(
        &good,
        r#"{"org.cncf.ai.interop.profile.version":"1.0.0","org.cncf.ai.artifact.type":"model","org.cncf.ai.lifecycle.status":"validated"}"#,
    )
    .unwrap();
    let o = ai_interop(&["validate", "annotations", good.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let bad = tmp.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"org.cncf.ai.interop.profile.version":"v1","org.cncf.ai.artifact.type":"model","org.cncf.ai.lifecycle.status":"validated"}"#,
    )
    .unwrap();
    let o = ai_interop(&["validate", "annotations", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ANN-001"));
    let garbage = tmp.path().join("garbage.json");
    std::fs::write(&garbage, [0xff, 0xfe, b'{']).unwrap();
    assert_eq!(
        ai_interop(&["validate", "manifest", garbage.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        ai_interop(&["validate", "nonsense", garbage.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn requirements_matrix_lists_every_requirement() {
    let o = ai_interop(&["requirements", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    let catalog = ai_interop::spec::Catalog::embedded();
    assert_eq!(rows.len(), catalog.requirements.len());
    // Every requirement, artifact or registry, names the checks or suite tests that decide it.
    for r in &rows {
        assert!(!r["checks"].as_array().unwrap().is_empty(), "{}", r["id"]);
    }
    let md = ai_interop(&["requirements"]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("| MAN-003 |"));
    assert!(md.contains("0 without a check or a fixture"), "{md}");
}

/// `requirements --format html` prints the coverage section the HTML report embeds (the
/// command that regenerates `src/default-coverage.html`), the same from the compiled case
/// index as from the fixture tree on disk.
#[test]
fn requirements_html_is_the_section_a_report_embeds() {
    let built_in = ai_interop(&["requirements", "--format", "html"]);
    assert_eq!(built_in.status.code(), Some(0));
    let section = String::from_utf8(built_in.stdout).unwrap();
    assert!(section.starts_with("<h2>Coverage</h2>"), "{section}");
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
    let on_disk = ai_interop(&[
        "requirements",
        "--format",
        "html",
        "--fixtures",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8(on_disk.stdout).unwrap(), section);

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let target = format!("oci:{}:v1", tree.join("model/pass-model-raw").display());
    let o = ai_interop(&["check", &target, "--quiet", "--out", out.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        page.contains(&section),
        "the page does not embed the section"
    );
}

#[test]
fn self_test_run_passes_and_writes_its_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("self-test");
    let o = ai_interop(&["run", "--out", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["target"]["kind"], "fixtures");
    assert!(
        report["spec"]["fixturesDigest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(out.join("report.md").is_file());
}

/// A skill directory `<tmp>/<name>` with the given SKILL.md bytes and one script.
fn skill_dir(tmp: &Path, name: &str, skill_md: &[u8]) -> PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(dir.join("scripts")).unwrap();
    std::fs::write(dir.join("SKILL.md"), skill_md).unwrap();
    std::fs::write(dir.join("scripts/run.py"), "print('hi')\n").unwrap();
    dir
}

fn validate(kind: &str, path: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["validate", kind, path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = ai_interop(&args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

const GOOD_SKILL: &str = "---\nname: pdf-tools\ndescription: Reads PDFs.\nmetadata:\n  beta: \"yes\"\n---\nRun [the script](scripts/run.py).\n";

#[test]
fn validate_skill_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (code, out) = validate(
        "skill",
        &skill_dir(&t.join("a"), "pdf-tools", GOOD_SKILL.as_bytes()),
        &[],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("valid skill"), "{out}");

    // SHOULD findings are warnings: exit 0.
    let unknown = GOOD_SKILL.replace("metadata:", "x-vendor: acme\nmetadata:");
    let (code, out) = validate(
        "skill",
        &skill_dir(&t.join("b"), "pdf-tools", unknown.as_bytes()),
        &[],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(": warning: SKL-011 [SHOULD]"), "{out}");

    // Each MUST finding names its requirement and exits 1.
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "c",
            "pdf-toolkit",
            GOOD_SKILL.as_bytes().to_vec(),
            "SKL-012",
        ),
        (
            "d",
            "données",
            GOOD_SKILL
                .replace("name: pdf-tools", "name: données")
                .into_bytes(),
            "SKL-010",
        ),
        (
            "e",
            "pdf-tools",
            GOOD_SKILL
                .replace("(scripts/run.py)", "(scripts/gone.py)")
                .into_bytes(),
            "SKL-014",
        ),
        (
            "f",
            "pdf-tools",
            GOOD_SKILL.replace("\"yes\"", "yes").into_bytes(),
            "SKL-009",
        ),
        (
            "g",
            "pdf-tools",
            GOOD_SKILL
                .replace("Reads PDFs.", "Use this: for PDFs")
                .into_bytes(),
            "SKL-008",
        ),
        (
            "h",
            "pdf-tools",
            GOOD_SKILL
                .replace("metadata:", "name: other\nmetadata:")
                .into_bytes(),
            "SKL-008",
        ),
        (
            "i",
            "pdf-tools",
            b"---\nname: pdf-tools\ndescription: R\xe9sum\xe9\n---\n".to_vec(),
            "SKL-008",
        ),
        (
            "j",
            "pdf-tools",
            format!(
                "---\nname: pdf-tools\ndescription: x\n{}---\n",
                "# pad\n".repeat(12_000)
            )
            .into_bytes(),
            "SKL-008",
        ),
        ("k", "pdf-tools", b"# no frontmatter\n".to_vec(), "SKL-008"),
    ];
    for (sub, name, md, req) in cases {
        let (code, out) = validate("skill", &skill_dir(&t.join(sub), name, &md), &[]);
        assert_eq!(code, Some(1), "{req}: {out}");
        assert!(
            out.contains(&format!("error: {req} [MUST]")),
            "{req}: {out}"
        );
    }

    // An alias bomb ends in a finding, quickly.
    let mut bomb = String::from(
        "---\nname: pdf-tools\ndescription: x\na: &a [\"l\",\"l\",\"l\",\"l\",\"l\",\"l\",\"l\",\"l\",\"l\"]\n",
    );
    for (i, c) in "bcdefghi".chars().enumerate() {
        let p = (b'a' + i as u8) as char;
        bomb.push_str(&format!(
            "{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    bomb.push_str("---\n");
    let (code, out) = validate(
        "skill",
        &skill_dir(&t.join("l"), "pdf-tools", bomb.as_bytes()),
        &[],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("SKL-008") && out.contains("budget"), "{out}");

    // BOM and CRLF are read, not rejected.
    let crlf = format!("\u{feff}{}", GOOD_SKILL.replace('\n', "\r\n"));
    let (code, out) = validate(
        "skill",
        &skill_dir(&t.join("m"), "pdf-tools", crlf.as_bytes()),
        &[],
    );
    assert_eq!(code, Some(0), "{out}");

    // Both spellings, and no instruction file at all.
    let both = skill_dir(&t.join("n"), "pdf-tools", GOOD_SKILL.as_bytes());
    std::fs::write(both.join("skill.md"), GOOD_SKILL).unwrap();
    let (code, out) = validate("skill", &both, &[]);
    assert!(out.contains("SKL-006"), "{out}");
    assert_eq!(code, Some(1));
    let lower = t.join("o/pdf-tools");
    std::fs::create_dir_all(&lower).unwrap();
    std::fs::write(
        lower.join("skill.md"),
        GOOD_SKILL.replace("Run [the script](scripts/run.py).", ""),
    )
    .unwrap();
    let (code, out) = validate("skill", &lower, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warning: SKL-007"), "{out}");

    // Usage errors.
    assert_eq!(validate("skill", &t.join("missing"), &[]).0, Some(2));
    let file = t.join("file.md");
    std::fs::write(&file, GOOD_SKILL).unwrap();
    assert_eq!(validate("skill", &file, &[]).0, Some(2));
}

const GOOD_PROMPT: &str = "---\nname: greet\ndescription: Greet someone.\nengine: jinja2\ninputs:\n  who:\n    type: string\nsample:\n  who: Ada\n---\nHello {{ who }}!\n";

#[test]
fn validate_prompt_files() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let (code, out) = validate("prompt", &write("ok.prompt", GOOD_PROMPT), &[]);
    assert_eq!(code, Some(0), "{out}");
    for (text, req) in [
        (
            GOOD_PROMPT.replace("{{ who }}", "{{ who }} and {{ whom }}"),
            "PRM-009",
        ),
        (GOOD_PROMPT.replace("{{ who }}", "{{ who }"), "PRM-008"),
        (GOOD_PROMPT.replace("who: Ada", "who: 42"), "PRM-011"),
        (
            GOOD_PROMPT.replace("engine: jinja2", "engine: mustache"),
            "PRM-006",
        ),
        (
            GOOD_PROMPT.replace("engine: jinja2", "engine: jinja2\nengine: jinja2"),
            "PRM-004",
        ),
        (GOOD_PROMPT.replace("who: Ada", "who: NO"), "PRM-005"),
    ] {
        let (code, out) = validate("prompt", &write("bad.prompt", &text), &[]);
        assert_eq!(code, Some(1), "{req}: {out}");
        assert!(
            out.contains(&format!("error: {req} [MUST]")),
            "{req}: {out}"
        );
    }
    let unused = GOOD_PROMPT.replace("Hello {{ who }}!", "Hello!");
    let (code, out) = validate("prompt", &write("unused.prompt", &unused), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warning: PRM-010 [SHOULD]"), "{out}");
    let big = tmp.path().join("big.prompt");
    std::fs::write(&big, vec![b'a'; (1 << 20) + 1]).unwrap();
    let (code, out) = validate("prompt", &big, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("PRM-003"), "{out}");
}

const GOOD_WORKFLOW: &str = "document:\n  dsl: \"1.0.0\"\n  namespace: examples\n  name: run\n  version: \"1.0.0\"\ndo:\n  - infer:\n      call: http\n      with:\n        method: post\n        endpoint: https://example.org\n        body:\n          model: oci://registry.example.org/models/m@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";

#[test]
fn validate_workflow_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let (code, out) = validate("workflow", &write("ok.yaml", GOOD_WORKFLOW), &[]);
    assert_eq!(code, Some(0), "{out}");
    let tagged = GOOD_WORKFLOW.replace(
        "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ":v1",
    );
    let (code, out) = validate("workflow", &write("tag.yaml", &tagged), &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("WFL-008") && out.contains("/do/0/infer/with/body/model"),
        "{out}"
    );
    let old = GOOD_WORKFLOW.replace("1.0.0\"\n  namespace", "0.8\"\n  namespace");
    let (code, out) = validate("workflow", &write("old.yaml", &old), &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("WFL-007"), "{out}");
    // An extension format: the DSL frame is not checked.
    let (code, out) = validate(
        "workflow",
        &write("ext.yaml", &old),
        &["--workflow-format", "io.example.flow"],
    );
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = validate("workflow", &write("list.yaml", "- a\n- b\n"), &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("WFL-005"), "{out}");
}

#[test]
fn agentic_profile_is_rolled_up_beside_core() {
    let o = ai_interop(&[
        "check",
        "oci:fixtures/v1.0/skill/pass-skill:v1",
        "--profile",
        "agentic",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rollups: Vec<(String, String)> = report["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["result"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        rollups.contains(&("core".into(), "success".into())),
        "{rollups:?}"
    );
    assert!(
        rollups.contains(&("agentic".into(), "partial".into())),
        "{rollups:?}"
    );
    // A failing skill fails the extension, not core.
    let o = ai_interop(&[
        "check",
        "oci:fixtures/v1.0/skill/skl-012-name-not-directory:v1",
        "--profile",
        "agentic",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let result = |name: &str| {
        report["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["result"].as_str().unwrap().to_string())
    };
    assert_eq!(result("core").as_deref(), Some("success"));
    assert_eq!(result("agentic").as_deref(), Some("failure"));
}

#[test]
fn fixture_regeneration_never_wipes_unrelated_files() {
    let tmp = tempfile::tempdir().unwrap();
    let precious = tmp.path().join("model").join("notes.txt");
    std::fs::create_dir_all(precious.parent().unwrap()).unwrap();
    std::fs::write(&precious, "keep me").unwrap();
    let o = ai_interop(&[
        "fixtures",
        "generate",
        "--out",
        tmp.path().to_str().unwrap(),
        "--cases",
        "fixtures/v1.0/cases.yaml",
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(precious.is_file());
}

#[test]
fn check_agent_bundles() {
    let dir = root().join("fixtures/v1.0/bundle");
    let target = |c: &str| format!("oci:{}:v1", dir.join(c).display());
    let out = ai_interop(&["check", &target("pass-bundle"), "--profile", "agentic"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = ai_interop(&[
        "check",
        &target("bnd-007-reference-outside"),
        "--profile",
        "agentic",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("BND-007"));
}
