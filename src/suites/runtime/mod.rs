//! The runtime suite (RUN-0xx): hand the runtime golden artifacts; positives must be unpacked
//! exactly, negatives refused with nothing left behind.

use super::files;
use super::report::{Asking, Step, StepResult, at};
use super::tool::{REQUESTS, blocked, describe, judge, skip_all};
use crate::checks::Marks;
use crate::targets::adapter::{
    Adapter, Command, Exchange, Params, ReplyStatus, Sandbox, ToolInfo, copy_tree,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Conformant artifacts a runtime must unpack (fixture case directories under `fixtures/v1.0`).
pub const POSITIVES: &[&str] = &[
    "model/pass-model-raw",
    "model/pass-model-tar",
    "skill/pass-skill",
    "prompt/pass-prompt",
    "workflow/pass-workflow",
];

/// A bad artifact a runtime must refuse, the requirement it tests, and its **control**: the
/// conformant case built from the same base (`generator.base` in `fixtures/v1.0/cases.yaml`)
/// without the defect. A refusal is evidence about the defect only when the runtime accepts
/// the control; a runtime that refuses both says nothing about the defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negative {
    pub case: &'static str,
    pub requirement: &'static str,
    pub control: &'static str,
    /// The defect in words, for findings.
    pub defect: &'static str,
}

const fn neg(
    case: &'static str,
    requirement: &'static str,
    control: &'static str,
    defect: &'static str,
) -> Negative {
    Negative {
        case,
        requirement,
        control,
        defect,
    }
}

/// Bad artifacts a runtime must refuse, each with the requirement it tests and its control.
pub const NEGATIVES: &[Negative] = &[
    neg(
        "model/dsc-004-layer-bytes-changed",
        "RUN-003",
        "model/pass-model-raw",
        "a layer whose bytes do not match its digest",
    ),
    neg(
        "model/dsc-005-size-off-by-one",
        "RUN-004",
        "model/pass-model-raw",
        "a layer whose size differs from its descriptor",
    ),
    neg(
        "model/lay-004-parent-component",
        "RUN-005",
        "model/pass-model-tar",
        "a tar entry that climbs out with `..`",
    ),
    neg(
        "model/mpk-008-filepath-parent",
        "RUN-005",
        "model/pass-model-raw",
        "a file path that climbs out with `..`",
    ),
    neg(
        "model/lay-005-symlink-escape",
        "RUN-006",
        "model/pass-model-tar",
        "a symbolic link pointing outside the destination",
    ),
    neg(
        "model/lay-005-hardlink-escape",
        "RUN-006",
        "model/pass-model-tar",
        "a hard link pointing outside the destination",
    ),
    neg(
        "model/lay-003-absolute-path",
        "RUN-007",
        "model/pass-model-tar",
        "a tar entry with an absolute path",
    ),
    neg(
        "model/mpk-008-filepath-absolute",
        "RUN-007",
        "model/pass-model-raw",
        "an absolute file path",
    ),
    neg(
        "model/mpk-006-weight-gguf-media-type",
        "RUN-008",
        "model/pass-model-raw",
        "a layer media type the runtime does not know",
    ),
];

/// The capability of a runtime that verifies signatures under a policy (RUN-010).
pub(crate) const VERIFY_SIGNATURES: &str = "verify-signatures";

/// RUN-010's pair: one manifest (the same digest), signed by a key the fixtures' trust policy
/// trusts, and without any signature. Accepting the signed one under the policy is the control
/// that makes refusing the unsigned one evidence about the signature.
pub const SIGNED: &str = "model/pass-signed-key-notary-oms";
pub const UNSIGNED: &str = "model/sig-001-unsigned";

/// A fixture case's artifact kind (`model/pass-model-raw` → `model`): the directory it is in.
pub(crate) fn case_kind(case: &str) -> &str {
    case.split('/').next().unwrap_or(case)
}

/// The profile a conformant artifact of `kind` meets (the packer suite's table).
fn kind_profile(kind: &str) -> &'static str {
    super::packer::SOURCES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("core", |(_, _, p)| p)
}

