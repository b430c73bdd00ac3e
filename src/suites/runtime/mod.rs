//! The runtime suite (RUN-0xx): hand the runtime golden artifacts; positives must be unpacked
//! exactly, negatives refused with nothing left behind.

use super::files;
use super::report::{StepResult, at};
use super::tool::{blocked, describe, judge, skip_all};
use crate::checks::Marks;
use crate::targets::adapter::{
    Adapter, Command, Params, ReplyStatus, Sandbox, ToolInfo, copy_tree,
};
use std::path::Path;

/// Conformant artifacts a runtime must unpack (fixture case directories under `fixtures/v1.0`).
pub const POSITIVES: &[&str] = &[
    "model/pass-model-raw",
    "model/pass-model-tar",
    "skill/pass-skill",
    "prompt/pass-prompt",
    "workflow/pass-workflow",
];

/// Bad artifacts a runtime must refuse, and the requirement each one tests.
pub const NEGATIVES: &[(&str, &str)] = &[
    ("model/dsc-004-layer-bytes-changed", "RUN-003"),
    ("model/dsc-005-size-off-by-one", "RUN-004"),
    ("model/lay-004-parent-component", "RUN-005"),
    ("model/mpk-008-filepath-parent", "RUN-005"),
    ("model/lay-005-symlink-escape", "RUN-006"),
    ("model/lay-005-hardlink-escape", "RUN-006"),
    ("model/lay-003-absolute-path", "RUN-007"),
    ("model/mpk-008-filepath-absolute", "RUN-007"),
    ("model/mpk-006-weight-gguf-media-type", "RUN-008"),
];

/// The tag a fixture case's layout uses (`reference` in its `case.json`).
pub fn case_tag(case_dir: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(case_dir.join("case.json"))
        .map_err(|e| format!("{}: {e}", case_dir.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    v.get("reference")
        .and_then(|r| r.as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("{}: case.json names no reference", case_dir.display()))
}

pub struct RuntimeRun {
    pub steps: Vec<StepResult>,
    pub tool: Option<ToolInfo>,
}

/// Ask the runtime to unpack the layout at `layout` (tag `tag`) into `<sandbox>/out/dest`.
pub fn unpack(
    adapter: &Adapter,
    layout: &Path,
    tag: &str,
    sandbox: &Sandbox,
) -> Result<(crate::targets::adapter::Exchange, std::path::PathBuf), String> {
    let input = sandbox.input.join("layout");
    copy_tree(layout, &input).map_err(|e| format!("copying {}: {e}", layout.display()))?;
    let dest = sandbox.output.join("dest");
    let params = Params::default()
        .path("layout", &input)
        .set("tag", tag)
        .path("destination", &dest);
    Ok((
        adapter.request(Command::Unpack, params, sandbox, &[&dest]),
        dest,
    ))
}

pub fn run(adapter: &Adapter, fixtures: &Path, run_dir: &Path) -> RuntimeRun {
    let (step, tool) = describe(adapter, run_dir);
    let mut steps = vec![step];
    let Some(info) = tool.clone() else {
        return RuntimeRun { steps, tool };
    };
    steps.extend(super::tool::registry_step(adapter, &info));
    for case in POSITIVES {
        let name = case.rsplit('/').next().unwrap_or(case);
        let id = format!("runtime.unpack.{name}");
        let title = format!("Unpack the conformant artifact {case}: every file, byte for byte");
        let covers: &[&'static str] = &["ADP-001", "ADP-003", "ADP-004", "RUN-001", "RUN-002"];
        if let Some(why) = blocked(adapter, &info, "unpack") {
            steps.push(StepResult::run(id, title, &covers[3..], |m| {
                skip_all(m, &covers[3..], &why)
            }));
            continue;
        }
        steps.push(StepResult::run(id, title, covers, |m| {
            positive(adapter, &fixtures.join(case), name, run_dir, m)
        }));
    }
    for (case, requirement) in NEGATIVES {
        let name = case.rsplit('/').next().unwrap_or(case);
        let id = format!("runtime.refuse.{name}");
        let title = format!("Refuse {case} and leave nothing behind");
        let covers: Vec<&'static str> = vec!["ADP-001", "ADP-004", requirement, "RUN-009"];
        if let Some(why) = blocked(adapter, &info, "unpack") {
            steps.push(StepResult::run(id, title, &covers[2..], |m| {
                skip_all(m, &covers[2..], &why)
            }));
            continue;
        }
        steps.push(StepResult::run(id, title, &covers, |m| {
            negative(adapter, &fixtures.join(case), name, requirement, run_dir, m)
        }));
    }
    RuntimeRun { steps, tool }
}

fn sandbox_or_error(
    run_dir: &Path,
    m: &mut Marks,
    covers: &[&'static str],
    subject: &str,
) -> Option<Sandbox> {
    match Sandbox::new(Some(run_dir)) {
        Ok(s) => Some(s),
        Err(e) => {
            for r in covers {
                m.error(r, at(subject), format!("cannot make a sandbox: {e}"));
            }
            None
        }
    }
}

fn positive(adapter: &Adapter, case_dir: &Path, name: &str, run_dir: &Path, m: &mut Marks) {
    let judged: &[&'static str] = &["RUN-001", "RUN-002"];
    let Some(sandbox) = sandbox_or_error(run_dir, m, judged, name) else {
        return;
    };
    let prepared = case_tag(case_dir).and_then(|tag| {
        let expected = files::artifact_tree(case_dir, &tag)?;
        Ok((tag, expected))
    });
    let (tag, expected) = match prepared {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(name), format!("fixture: {e}"));
            }
            return;
        }
    };
    let (ex, dest) = match unpack(adapter, case_dir, &tag, &sandbox) {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(name), e.clone());
            }
            return;
        }
    };
    let Some(reply) = judge(&ex, m, name, judged) else {
        return;
    };
    if reply.status == ReplyStatus::Refused {
        m.fail(
            "RUN-001",
            at(name),
            ex.fault(&format!(
                "refused a conformant artifact (exit {}): {}",
                reply.exit_code.unwrap_or(-1),
                reply.message
            )),
        );
        m.fail(
            "RUN-002",
            at(name),
            "nothing was unpacked: the artifact was refused",
        );
        return;
    }
    match files::dir_tree(&dest) {
        Ok(got) => {
            let diff = files::differences(&expected, &got, true);
            if !diff.is_empty() {
                m.fail("RUN-002", at(name), files::first(&diff, 8));
            }
        }
        Err(e) => m.fail(
            "RUN-002",
            at(name),
            format!("the destination cannot be read: {e}"),
        ),
    }
}

