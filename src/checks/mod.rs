//! Checks: pure functions from [`Artifact`] facts to per-requirement marks.
//!
//! Each module covers one requirement family and shares one shape: a list of [`Check`] values
//! that declare the requirement IDs they decide. A requirement a check declares and does not mark
//! is a pass; checks mark `fail`, `error`, `skip` or `not-applicable` explicitly, so that a check
//! which forgets to look cannot go unnoticed by the fixtures.

pub(crate) mod agentic;
pub(crate) mod airgapped;
pub(crate) mod annotations;
pub(crate) mod bundles;
pub(crate) mod content;
pub(crate) mod descriptors;
pub(crate) mod evidence;
pub(crate) mod indexes;
pub(crate) mod layout;
pub(crate) mod lora;
pub(crate) mod manifest;
pub(crate) mod modelpack;
pub(crate) mod mountable;
pub(crate) mod openness;
pub(crate) mod prompts;
pub(crate) mod provenance;
pub mod sbom;
pub(crate) mod signatures;
pub(crate) mod skills;
pub(crate) mod support;
pub(crate) mod upstream;
pub(crate) mod variants;
pub(crate) mod workflows;

use crate::artifact::Artifact;
use crate::model::{Location, Status};

/// One test of any suite, the one shape of every table of tests: an artifact check
/// ([`Check`]), a registry suite test (`suites::registry::SuiteTest`), a tool-suite step
/// (`suites::report::Step`). The traceability matrix reads these tables and nothing else, so a
/// requirement a test stops covering is uncovered there too.
pub struct Test<Run> {
    /// Stable test ID, e.g. `manifest.structure` (for a family of tool steps, the pattern of
    /// its instances' IDs, e.g. `runtime.unpack.<case>`).
    pub id: &'static str,
    pub title: &'static str,
    /// The requirements it decides, by ID: a mark on any other is a suite defect.
    pub covers: &'static [&'static str],
    /// How it runs: a function for a check or a registry test; for a tool step, which of its
    /// requirements only a request to the adapter decides (its body is a closure over the
    /// adapter, given when it runs).
    pub run: Run,
}

/// One named unit of checking: a pure function of what it is given.
pub(crate) type Check = Test<fn(&CheckContext, &mut Marks)>;

/// What a check is given: the artifact's facts, and what the user brings that is no fact of the
/// artifact — the trust inputs (keys, roots, identity policy) signatures are verified against.
/// It reads as the artifact ([`std::ops::Deref`]), so a check that needs only facts does not see
/// the difference.
#[derive(Clone, Copy)]
pub struct CheckContext<'a> {
    pub artifact: &'a Artifact,
    pub trust: &'a crate::trust::inputs::TrustInputs,
}

impl std::ops::Deref for CheckContext<'_> {
    type Target = Artifact;
    fn deref(&self) -> &Artifact {
        self.artifact
    }
}

/// [`CheckContext`], owned: an artifact and the trust inputs its checks are given, for callers
/// that build both (tests, the evidence compliance matrix). It reads as the artifact.
#[cfg(test)]
pub(crate) struct OwnedContext {
    pub artifact: Artifact,
    pub trust: crate::trust::inputs::TrustInputs,
}

#[cfg(test)]
impl OwnedContext {
    /// What a check is given, borrowed.
    pub(crate) fn context(&self) -> CheckContext<'_> {
        CheckContext {
            artifact: &self.artifact,
            trust: &self.trust,
        }
    }
}

#[cfg(test)]
impl std::ops::Deref for OwnedContext {
    type Target = Artifact;
    fn deref(&self) -> &Artifact {
        &self.artifact
    }
}

#[cfg(test)]
impl std::ops::DerefMut for OwnedContext {
    fn deref_mut(&mut self) -> &mut Artifact {
        &mut self.artifact
    }
}

/// A mark a check puts on one requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub requirement: &'static str,
    pub status: Status,
    pub location: Location,
    pub message: String,
    /// The known producer variant the mark names ([`variants`]), if any.
    pub variant: Option<&'static str>,
}

/// The marks one check produced.
#[derive(Debug, Default)]
pub struct Marks {
    pub marks: Vec<Mark>,
    /// Set by [`Marks::strict`]: a covered requirement the check leaves unmarked is an `error`
    /// (the check forgot to look), not an implicit pass.
    pub unmarked_is_error: bool,
}

impl Marks {
    fn push(
        &mut self,
        requirement: &'static str,
        status: Status,
        location: Location,
        message: String,
    ) {
        self.marks.push(Mark {
            requirement,
            status,
            location,
            message,
            variant: None,
        });
    }
    /// A failure that a known producer variant may explain: with one, the message gains the
    /// variant's description and the mark carries its ID; without, it is a plain failure.
    pub(crate) fn fail_named(
        &mut self,
        requirement: &'static str,
        location: Location,
        message: impl Into<String>,
        variant: Option<&'static variants::Variant>,
    ) {
        let mut message = message.into();
        if let Some(v) = variant {
            message = format!("{message}: {}", v.describe());
        }
        self.push(requirement, Status::Fail, location, message);
        if let Some(last) = self.marks.last_mut() {
            last.variant = variant.map(|v| v.id);
        }
    }
    pub(crate) fn fail(
        &mut self,
        requirement: &'static str,
        location: Location,
        message: impl Into<String>,
    ) {
        self.push(requirement, Status::Fail, location, message.into());
    }
    pub(crate) fn error(
        &mut self,
        requirement: &'static str,
        location: Location,
        message: impl Into<String>,
    ) {
        self.push(requirement, Status::Error, location, message.into());
    }
    pub(crate) fn skip(&mut self, requirement: &'static str, reason: impl Into<String>) {
        self.push(
            requirement,
            Status::Skip,
            Location::default(),
            reason.into(),
        );
    }
    pub(crate) fn not_applicable(&mut self, requirement: &'static str, reason: impl Into<String>) {
        self.push(
            requirement,
            Status::NotApplicable,
            Location::default(),
            reason.into(),
        );
    }