/// The step that judges the runtime's declared scope (RUN-011): `artifactKinds` missing fails
/// (silence must not dodge a failure); a list that leaves a kind out without a `scope` fails;
/// an empty list claims no part of the role and is `skip`, so the runtime roll-up can never
/// be `success`; a list of kinds passes.
pub(crate) fn scope_step(info: &ToolInfo) -> StepResult {
    SCOPE.start(SCOPE.id, SCOPE.title, |m| {
        let kinds = ["model", "skill", "prompt", "workflow"];
        match &info.artifact_kinds {
            None => m.fail(
                "RUN-011",
                at("describe"),
                format!(
                    "{} has the role `runtime` but its describe reply declares no `artifactKinds`: it would be held to every kind, and cannot claim a narrower scope",
                    info.name
                ),
            ),
            Some(declared) if declared.is_empty() => m.skip(
                "RUN-011",
                format!(
                    "{} claims no AI artifact kind: {}",
                    info.name,
                    info.scope.as_deref().unwrap_or("no scope given")
                ),
            ),
            Some(declared) => {
                let left_out = kinds.iter().any(|k| !declared.iter().any(|d| d == k));
                if left_out && info.scope.is_none() {
                    m.fail(
                        "RUN-011",
                        at("describe"),
                        format!(
                            "{} declares the kinds {} and leaves others out without a `scope` saying why",
                            info.name,
                            declared.join(", ")
                        ),
                    );
                } else {
                    m.pass("RUN-011");
                }
            }
        }
    })
}

/// A positive case handed to a runtime must be conformant: a runtime is judged only on
/// conformant artifacts. The broken requirements of the suite's own fixture, when any.
fn nonconformant(case_dir: &Path, kind: &str) -> Option<String> {
    let tag = match case_tag(case_dir) {
        Ok(t) => t,
        Err(e) => return Some(e),
    };
    match super::packer::judge_artifact_at(
        crate::spec::Catalog::embedded(),
        case_dir,
        &tag,
        kind_profile(kind),
    ) {
        Ok(broken) if broken.is_empty() => None,
        Ok(broken) => Some(format!(
            "it breaks {} requirement(s) of `{}`: {}",
            broken.len(),
            kind_profile(kind),
            files::first(&broken, 4)
        )),
        Err(e) => Some(format!("it cannot be read: {e}")),
    }
}

/// A fixture case's short name (`model/pass-model-raw` → `pass-model-raw`), for step ids and
/// findings.
pub(crate) fn case_name(case: &str) -> &str {
    case.rsplit('/').next().unwrap_or(case)
}

/// The tag a fixture case's layout uses (`reference` in its `case.json`).
pub(crate) fn case_tag(case_dir: &Path) -> Result<String, String> {
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
) -> Result<(Exchange, PathBuf), String> {
    unpack_with(adapter, layout, tag, sandbox, Params::default())
}

/// [`unpack`] with extra request fields (a signature policy).
fn unpack_with(
    adapter: &Adapter,
    layout: &Path,
    tag: &str,
    sandbox: &Sandbox,
    extra: Params,
) -> Result<(Exchange, PathBuf), String> {
    let input = sandbox.input.join("layout");
    copy_tree(layout, &input).map_err(|e| format!("copying {}: {e}", layout.display()))?;
    let dest = sandbox.output.join("dest");
    let params = extra
        .path("layout", &input)
        .set("tag", tag)
        .path("destination", &dest);
    Ok((
        adapter.request(Command::Unpack, params, sandbox, &[&dest]),
        dest,
    ))
}

/// What the runtime did with a defect-free control, kept for the run: each control is asked
/// once (a positive case's own step is its control verdict).
#[derive(Debug, Clone)]
enum Control {
    Accepted,
    Refused(String),
    Undecided(String),
}

impl Control {
    fn of(ex: &Exchange) -> Control {
        match &ex.reply {
            Ok(r) if r.status == ReplyStatus::Ok => Control::Accepted,
            Ok(r) if r.status == ReplyStatus::Refused => {
                Control::Refused(format!("exit {}: {}", r.exit_code.unwrap_or(-1), r.message))
            }
            Ok(r) => Control::Undecided(format!(
                "it answered `{}`: {}",
                crate::targets::adapter::status_name(&r.status),
                r.message
            )),
            Err(fault) => Control::Undecided(ex.fault(fault)),
        }
    }
}

/// The protocol requirements a request to the adapter decides.
const ASKED: &[&str] = &["ADP-001", "ADP-003", "ADP-004"];

/// The runtime's declared scope.
pub(crate) const SCOPE: Step = Step {
    id: "runtime.scope",
    title: "The runtime declares the artifact kinds it unpacks (its scope)",
    covers: &["RUN-011"],
    run: Asking(&[]),
};

