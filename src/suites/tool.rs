//! What every tool suite does with an adapter: ask it to describe itself, and turn each
//! exchange into marks on the protocol requirements (ADP-0xx).

use super::report::{Asking, Step, StepResult, at};
use crate::checks::Marks;
use crate::targets::adapter::{Adapter, Command, Exchange, Params, ReplyStatus, Sandbox, ToolInfo};
use std::path::Path;

/// The describe step: ADP-001 (a valid reply), ADP-002 (name, version, roles and capabilities
/// that fit the roles).
pub(crate) const DESCRIBE: Step = Step {
    id: "adapter.describe",
    title: "The adapter describes its tool: name, version, roles, capabilities",
    covers: &["ADP-001", "ADP-002"],
    run: Asking(&[]),
};

/// When the adapter's tool needs a scratch registry the suite does not have: the protocol
/// requirements no request can then decide.
pub const REGISTRY: Step = Step {
    id: "adapter.registry",
    title: "The adapter's tool speaks only to registries: a scratch registry is lent to it",
    covers: &["ADP-003", "ADP-004"],
    run: Asking(&[]),
};

/// When the suite made no request of the tool (nothing was in its declared scope): the
/// protocol requirements only a request decides, not-applicable.
pub(crate) const REQUESTS: Step = Step {
    id: "adapter.requests",
    title: "The requests the suite made of the adapter",
    covers: &["ADP-003", "ADP-004"],
    run: Asking(&[]),
};

/// The steps every tool suite may take.
pub(crate) const STEPS: &[&Step] = &[&DESCRIBE, &REGISTRY, &REQUESTS];

pub fn describe(adapter: &Adapter, run_dir: &Path) -> (StepResult, Option<ToolInfo>) {
    let mut tool = None;
    let step = DESCRIBE.start(DESCRIBE.id, DESCRIBE.title, |m| {
        let sandbox = match Sandbox::new(Some(run_dir)) {
            Ok(s) => s,
            Err(e) => {
                m.error(
                    "ADP-001",
                    at("describe"),
                    format!("cannot make a sandbox: {e}"),
                );
                m.error("ADP-002", at("describe"), "not asked");
                return;
            }
        };
        let ex = adapter.request(Command::Describe, Params::default(), &sandbox, &[]);
        let reply = match ex.ok() {
            Ok(r) => r.clone(),
            Err(why) => {
                // A protocol fault or a refusal to describe: nothing can be decided.
                m.error("ADP-001", at("describe"), why.clone());
                m.error("ADP-002", at("describe"), why);
                return;
            }
        };
        let Some(info) = reply.tool else {
            m.error("ADP-002", at("describe"), "no `tool` in the reply");
            return;
        };
        let mut problems = Vec::new();
        if info.has_role("packer") && !info.capabilities.iter().any(|c| c.starts_with("pack-")) {
            problems.push("role `packer` without any `pack-*` capability".to_string());
        }
        if info.has_role("transport") && !(info.has("push") && info.has("pull")) {
            problems.push("role `transport` without both `push` and `pull`".to_string());
        }
        if info.has_role("runtime") && !info.has("unpack") {
            problems.push("role `runtime` without `unpack`".to_string());
        }
        if !problems.is_empty() {
            m.fail("ADP-002", at("describe"), problems.join("; "));
        }
        tool = Some(info);
    });
    (step, tool)
}

/// Mark what an exchange tells about the protocol: a fault is `error` on `covers` (nothing
/// learnt) and on ADP-001; `unsupported` or `error` for a declared capability fails ADP-003;
/// writes outside the sandbox fail ADP-004. Returns the reply when it is `ok` or `refused`.
pub fn judge<'e>(
    ex: &'e Exchange,
    m: &mut Marks,
    subject: &str,
    covers: &[&'static str],
) -> Option<&'e crate::targets::adapter::Reply> {
    if !ex.outside_writes.is_empty() {
        m.fail(
            "ADP-004",
            at(subject),
            format!(
                "{} wrote outside its work directory: {}",
                ex.command.as_str(),
                super::files::first(&ex.outside_writes, 8)
            ),
        );
    }
    match &ex.reply {
        Err(fault) => {
            let why = ex.fault(fault);
            m.error("ADP-001", at(subject), why.clone());
            for r in covers {
                m.error(r, at(subject), why.clone());
            }
            None
        }
        Ok(r) => match r.status {
            ReplyStatus::Ok | ReplyStatus::Refused => Some(r),
            ReplyStatus::Unsupported | ReplyStatus::Error => {
                let why = format!(
                    "{} of a declared capability answered `{}`: {}",
                    ex.command.as_str(),
                    crate::targets::adapter::status_name(&r.status),
                    r.message
                );
                m.fail("ADP-003", at(subject), ex.fault(&why));
                for c in covers {
                    m.error(c, at(subject), format!("not decided: {why}"));
                }
                None
            }
        },
    }
}

/// Skip every requirement of a step whose capability the adapter lacks.
pub(crate) fn skip_all(m: &mut Marks, covers: &[&'static str], why: &str) {
    for r in covers {
        m.skip(r, why);
    }
}

/// Why a request for `capability` will not be made: the adapter lacks the capability (in its
/// own words), or its tool needs a scratch registry the suite does not have.
pub(crate) fn blocked(adapter: &Adapter, info: &ToolInfo, capability: &str) -> Option<String> {
    if !info.has(capability) {
        return Some(info.lacking(capability));
    }
    adapter.unreachable(info)
}

/// When the adapter's tool needs a scratch registry and the suite has none, the step that says
/// so: the protocol requirements no request can decide are `skip`, with the reason.
pub(crate) fn registry_step(adapter: &Adapter, info: &ToolInfo) -> Option<StepResult> {
    let why = adapter.unreachable(info)?;
    Some(
        REGISTRY.without_asking(REGISTRY.id, REGISTRY.title, |m, covers| {
            skip_all(m, covers, &why)
        }),
    )
}