fn negative(
    adapter: &Adapter,
    case_dir: &Path,
    name: &str,
    requirement: &'static str,
    run_dir: &Path,
    m: &mut Marks,
) {
    let judged: [&'static str; 2] = [requirement, "RUN-009"];
    let Some(sandbox) = sandbox_or_error(run_dir, m, &judged, name) else {
        return;
    };
    let unpacked = case_tag(case_dir).and_then(|tag| unpack(adapter, case_dir, &tag, &sandbox));
    let (ex, dest) = match unpacked {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(name), e.clone());
            }
            return;
        }
    };
    if !ex.outside_writes.is_empty() {
        m.fail(
            "RUN-009",
            at(name),
            format!(
                "written outside the destination: {}",
                files::first(&ex.outside_writes, 8)
            ),
        );
    }
    // A runtime refusing a bad artifact may well exit non-zero with `error`; what matters here
    // is that it did not accept it. Only a missing or malformed reply leaves this undecided.
    match &ex.reply {
        Err(fault) => {
            let why = ex.fault(fault);
            m.error("ADP-001", at(name), why.clone());
            for r in judged {
                m.error(r, at(name), why.clone());
            }
            return;
        }
        Ok(r) if r.status == ReplyStatus::Ok => m.fail(
            requirement,
            at(name),
            format!("accepted and unpacked the bad artifact {name} (reply `ok`)"),
        ),
        // The artifact never reached the tool (a registry-only tool, and the scratch registry
        // would not hold it): nothing is learnt about its refusal.
        Ok(r) if r.staged == Some(false) => m.skip(
            requirement,
            format!("not handed to the tool: {}", r.message),
        ),
        Ok(r) if r.status == ReplyStatus::Unsupported => m.fail(
            requirement,
            at(name),
            format!("answered `unsupported` instead of refusing: {}", r.message),
        ),
        Ok(_) => {}
    }
    match files::dir_tree(&dest) {
        Ok(t) if t.is_empty() => {}
        Ok(t) => m.fail(
            "RUN-009",
            at(name),
            format!(
                "{} file(s) left in the destination: {}",
                t.len(),
                files::first(&t.keys().cloned().collect::<Vec<_>>(), 5)
            ),
        ),
        Err(_) => {} // absent: nothing left behind
    }
}