/// Unpack a conformant artifact (once per positive case).
pub(crate) const UNPACK: Step = Step {
    id: "runtime.unpack.<case>",
    title: "Unpack a conformant artifact: every file, byte for byte",
    covers: &["ADP-001", "ADP-003", "ADP-004", "RUN-001", "RUN-002"],
    run: Asking(ASKED),
};

/// Refuse a bad artifact and leave nothing behind (once per negative case, each deciding the
/// one of RUN-003…RUN-008 its case tests, and RUN-009).
pub(crate) const REFUSE: Step = Step {
    id: "runtime.refuse.<case>",
    title: "Refuse a bad artifact and leave nothing behind",
    covers: &[
        "ADP-001", "ADP-004", "RUN-003", "RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008",
        "RUN-009",
    ],
    run: Asking(&["ADP-001", "ADP-004"]),
};

/// Under a signature policy, unpack the signed artifact and refuse the unsigned one: whether a
/// refusal (RUN-009) left nothing behind is known only by asking.
pub(crate) const SIGNATURE_POLICY: Step = Step {
    id: "runtime.signature-policy",
    title: "Under a signature policy, unpack a signed artifact and refuse the same one unsigned",
    covers: &["ADP-001", "ADP-003", "ADP-004", "RUN-010", "RUN-009"],
    run: Asking(&["ADP-001", "ADP-003", "ADP-004", "RUN-009"]),
};

/// The runtime suite's steps.
pub(crate) const STEPS: &[&Step] = &[&SCOPE, &UNPACK, &REFUSE, &SIGNATURE_POLICY];

/// What one refusal step decides: [`REFUSE`] narrowed to the requirement its case tests (the
/// others of RUN-003…RUN-008 are other cases').
fn refusal_decides(requirement: &str, asked: bool) -> Vec<&'static str> {
    REFUSE
        .decides(asked)
        .into_iter()
        .filter(|r| *r == requirement || !NEGATIVES.iter().any(|n| n.requirement == *r))
        .collect()
}

