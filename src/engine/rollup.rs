//! Per-profile roll-up: success, partial or failure, with statistics.

use crate::model::{Level, Status};
use crate::report::{ProfileResult, RequirementResult, Rollup, Statistics};
use crate::spec::{Catalog, ProfileStatus};
use std::collections::BTreeMap;

/// Roll up every profile whose requirements were all evaluated.
///
/// `applies` filters the catalog to the requirements of the target kind (e.g. artifact).
pub(crate) fn profile_results(
    catalog: &Catalog,
    evaluated: &[RequirementResult],
    applies: impl Fn(&crate::spec::Requirement) -> bool,
) -> Vec<ProfileResult> {
    let by_id: BTreeMap<&str, &RequirementResult> =
        evaluated.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut out = Vec::new();
    for profile in &catalog.profiles {
        let members: Vec<&crate::spec::Requirement> = catalog
            .requirements
            .iter()
            .filter(|r| applies(r) && catalog.in_profile(r, &profile.name))
            .collect();
        if members.is_empty() || !members.iter().all(|r| by_id.contains_key(r.id.as_str())) {
            continue;
        }
        let results: Vec<&RequirementResult> =
            members.iter().map(|r| by_id[r.id.as_str()]).collect();
        let mut statistics = Statistics::default();
        for r in &results {
            statistics.add(r.status);
        }
        out.push(ProfileResult {
            name: profile.name.clone(),
            extends: profile.extends.clone(),
            status: profile.status,
            result: roll(&results, profile.status),
            statistics,
        });
    }
    out
}

fn roll(results: &[&RequirementResult], status: ProfileStatus) -> Rollup {
    if results.iter().any(|r| r.status.breaks(r.level)) {
        return Rollup::Failure;
    }
    // Nothing of the profile applied to the target (a bundle under `core`): nothing was shown
    // to hold, so it is not a success.
    if results.iter().all(|r| r.status == Status::NotApplicable) {
        return Rollup::Partial;
    }
    let soft = results
        .iter()
        .any(|r| r.status == Status::Skip || (r.status == Status::Fail && r.level != Level::Must));
    if soft || status == ProfileStatus::Provisional {
        Rollup::Partial
    } else {
        Rollup::Success
    }
}

/// One sentence a person reads first.
pub fn summary(profiles: &[ProfileResult], claimed: &str) -> String {
    let verdict = |p: &ProfileResult| {
        let mut s = p.result.as_str().to_string();
        if p.statistics.nothing_applied() {
            s.push_str(" (nothing applied to this target)");
        }
        if p.status == ProfileStatus::Provisional {
            s.push_str(" (provisional profile)");
        }
        s
    };
    // The claimed profile once, then the others of its ladder (not the claimed one again).
    let others: Vec<String> = profiles
        .iter()
        .filter(|p| p.name != claimed)
        .map(|p| format!("{}: {}", p.name, verdict(p)))
        .collect();
    let claimed_verdict = profiles
        .iter()
        .find(|p| p.name == claimed)
        .map_or("not evaluated".to_string(), verdict);
    if others.is_empty() {
        format!("Claimed profile {claimed}: {claimed_verdict}.")
    } else {
        format!(
            "Claimed profile {claimed}: {claimed_verdict}. {}.",
            others.join("; ")
        )
    }
}

/// The sentence as reports before this change wrote it (every profile listed, the claimed one
/// again): accepted when a published report's roll-ups are recomputed.
pub(crate) fn summary_before_0_2(profiles: &[ProfileResult], claimed: &str) -> String {
    let parts: Vec<String> = profiles
        .iter()
        .map(|p| {
            let mut s = format!("{}: {}", p.name, p.result.as_str());
            if p.status == ProfileStatus::Provisional {
                s.push_str(" (provisional profile)");
            }
            s
        })
        .collect();
    let verdict = profiles
        .iter()
        .find(|p| p.name == claimed)
        .map_or("not evaluated", |p| p.result.as_str());
    format!(
        "Claimed profile {claimed}: {verdict}. {}.",
        parts.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::AppliesTo;

    fn req(id: &str, level: Level, status: Status) -> RequirementResult {
        RequirementResult {
            id: id.into(),
            level,
            profile: "core".into(),
            applies_to: vec![AppliesTo::Artifact],
            origin: None,
            status,
            tests: vec![],
            manifests: vec![],
            text: String::new(),
            source: String::new(),
        }
    }

    #[test]
    fn rollup_rules() {
        let pass = req("A", Level::Must, Status::Pass);
        let should_fail = req("B", Level::Should, Status::Fail);
        let must_fail = req("C", Level::Must, Status::Fail);
        let xpass = req("D", Level::Should, Status::Xpass);
        let xfail = req("E", Level::Must, Status::Xfail);
        assert_eq!(roll(&[&pass], ProfileStatus::Complete), Rollup::Success);
        assert_eq!(
            roll(&[&pass, &xfail], ProfileStatus::Complete),
            Rollup::Success
        );
        assert_eq!(roll(&[&pass], ProfileStatus::Provisional), Rollup::Partial);
        assert_eq!(
            roll(&[&pass, &should_fail], ProfileStatus::Complete),
            Rollup::Partial
        );
        assert_eq!(
            roll(&[&pass, &must_fail], ProfileStatus::Complete),
            Rollup::Failure
        );
        assert_eq!(roll(&[&xpass], ProfileStatus::Complete), Rollup::Failure);
    }
}
