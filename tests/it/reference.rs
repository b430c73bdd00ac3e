//! The reference packer and runtime (`pack`, `verify`, `unpack`, `push`) as a user runs them:
//! what `pack` writes passes the artifact checks and is reproducible, `unpack` writes every
//! file byte for byte, and hostile artifacts are refused with nothing left behind.

use ai_interop::document::Limits;
use ai_interop::reference::{UnpackError, UnpackOptions};
use ai_interop::targets::layout::OciLayout;
use serde_json::Value;
use std::collections::BTreeMap;
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

fn ok(args: &[&str]) -> Output {
    let out = ai_interop(args);
    assert!(
        out.status.success(),
        "ai-interop {args:?} exited {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// Relative path → bytes (files), or the link target (symbolic links), of a tree.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_str().unwrap().to_string();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(rel, format!("-> {}", t.display()).into_bytes());
            } else if m.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

fn metadata() -> String {
    root()
        .join("docs/examples/tiny-llm.metadata.json")
        .display()
        .to_string()
}

fn report(target: &str, profile: &str) -> (i32, Value) {
    let out = ai_interop(&["check", target, "--profile", profile, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    (out.status.code().unwrap_or(-1), v)
}

fn failing(report: &Value) -> Vec<String> {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| matches!(r["status"].as_str(), Some("fail" | "error" | "xpass")))
        .map(|r| format!("{} {}", r["id"], r["status"]))
        .collect()
}

/// Pack `src` twice: the layout checks clean under `profile` (not even a SHOULD fails when a
/// metadata file supplies what cannot be derived), both packs give the same manifest digest,
/// and unpacking gives back every file of `src` byte for byte.
fn pack_check_unpack(src: &Path, kind: &str, profile: &str, with_metadata: bool, work: &Path) {
    let layout = work.join("layout");
    let target = format!("oci:{}:v1", s(&layout));
    let meta = metadata();
    let mut args = vec!["pack", s(src), &target, "--kind", kind];
    if with_metadata {
        args.extend(["--metadata", &meta]);
    }
    ok(&args);
    let (code, r) = report(&target, profile);
    assert_eq!(code, 0, "{kind} {}: {:?}", src.display(), failing(&r));
    if with_metadata {
        assert_eq!(failing(&r), Vec::<String>::new(), "{}", src.display());
    }
    let again = work.join("again");
    let target2 = format!("oci:{}:v1", s(&again));
    args[2] = &target2;
    ok(&args);
    assert_eq!(
        std::fs::read(layout.join("index.json")).unwrap(),
        std::fs::read(again.join("index.json")).unwrap(),
        "packing twice gives the same manifest"
    );
    let out = work.join("out");
    ok(&["unpack", &target, s(&out), "--profile", profile]);
    let want = if src.is_file() {
        let name = src.file_name().unwrap().to_str().unwrap().to_string();
        BTreeMap::from([(name, std::fs::read(src).unwrap())])
    } else if kind == "skill" && !src.join("SKILL.md").exists() {
        tree(src)
    } else if kind == "skill" {
        let name = src.file_name().unwrap().to_str().unwrap();
        tree(src)
            .into_iter()
            .map(|(k, v)| (format!("{name}/{k}"), v))
            .collect()
    } else {
        tree(src)
    };
    assert_eq!(tree(&out), want, "unpack gives back the packed tree");
}

/// Golden positive artifacts, unpacked into source trees, packed again: every kind.
#[test]
fn golden_artifacts_round_trip_through_pack_and_unpack() {
    for (kind, case, profile, with_metadata) in [
        ("model", "pass-model-raw", "core", true),
        ("model", "pass-model-tar", "core", true),
        ("model", "pass-model-minimal", "core", false),
        ("skill", "pass-skill", "agentic", false),
        ("prompt", "pass-prompt", "agentic", false),
        ("workflow", "pass-workflow", "agentic", false),
    ] {
        let work = tempfile::tempdir().unwrap();
        let src = work.path().join("src");
        ok(&[
            "unpack",
            &format!("oci:fixtures/v1.0/{kind}/{case}:v1"),
            s(&src),
            "--profile",
            profile,
        ]);
        pack_check_unpack(&src, kind, profile, with_metadata, work.path());
    }
}

/// The golden source trees of the packer suite (`fixtures/v1.0/sources/`).
#[test]
fn golden_source_trees_pack_to_conformant_artifacts() {
    let sources = root().join("fixtures/v1.0/sources");
    let kinds = [
        ("model", "core"),
        ("skill", "agentic"),
        ("prompt", "agentic"),
        ("workflow", "agentic"),
    ];
    if !sources.is_dir() {
        // The packer suite's source trees arrive with that suite; until then the round trip
        // above covers every kind.
        eprintln!("skipped: no fixtures/v1.0/sources");
        return;
    }
    for (kind, profile) in kinds {
        let src = sources.join(kind);
        let work = tempfile::tempdir().unwrap();
        pack_check_unpack(&src, kind, profile, kind == "model", work.path());
    }
}

#[test]
fn pack_refuses_what_it_cannot_ship() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("model");
    std::fs::create_dir_all(src.join("code")).unwrap();
    std::fs::write(src.join("model.safetensors"), b"weights").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", src.join("code/passwd")).unwrap();
    let target = format!("oci:{}:v1", s(&work.path().join("l")));
    let out = ai_interop(&["pack", s(&src), &target]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("leaves"));
    let out = ai_interop(&["pack", s(&src), "oci:somewhere@sha256:00"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_is_a_gate() {
    assert_eq!(
        ai_interop(&["verify", "oci:fixtures/v1.0/model/pass-model-raw:v1"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ai_interop(&[
            "verify",
            "oci:fixtures/v1.0/model/lay-004-parent-component:v1"
        ])
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        ai_interop(&["verify", "oci:fixtures/v1.0/model/no-such-case:v1"])
            .status
            .code(),
        Some(2)
    );
    // The golden model says `validated`.
    let gated = |statuses: &str| {
        ai_interop(&[
            "verify",
            "oci:fixtures/v1.0/model/pass-model-raw:v1",
            "--require-lifecycle",
            statuses,
        ])
        .status
        .code()
    };
    assert_eq!(gated("validated,product-ready"), Some(0));
    assert_eq!(gated("product-ready"), Some(1));
}

/// Hostile golden negatives: refused with a non-zero exit, no destination, no temporary
/// directory left, nothing outside the destination.
const HOSTILE: [&str; 12] = [
    "lay-003-absolute-path",
    "lay-004-parent-component",
    "lay-005-symlink-escape",
    "lay-005-symlink-absolute",
    "lay-005-hardlink-escape",
    "lay-005-hardlink-to-later-entry",
    "lay-006-char-device",
    "lay-006-fifo",
    "lay-007-duplicate-path",
    "dsc-004-layer-bytes-changed",
    "dsc-005-size-off-by-one",
    "mpk-005-diff-id-wrong",
];

#[test]
fn unpack_refuses_hostile_artifacts_and_leaves_nothing() {
    for case in HOSTILE {
        let work = tempfile::tempdir().unwrap();
        let dest = work.path().join("sandbox/model");
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let out = ai_interop(&[
            "unpack",
            &format!("oci:fixtures/v1.0/model/{case}:v1"),
            s(&dest),
        ]);
        assert_eq!(out.status.code(), Some(1), "{case}");
        assert!(!dest.exists(), "{case}: no destination");
        assert_eq!(entries(work.path()), ["sandbox"], "{case}: nothing outside");
        assert!(
            entries(dest.parent().unwrap()).is_empty(),
            "{case}: no leftovers"
        );
    }
}

/// The same negatives straight into the extractor, with no `verify` in front: its own guards
/// refuse each of them.
#[test]
fn the_extractor_refuses_hostile_artifacts_without_the_verifier() {
    let mut cases: Vec<&str> = HOSTILE.to_vec();
    cases.extend([
        "lay-008-gzip-bomb",
        "lay-008-zstd-bomb",
        "lay-009-backslash-name",
        "lay-009-non-utf8-name",
        "lay-002-truncated-tar",
        "lay-002-corrupt-gzip",
        "lay-006-block-device",
    ]);
    let limits = Limits {
        max_uncompressed_bytes: 64 << 20,
        ..Limits::default()
    };
    for case in cases {
        let work = tempfile::tempdir().unwrap();
        // Parents that do not exist yet: the refused unpack removes the ones it created.
        let dest = work.path().join("a/b/model");
        let layout =
            OciLayout::open(root().join(format!("fixtures/v1.0/model/{case}")), &limits).unwrap();
        let (_, manifest) = layout.select(Some("v1"), &limits).unwrap();
        let manifest = manifest.json.unwrap();
        let got = ai_interop::reference::unpack(
            &layout,
            &manifest,
            &dest,
            &UnpackOptions {
                limits: limits.clone(),
                ..Default::default()
            },
        );
        assert!(
            matches!(got, Err(UnpackError::Refused(_))),
            "{case}: {got:?}"
        );
        assert!(!dest.exists(), "{case}");
        assert!(
            entries(work.path()).is_empty(),
            "{case}: {:?}",
            entries(work.path())
        );
    }
}

/// The inode of a file: the same inode after a run means the run did not rewrite it.
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

/// An init container that runs twice: the second run of the same manifest finds its content
/// in place (verified, not trusted) and writes nothing; a tampered tree, another manifest,
/// is replaced whole, with nothing left beside it; someone else's files (no record) are refused.
#[test]
fn unpack_twice_is_idempotent_and_anything_else_is_replaced() {
    let work = tempfile::tempdir().unwrap();
    let dest = work.path().join("models");
    std::fs::create_dir(&dest).unwrap();
    let raw = "oci:fixtures/v1.0/model/pass-model-raw:v1";
    let raw_tree = || {
        let first = ai_interop(&["unpack", raw, s(&dest)]);
        assert_eq!(first.status.code(), Some(0), "{first:?}");
    };
    raw_tree();
    let weights = dest.join("model.safetensors");
    let before = (inode(&weights), std::fs::read(&weights).unwrap());
    let record = ".models.ai-interop-unpacked.json";
    assert_eq!(entries(work.path()), [record, "models"]);

    // The same manifest again: success, nothing rewritten.
    let again = ok(&["unpack", raw, s(&dest)]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing written"),
        "{again:?}"
    );
    assert_eq!(inode(&weights), before.0, "the weights were not rewritten");

    // A tree changed since (one byte appended): verified, so it is written again.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&weights)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"x"))
        .unwrap();
    let repaired = ok(&["unpack", raw, s(&dest)]);
    assert!(
        !String::from_utf8_lossy(&repaired.stdout).contains("nothing written"),
        "{repaired:?}"
    );
    assert_eq!(std::fs::read(&weights).unwrap(), before.1);
    assert_ne!(inode(&weights), before.0, "replaced, not patched");
    // An extra file is a change too.
    std::fs::write(dest.join("extra"), b"").unwrap();
    ok(&["unpack", raw, s(&dest)]);
    assert!(!dest.join("extra").exists());

    // Another manifest: its tree replaces the old one whole.
    ok(&[
        "unpack",
        "oci:fixtures/v1.0/model/pass-model-tar:v1",
        s(&dest),
    ]);
    let src = work.path().join("tar-alone");
    ok(&[
        "unpack",
        "oci:fixtures/v1.0/model/pass-model-tar:v1",
        s(&src),
    ]);
    assert_eq!(tree(&dest), tree(&src));
    // Tar layers too: the record took each file's digest as it was written, and a second run
    // that hashes the tree finds exactly that.
    let (name, _) = tree(&src)
        .into_iter()
        .find(|(n, _)| src.join(n).is_file())
        .expect("a file from a tar layer");
    let file = src.join(name);
    let written = inode(&file);
    let again = ok(&[
        "unpack",
        "oci:fixtures/v1.0/model/pass-model-tar:v1",
        s(&src),
    ]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing written"),
        "{again:?}"
    );
    assert_eq!(inode(&file), written);
    std::fs::remove_dir_all(&src).unwrap();
    std::fs::remove_file(work.path().join(".tar-alone.ai-interop-unpacked.json")).unwrap();
    assert_eq!(
        entries(work.path()),
        [record, "models"],
        "nothing left beside"
    );

    // Someone else's files, with no record: refused as a usage error (the user chose the
    // directory), and the content stays.
    std::fs::remove_file(work.path().join(record)).unwrap();
    std::fs::write(dest.join("stale"), b"old").unwrap();
    let out = ai_interop(&["unpack", raw, s(&dest)]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(dest.join("stale").exists());
    assert_eq!(entries(work.path()), ["models"]);
}

fn registry() -> Option<String> {
    match std::env::var("AI_INTEROP_TEST_REGISTRY") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but AI_INTEROP_TEST_REGISTRY is not set")
        }
        _ => {
            eprintln!("skipped: no registry (AI_INTEROP_TEST_REGISTRY unset)");
            None
        }
    }
}

/// pack → push → verify from the registry → unpack from the registry, byte for byte.
#[test]
fn pack_push_verify_unpack_through_a_registry() {
    let Some(url) = registry() else { return };
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    ok(&[
        "unpack",
        "oci:fixtures/v1.0/model/pass-model-tar:v1",
        s(&src),
    ]);
    let layout = format!("oci:{}:v1", s(&work.path().join("layout")));
    ok(&["pack", s(&src), &layout, "--metadata", &metadata()]);
    let reference = format!("{host}/ai-interop-test/reference-{}:v1", std::process::id());
    ok(&["push", &layout, &reference]);
    // Pushing again sends no blob.
    let again = ok(&["push", &layout, &reference]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 blobs sent"));
    ok(&["verify", &reference, "--require-lifecycle", "validated"]);
    let out = work.path().join("out");
    ok(&["unpack", &reference, s(&out)]);
    assert_eq!(tree(&out), tree(&src));
}

/// File times, owners and directory listing order do not leak into the artifact.
#[test]
fn pack_ignores_times_and_order() {
    let work = tempfile::tempdir().unwrap();
    let make = |name: &str, order: &[&str]| {
        let src = work.path().join(name).join("m");
        std::fs::create_dir_all(src.join("code")).unwrap();
        for f in order {
            std::fs::write(src.join(f), format!("content of {f}\n")).unwrap();
        }
        src
    };
    let a = make(
        "a",
        &["model.safetensors", "config.json", "code/x.py", "code/a.py"],
    );
    let b = make(
        "b",
        &["code/a.py", "code/x.py", "config.json", "model.safetensors"],
    );
    let touched = Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(b.join("model.safetensors"))
        .arg(b.join("code/a.py"))
        .status()
        .unwrap();
    assert!(touched.success());
    let la = work.path().join("la");
    let lb = work.path().join("lb");
    ok(&["pack", s(&a), &format!("oci:{}:v1", s(&la))]);
    ok(&["pack", s(&b), &format!("oci:{}:v1", s(&lb))]);
    assert_eq!(
        std::fs::read(la.join("index.json")).unwrap(),
        std::fs::read(lb.join("index.json")).unwrap()
    );
}

/// The `status` of each LRA requirement in `check`'s JSON report.
fn lora_statuses(report: &[u8]) -> BTreeMap<String, String> {
    let v: Value = serde_json::from_slice(report).expect("a JSON report");
    v["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"].as_str().unwrap().starts_with("LRA-"))
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A LoRA adapter pushed to a registry finds its base by the digest its `subject` names, in
/// the same repository (fetched by digest and checked once); pushed without its base, the
/// adapter breaks LRA-002 and the requirements that inspect the base are not decided on
/// bytes that are not there.
#[test]
fn a_lora_adapter_in_a_registry_finds_its_base_in_the_same_repository() {
    let Some(url) = registry() else { return };
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let repo = format!("{host}/ai-interop-test/lora-{}", std::process::id());
    let layout = "oci:fixtures/v1.0/lora/pass-lora-adapter";
    ok(&["push", &format!("{layout}:base"), &format!("{repo}:base")]);
    ok(&["push", &format!("{layout}:v1"), &format!("{repo}:v1")]);
    let check = |reference: &str| {
        let out = ai_interop(&[
            "check",
            reference,
            "--profile",
            "lora",
            "--format",
            "json",
            "--quiet",
        ]);
        (out.status.code(), lora_statuses(&out.stdout))
    };
    let (code, statuses) = check(&format!("{repo}:v1"));
    assert_eq!(code, Some(0), "{statuses:?}");
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    assert!(statuses.values().all(|s| s == "pass"), "{statuses:?}");

    // The same adapter in a repository that does not hold its base.
    let alone = format!("{host}/ai-interop-test/lora-alone-{}", std::process::id());
    ok(&["push", &format!("{layout}:v1"), &format!("{alone}:v1")]);
    let (code, statuses) = check(&format!("{alone}:v1"));
    assert_eq!(code, Some(1), "{statuses:?}");
    assert_eq!(statuses["LRA-001"], "pass");
    assert_eq!(statuses["LRA-002"], "fail");
    assert_ne!(statuses["LRA-003"], "pass", "{statuses:?}");
    assert_ne!(statuses["LRA-004"], "pass", "{statuses:?}");
}