pub fn run(adapter: &Adapter, fixtures: &Path, run_dir: &Path) -> RuntimeRun {
    let (step, tool) = describe(adapter, run_dir);
    let mut steps = vec![step];
    let Some(info) = tool.clone() else {
        return RuntimeRun { steps, tool };
    };
    steps.extend(super::tool::registry_step(adapter, &info));
    steps.push(scope_step(&info));
    let mut controls: BTreeMap<&'static str, Control> = BTreeMap::new();
    for case in POSITIVES {
        let name = case_name(case);
        let id = format!("runtime.unpack.{name}");
        let title = format!("Unpack the conformant artifact {case}: every file, byte for byte");
        if let Some(why) = blocked(adapter, &info, "unpack") {
            steps.push(UNPACK.without_asking(id, title, |m, covers| skip_all(m, covers, &why)));
            continue;
        }
        if let Some(why) = info.out_of_scope(case_kind(case)) {
            steps.push(UNPACK.without_asking(id, title, |m, covers| {
                for r in covers {
                    m.not_applicable(r, why.clone());
                }
            }));
            continue;
        }
        if let Some(why) = nonconformant(&fixtures.join(case), case_kind(case)) {
            // The suite's defect, not the runtime's: nothing is asked of the runtime.
            steps.push(UNPACK.without_asking(id, title, |m, covers| {
                for r in covers {
                    m.error(
                        r,
                        at(name),
                        format!("the suite's positive {case} is not conformant, so it judges no runtime: {why}"),
                    );
                }
            }));
            continue;
        }
        steps.push(UNPACK.start(id, title, |m| {
            if let Some(c) = positive(adapter, &fixtures.join(case), name, run_dir, m) {
                controls.insert(case, c);
            }
        }));
    }
    for negative_case in NEGATIVES {
        let case = negative_case.case;
        let requirement = negative_case.requirement;
        let name = case_name(case);
        let id = format!("runtime.refuse.{name}");
        let title = format!("Refuse {case} and leave nothing behind");
        let unasked = refusal_decides(requirement, false);
        if let Some(why) = blocked(adapter, &info, "unpack") {
            steps.push(StepResult::run(id, title, &unasked, |m| {
                skip_all(m, &unasked, &why)
            }));
            continue;
        }
        if let Some(why) = info.out_of_scope(case_kind(case)) {
            steps.push(StepResult::run(id, title, &unasked, |m| {
                for r in &unasked {
                    m.not_applicable(r, why.clone());
                }
            }));
            continue;
        }
        steps.push(StepResult::run(
            id,
            title,
            &refusal_decides(requirement, true),
            |m| {
                let control = controls
                    .entry(negative_case.control)
                    .or_insert_with(|| {
                        probe(adapter, &fixtures.join(negative_case.control), run_dir)
                    })
                    .clone();
                negative(adapter, fixtures, negative_case, &control, run_dir, m)
            },
        ));
    }
    let id = SIGNATURE_POLICY.id;
    let title = format!(
        "Under a signature policy, unpack {SIGNED} (signed by a trusted key) and refuse {UNSIGNED} (the same manifest, unsigned)"
    );
    let blocked_by = [VERIFY_SIGNATURES, "unpack"]
        .into_iter()
        .find_map(|c| blocked(adapter, &info, c));
    let out_of_scope = info.out_of_scope(case_kind(SIGNED));
    steps.push(match (blocked_by, out_of_scope) {
        (_, Some(why)) => SIGNATURE_POLICY
            .without_asking(id, title, |m, covers| m.all_not_applicable(covers, &why)),
        (Some(why), None) => {
            SIGNATURE_POLICY.without_asking(id, title, |m, covers| skip_all(m, covers, &why))
        }
        (None, None) => SIGNATURE_POLICY.start(id, title, |m| {
            signature_policy(adapter, fixtures, run_dir, m)
        }),
    });
    // A runtime whose declared scope left the suite nothing to ask made no request: the
    // protocol requirements only a request decides are not-applicable, not undecided.
    let asked = REQUESTS.covers;
    if asked
        .iter()
        .all(|r| !steps.iter().any(|s| s.covers.contains(r)))
    {
        let why = format!(
            "no request was made of the tool: {}",
            info.scope
                .as_deref()
                .unwrap_or("nothing was in its declared scope")
        );
        steps.push(
            REQUESTS.without_asking(REQUESTS.id, REQUESTS.title, |m, covers| {
                m.all_not_applicable(covers, &why)
            }),
        );
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

/// Unpack a control that no positive step has asked for yet; marks nothing (the control is
/// not what the step judges).
fn probe(adapter: &Adapter, case_dir: &Path, run_dir: &Path) -> Control {
    let sandbox = match Sandbox::new(Some(run_dir)) {
        Ok(s) => s,
        Err(e) => return Control::Undecided(format!("cannot make a sandbox: {e}")),
    };
    match case_tag(case_dir).and_then(|tag| unpack(adapter, case_dir, &tag, &sandbox)) {
        Ok((ex, _)) => Control::of(&ex),
        Err(e) => Control::Undecided(e),
    }
}

/// The expected tree of a fixture case, and its tag.
fn expected(case_dir: &Path) -> Result<(String, files::Tree), String> {
    let tag = case_tag(case_dir)?;
    let tree = files::artifact_tree(case_dir, &tag)?;
    Ok((tag, tree))
}

/// RUN-001/002 on one conformant case; returns what the runtime did with it, as the control
/// of the negatives derived from it (`None` when it was never asked).
fn positive(
    adapter: &Adapter,
    case_dir: &Path,
    name: &str,
    run_dir: &Path,
    m: &mut Marks,
) -> Option<Control> {
    let judged: &[&'static str] = &["RUN-001", "RUN-002"];
    let sandbox = sandbox_or_error(run_dir, m, judged, name)?;
    let (tag, expected) = match expected(case_dir) {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(name), format!("fixture: {e}"));
            }
            return None;
        }
    };
    let (ex, dest) = match unpack(adapter, case_dir, &tag, &sandbox) {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(name), e.clone());
            }
            return None;
        }
    };
    let control = Control::of(&ex);
    let reply = judge(&ex, m, name, judged)?;
    if reply.status == ReplyStatus::Refused {
        m.fail(
            "RUN-001",
            at(name),
            refusal_of(&ex, reply, "a conformant artifact"),
        );
        m.fail(
            "RUN-002",
            at(name),
            "nothing was unpacked: the artifact was refused",
        );
        return Some(control);
    }
    exactly_unpacked(&expected, &dest, "RUN-002", name, m);
    Some(control)
}

/// "refused <what> (exit N): <message>", with the adapter's stderr tail as evidence.
fn refusal_of(ex: &Exchange, reply: &crate::targets::adapter::Reply, what: &str) -> String {
    ex.fault(&format!(
        "refused {what} (exit {}): {}",
        reply.exit_code.unwrap_or(-1),
        reply.message
    ))
}

