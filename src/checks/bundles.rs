//! BND-*: agent bundles, an image index of artifacts (provisional `agentic` extension).

use super::support::annotation;
use super::workflows::pinned;
use super::{Check, CheckContext, Marks};
use crate::artifact::{Artifact, MemberFacts};
use crate::bundle::BUNDLE_KIND;
use crate::model::{Location, pointer_token};
use crate::vocabulary::{ARTIFACT_TYPE, BUNDLE_ARTIFACT_TYPE, OCI_INDEX, PROFILE_VERSION};
use serde_json::Value;
use std::collections::BTreeSet;

pub const CHECKS: &[Check] = &[
    Check {
        id: "bundles.index",
        title: "The bundle is an image index with the bundle artifactType and the contract annotations",
        covers: &["BND-001", "BND-002"],
        run: index,
    },
    Check {
        id: "bundles.members",
        title: "Every member is a conformant image manifest in the layout, by digest; one workflow at most",
        covers: &["BND-003", "BND-004", "BND-005", "BND-006"],
        run: members,
    },
    Check {
        id: "bundles.closure",
        title: "The workflow's pinned OCI references name members of the bundle",
        covers: &["BND-007"],
        run: closure,
    },
];

/// The bundle's index document and member facts, or every covered requirement not applicable.
fn bundle<'a>(
    a: &'a Artifact,
    covers: &[&'static str],
    m: &mut Marks,
) -> Option<(&'a Value, &'a [MemberFacts])> {
    let Some(members) = &a.bundle else {
        m.all_not_applicable(covers, "the target is not an agent bundle");
        return None;
    };
    let Some(index) = a.manifest_json().filter(|v| v.is_object()) else {
        m.all_not_applicable(covers, "the bundle index is not a JSON object");
        return None;
    };
    Some((index, members))
}

fn index(a: &CheckContext, m: &mut Marks) {
    let Some((index, _)) = bundle(a, CHECKS[0].covers, m) else {
        return;
    };
    let expect = [
        ("schemaVersion", Value::from(2)),
        ("mediaType", Value::from(OCI_INDEX)),
        ("artifactType", Value::from(BUNDLE_ARTIFACT_TYPE)),
    ];
    for (key, want) in expect {
        let got = index.get(key);
        if got != Some(&want) {
            m.fail(
                "BND-001",
                Location::manifest(format!("/{key}")),
                format!("the bundle index's {key} is {got:?}, not {want}"),
            );
        }
    }
    let ann = index.get("annotations");
    let at = |k: &str| Location::manifest(format!("/annotations/{}", pointer_token(k)));
    match annotation(ann, PROFILE_VERSION).map(semver::Version::parse) {
        Some(Ok(v)) if v.major == 1 => {}
        Some(Ok(v)) => m.fail(
            "BND-002",
            at(PROFILE_VERSION),
            format!(
                "profile version {v} has major {}, this profile is major 1",
                v.major
            ),
        ),
        Some(Err(e)) => m.fail(
            "BND-002",
            at(PROFILE_VERSION),
            format!("{PROFILE_VERSION} is not SemVer: {e}"),
        ),
        None => m.fail(
            "BND-002",
            at(PROFILE_VERSION),
            format!("the bundle must carry {PROFILE_VERSION}"),
        ),
    }
    match annotation(ann, ARTIFACT_TYPE) {
        Some(BUNDLE_KIND) => {}
        other => m.fail(
            "BND-002",
            at(ARTIFACT_TYPE),
            format!("the bundle's {ARTIFACT_TYPE} is {other:?}, not {BUNDLE_KIND:?}"),
        ),
    }
}

fn members(a: &CheckContext, m: &mut Marks) {
    let covers = CHECKS[1].covers;
    let Some((index, members)) = bundle(a, covers, m) else {
        return;
    };
    let descriptors = index.get("manifests").and_then(Value::as_array);
    if members.is_empty() {
        m.all_not_applicable(covers, "the bundle has no members");
        return;
    }
    let mut workflows = Vec::new();
    for member in members {
        let at = Location::manifest(format!("/manifests/{}", member.index));
        if descriptors
            .and_then(|d| d.get(member.index))
            .and_then(|d| d.get("urls"))
            .is_some()
        {
            m.fail(
                "BND-004",
                at.clone()
                    .with_pointer(format!("/manifests/{}/urls", member.index)),
                "a member descriptor carries urls; members are referenced by digest only",
            );
        } else {
            m.pass("BND-004");
        }
        if let Some(why) = &member.unreadable {
            m.fail("BND-003", at, format!("the member is not usable: {why}"));
            continue;
        }
        m.pass("BND-003");
        let Some(breaking) = &member.breaking else {
            m.error(
                "BND-005",
                at,
                "suite defect: the member was not judged before the bundle checks ran",
            );
            continue;
        };
        if breaking.is_empty() {
            m.pass("BND-005");
        } else {
            let list: Vec<String> = breaking
                .iter()
                .map(|(id, why)| format!("{id} {why}"))
                .collect();
            m.fail(
                "BND-005",
                at.clone(),
                format!(
                    "the member is not conformant under the agentic profile: {}",
                    list.join("; ")
                ),
            );
        }
        if member.kind.as_deref() == Some("workflow") {
            workflows.push(member.index);
        }
    }
    if workflows.len() > 1 {
        m.fail(
            "BND-006",
            Location::manifest("/manifests"),
            format!(
                "the bundle holds {} workflow members (at /manifests/{}); at most one is allowed",
                workflows.len(),
                workflows
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", /manifests/")
            ),
        );
    }
}

fn closure(a: &CheckContext, m: &mut Marks) {
    let Some((index, members)) = bundle(a, CHECKS[2].covers, m) else {
        return;
    };
    let digests: BTreeSet<&str> = index
        .get("manifests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| d.get("digest").and_then(Value::as_str))
        .collect();
    let workflows: Vec<&MemberFacts> = members
        .iter()
        .filter(|w| w.kind.as_deref() == Some("workflow"))
        .collect();
    if workflows.is_empty() {
        m.not_applicable("BND-007", "the bundle has no workflow member");
        return;
    }
    let mut any = false;
    for w in workflows {
        for (at, r) in &w.references {
            // An unpinned reference is WFL-008's, decided inside the member (BND-005).
            if pinned(r).is_err() {
                continue;
            }
            any = true;
            let digest = r.rsplit_once('@').map_or("", |(_, d)| d);
            if digests.contains(digest) {
                m.pass("BND-007");
            } else {
                m.fail(
                    "BND-007",
                    Location::manifest(format!("/manifests/{}", w.index)).with_pointer(at.clone()),
                    format!(
                        "the workflow's reference {r:?} names {digest}, which is not a member of \
                         the bundle"
                    ),
                );
            }
        }
    }
    if !any {
        m.not_applicable(
            "BND-007",
            "the workflow holds no OCI reference pinned by digest",
        );
    }
}