    /// Record that the requirement held for one item, so that another item's not-applicable
    /// mark does not hide it.
    pub(crate) fn pass(&mut self, requirement: &'static str) {
        self.push(
            requirement,
            Status::Pass,
            Location::default(),
            String::new(),
        );
    }

    /// Declare that this check marks every requirement it decides explicitly (`pass` only after
    /// it looked): the engine then reports an unmarked requirement as an `error`. Every evidence
    /// check calls this first; the goal is that every check does.
    pub(crate) fn strict(&mut self) {
        self.unmarked_is_error = true;
    }

    /// Whether the check left the requirement without any mark.
    pub(crate) fn unmarked(&self, requirement: &str) -> bool {
        !self.marks.iter().any(|m| m.requirement == requirement)
    }

    /// The outcome of one requirement, its marks combined in the one order of verdicts
    /// ([`Status::gravity`]): error beats fail beats skip beats an explicit pass beats
    /// not-applicable; no mark at all is an implicit pass.
    pub fn outcome(&self, requirement: &str) -> Status {
        Status::gravest(
            self.marks
                .iter()
                .filter(|m| m.requirement == requirement)
                .map(|m| m.status),
        )
        .unwrap_or(Status::Pass)
    }
}

/// Every check, in report order.
pub fn all() -> Vec<&'static Check> {
    let mut out: Vec<&'static Check> = Vec::new();
    out.extend(
        CHECK_FAMILIES
            .iter()
            .chain(EVIDENCE_FAMILIES)
            .flat_map(|f| f.iter()),
    );
    out
}

/// The checks that read the artifact's evidence (its referrers, `artifact.evidence`), after
/// [`CHECK_FAMILIES`] in report order; those decide from the manifest, config and blobs alone.
const EVIDENCE_FAMILIES: &[&[Check]] = &[
    evidence::CHECKS,
    airgapped::CHECKS,
    signatures::CHECKS,
    sbom::CHECKS,
    provenance::CHECKS,
    openness::CHECKS,
    lora::CHECKS,
    upstream::CHECKS,
];

/// Whether evaluating `profile` runs a check that reads evidence: when not, a target's
/// referrers need not be looked up (`unpack` of a `core` artifact asks the registry for its
/// manifest and blobs only).
pub fn profile_reads_evidence(catalog: &crate::spec::Catalog, profile: &str) -> bool {
    let wanted: Vec<&str> = catalog
        .requirements
        .iter()
        .filter(|r| catalog.in_profile(r, profile))
        .map(|r| r.id.as_str())
        .collect();
    EVIDENCE_FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .any(|c| c.covers.iter().any(|id| wanted.contains(id)))
}

/// Every check that needs no evidence, in report order.
const CHECK_FAMILIES: &[&[Check]] = &[
    layout::CHECKS,
    manifest::CHECKS,
    descriptors::CHECKS,
    annotations::CHECKS,
    modelpack::CHECKS,
    content::CHECKS,
    skills::CHECKS,
    prompts::CHECKS,
    workflows::CHECKS,
    bundles::CHECKS,
    indexes::CHECKS,
    layout::LINK_CHECKS,
    mountable::CHECKS,
];

impl Marks {
    /// Mark every listed requirement not-applicable, e.g. when the document they inspect is absent.
    pub(crate) fn all_not_applicable(&mut self, requirements: &[&'static str], reason: &str) {
        for r in requirements {
            self.not_applicable(r, reason);
        }
    }
}

#[cfg(test)]
mod evidence_tests {
    use super::*;

    #[test]
    fn only_profiles_with_evidence_requirements_read_evidence() {
        let catalog = crate::spec::Catalog::embedded();
        assert!(!profile_reads_evidence(catalog, "core"));
        assert!(profile_reads_evidence(catalog, "trusted"));
        assert!(profile_reads_evidence(catalog, "regulated"));
    }

    /// The list above is complete: no other check marks a requirement for want of evidence
    /// facts, so skipping the referrers for a profile without these checks changes no verdict.
    #[test]
    fn no_other_check_reads_evidence() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/v1.0/model/pass-model-raw");
        let target = crate::load::open::TargetRef::Layout {
            dir: fixture,
            selector: Some("v1".into()),
        };
        let mut artifact = target
            .load(
                &Default::default(),
                &crate::inspect::InspectOptions { content: true },
            )
            .expect("the fixture loads");
        artifact.evidence = None;
        let trust = Default::default();
        let context = CheckContext {
            artifact: &artifact,
            trust: &trust,
        };
        let evidence: Vec<&str> = EVIDENCE_FAMILIES
            .iter()
            .flat_map(|f| f.iter())
            .map(|c| c.id)
            .collect();
        for check in all().into_iter().filter(|c| !evidence.contains(&c.id)) {
            let mut marks = Marks::default();
            (check.run)(&context, &mut marks);
            for mk in &marks.marks {
                assert!(
                    !mk.message.contains("evidence discovery"),
                    "{} reads evidence: {}",
                    check.id,
                    mk.message
                );
            }
        }
        // And the list's checks do: the probe would see one that does.
        let mut marks = Marks::default();
        (evidence::CHECKS[0].run)(&context, &mut marks);
        assert!(
            marks
                .marks
                .iter()
                .any(|mk| mk.message.contains("evidence discovery")),
            "{:?}",
            marks.marks
        );
    }
}