/// The destination holds exactly `expected`, byte for byte; else `requirement` fails.
fn exactly_unpacked(
    expected: &files::Tree,
    dest: &Path,
    requirement: &'static str,
    name: &str,
    m: &mut Marks,
) {
    match files::dir_tree(dest) {
        Ok(got) => {
            let diff = files::differences(expected, &got, true);
            if !diff.is_empty() {
                m.fail(requirement, at(name), files::first(&diff, 8));
            }
        }
        Err(e) => m.fail(
            requirement,
            at(name),
            format!("the destination cannot be read: {e}"),
        ),
    }
}

fn negative(
    adapter: &Adapter,
    fixtures: &Path,
    case: &Negative,
    control: &Control,
    run_dir: &Path,
    m: &mut Marks,
) {
    let case_dir = fixtures.join(case.case);
    let name = case_name(case.case);
    let requirement = case.requirement;
    let judged: [&'static str; 2] = [requirement, "RUN-009"];
    let Some(sandbox) = sandbox_or_error(run_dir, m, &judged, name) else {
        return;
    };
    let unpacked = case_tag(&case_dir).and_then(|tag| unpack(adapter, &case_dir, &tag, &sandbox));
    let (ex, dest) = match unpacked {
        Ok(x) => x,
        Err(e) => {
            for r in judged {
                m.error(r, at(name), e.clone());
            }
            return;
        }
    };
    if !refused(&ex, &dest, name, requirement, m) {
        return;
    }
    // The refusal counts only when the runtime accepts the same artifact without the defect.
    match control {
        Control::Accepted => {}
        Control::Refused(why) => m.error(
            requirement,
            at(name),
            format!(
                "inconclusive: the runtime also refuses the defect-free control {}, so its refusal says nothing about {} (the control's refusal: {why})",
                case.control, case.defect
            ),
        ),
        Control::Undecided(why) => m.error(
            requirement,
            at(name),
            format!(
                "inconclusive: what the runtime does with the defect-free control {} is not known ({why}), so its refusal says nothing about {}",
                case.control, case.defect
            ),
        ),
    }
}

/// Judge the runtime's answer to a bad artifact: accepting it (or answering `unsupported`)
/// fails `requirement`; a write outside the destination, or anything left in it, fails
/// RUN-009. True when the runtime refused (the caller then asks whether the refusal is
/// evidence); false when it accepted or nothing could be learnt (already marked).
fn refused(
    ex: &Exchange,
    dest: &Path,
    name: &str,
    requirement: &'static str,
    m: &mut Marks,
) -> bool {
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
    let refused = match &ex.reply {
        Err(fault) => {
            let why = ex.fault(fault);
            m.error("ADP-001", at(name), why.clone());
            for r in [requirement, "RUN-009"] {
                m.error(r, at(name), why.clone());
            }
            return false;
        }
        Ok(r) if r.status == ReplyStatus::Ok => {
            m.fail(
                requirement,
                at(name),
                format!("accepted and unpacked the bad artifact {name} (reply `ok`)"),
            );
            false
        }
        // The artifact never reached the tool (a registry-only tool, and the scratch registry
        // would not hold it): nothing is learnt about its refusal.
        Ok(r) if r.staged == Some(false) => {
            m.skip(
                requirement,
                format!("not handed to the tool: {}", r.message),
            );
            false
        }
        Ok(r) if r.status == ReplyStatus::Unsupported => {
            m.fail(
                requirement,
                at(name),
                format!("answered `unsupported` instead of refusing: {}", r.message),
            );
            false
        }
        Ok(_) => true,
    };
    match files::dir_tree(dest) {
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
    refused
}

/// The request fields of the fixtures' signature policy, placed in `sandbox`: the trust
/// inputs of `fixtures/v1.0/trust/` copied in, `policy` naming a copy of its `policy.json`
/// without the keys, and `keys` naming those keys, so that both fields must be honoured.
fn signature_policy_params(fixtures: &Path, sandbox: &Sandbox) -> Result<Params, String> {
    let from = fixtures.join("trust");
    let to = sandbox.input.join("trust");
    copy_tree(&from, &to).map_err(|e| format!("copying {}: {e}", from.display()))?;
    let text = std::fs::read_to_string(from.join("policy.json"))
        .map_err(|e| format!("{}/policy.json: {e}", from.display()))?;
    let mut policy: Value = serde_json::from_str(&text).map_err(|e| format!("policy.json: {e}"))?;
    let keys: Vec<Value> = policy
        .as_object_mut()
        .and_then(|o| o.remove("keys"))
        .and_then(|k| k.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(|k| Value::from(to.join(k).display().to_string()))
        .collect();
    let written = to.join("runtime-signature-policy.json");
    let body = serde_json::to_vec_pretty(&policy).map_err(|e| e.to_string())?;
    std::fs::write(&written, body).map_err(|e| format!("{}: {e}", written.display()))?;
    Ok(Params::default()
        .path("policy", &written)
        .set("keys", Value::Array(keys)))
}

/// RUN-010: under the fixtures' signature policy the signed artifact is accepted and unpacked
/// exactly (the control), and the same manifest unsigned is refused with nothing left behind.
fn signature_policy(adapter: &Adapter, fixtures: &Path, run_dir: &Path, m: &mut Marks) {
    /// One unpack under the policy: the exchange, its destination, the expected tree, and the
    /// sandbox that holds them (the destination lives as long as it does).
    type Asked = (Exchange, PathBuf, files::Tree, Sandbox);
    let ask = |case: &str, m: &mut Marks| -> Option<Asked> {
        let name = case_name(case);
        let sandbox = sandbox_or_error(run_dir, m, &["RUN-010"], name)?;
        let case_dir = fixtures.join(case);
        let asked = expected(&case_dir).and_then(|(tag, tree)| {
            let params = signature_policy_params(fixtures, &sandbox)?;
            let (ex, dest) = unpack_with(adapter, &case_dir, &tag, &sandbox, params)?;
            Ok((ex, dest, tree))
        });
        match asked {
            Ok((ex, dest, tree)) => Some((ex, dest, tree, sandbox)),
            Err(e) => {
                m.error("RUN-010", at(name), e);
                None
            }
        }
    };
    let signed = case_name(SIGNED);
    if let Some(why) = nonconformant(&fixtures.join(SIGNED), case_kind(SIGNED)) {
        m.error(
            "RUN-010",
            at(signed),
            format!("the suite's signed control {SIGNED} is not conformant, so it judges no runtime: {why}"),
        );
        return;
    }
    let Some((ex, dest, tree, _sandbox)) = ask(SIGNED, m) else {
        return;
    };
    match judge(&ex, m, signed, &["RUN-010"]) {
        None => {} // undecided, marked by `judge`
        Some(r) if r.status == ReplyStatus::Refused => m.fail(
            "RUN-010",
            at(signed),
            refusal_of(
                &ex,
                r,
                "under the policy, the artifact signed by a key the policy trusts",
            ),
        ),
        Some(_) => exactly_unpacked(&tree, &dest, "RUN-010", signed, m),
    }
    // When the signed control was refused RUN-010 already fails on it: refusing the unsigned
    // artifact too proves nothing more, and accepting it is a second failure.
    let unsigned = case_name(UNSIGNED);
    let Some((ex, dest, _, _sandbox)) = ask(UNSIGNED, m) else {
        return;
    };
    refused(&ex, &dest, unsigned, "RUN-010", m);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn runtime(kinds: Option<&[&str]>, scope: Option<&str>) -> ToolInfo {
        ToolInfo {
            name: "t".into(),
            roles: vec!["runtime".into()],
            capabilities: vec!["unpack".into()],
            artifact_kinds: kinds.map(|k| k.iter().map(|s| s.to_string()).collect()),
            scope: scope.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn a_runtime_cannot_dodge_by_declaring_nothing() {
        let outcome = |t: &ToolInfo| scope_step(t).marks.outcome("RUN-011");
        // No declaration: held to every kind, and RUN-011 fails.
        let silent = runtime(None, None);
        assert_eq!(outcome(&silent), Status::Fail);
        assert_eq!(silent.out_of_scope("skill"), None);
        // Declares no kind: claims nothing, skip (never pass), everything out of scope.
        let none = runtime(Some(&[]), Some("container images"));
        assert_eq!(outcome(&none), Status::Skip);
        assert!(
            none.out_of_scope("model")
                .unwrap()
                .contains("container images")
        );
        // Leaves kinds out without saying why: fails.
        assert_eq!(outcome(&runtime(Some(&["model"]), None)), Status::Fail);
        let models = runtime(Some(&["model"]), Some("models only"));
        assert_eq!(outcome(&models), Status::Pass);
        assert_eq!(models.out_of_scope("model"), None);
        assert!(models.out_of_scope("prompt").is_some());
    }

    #[test]
    fn every_positive_is_conformant() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
        for case in POSITIVES.iter().chain([SIGNED].iter()) {
            assert_eq!(
                nonconformant(&fixtures.join(case), case_kind(case)),
                None,
                "{case}"
            );
        }
    }
}
