//! Agent bundle members are judged before the bundle is: each member is an artifact of its own,
//! evaluated under the `agentic` profile (BND-005), and the BND checks read only the result.
//! Loading (`crate::bundle`) gathers the members' facts; running the engine over them is here,
//! so that facts flow one way, from the target to the checks to the engine.

use super::{EvalOptions, evaluate};
use crate::artifact::{Artifact, MemberFacts};
use crate::spec::Catalog;

/// The profile each member is evaluated with.
pub(crate) const MEMBER_PROFILE: &str = "agentic";

/// The bundle with every readable member judged, or `None` when there is nothing left to judge
/// (not a bundle, or every member already judged).
pub(crate) fn judge_members(
    catalog: &Catalog,
    bundle: &Artifact,
    options: &EvalOptions,
) -> Option<Artifact> {
    let members = bundle.bundle.as_ref()?;
    if !members
        .iter()
        .any(|m| m.breaking.is_none() && m.artifact.is_some())
    {
        return None;
    }
    let judged = members
        .iter()
        .map(|m| MemberFacts {
            breaking: m
                .breaking
                .clone()
                .or_else(|| m.artifact.as_deref().map(|a| breaking(catalog, a, options))),
            ..m.clone()
        })
        .collect();
    Some(Artifact {
        bundle: Some(judged),
        ..bundle.clone()
    })
}

/// The requirements that break the member's conformance (MUST failures and errors), each with
/// its status and the findings that say why.
fn breaking(catalog: &Catalog, member: &Artifact, options: &EvalOptions) -> Vec<(String, String)> {
    let ev = evaluate(
        catalog,
        member,
        &EvalOptions {
            profile: MEMBER_PROFILE.into(),
            trust: options.trust.clone(),
            ..Default::default()
        },
    );
    ev.requirements
        .iter()
        .filter(|r| r.status.breaks(r.level))
        .map(|r| {
            let why: Vec<String> = ev
                .findings()
                .filter(|f| f.requirement == r.id)
                .map(|f| f.message.clone())
                .collect();
            (r.id.clone(), format!("{} ({})", r.status, why.join("; ")))
        })
        .collect()
}
