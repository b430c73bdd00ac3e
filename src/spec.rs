//! The requirement catalog, loaded from the normative text in `spec/` (embedded at build time).
//!
//! The Markdown is the one source of truth. A requirement is a list item of the form
//!
//! ```text
//! - [MAN-001] **MUST** (artifact; core) The manifest's `schemaVersion` MUST be `2`.
//! ```
//!
//! optionally continued on indented lines. Profiles are rows of the table under the heading
//! `## Profile ladder` in `profiles.md`; upstream profiles (an upstream text at a recorded
//! revision) are rows of the table under `## Upstream profiles`, and their members are the
//! requirement IDs of the third column of a `## Key mapping` table whose header names the profile
//! (`upstream.md`).

use crate::model::Level;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The spec version this binary carries.
pub(crate) const SPEC_VERSION: &str = "1.0";

/// The spec files, embedded so that the binary needs nothing from disk or network.
pub(crate) const SPEC_FILES: &[(&str, &str)] = &[
    ("README.md", include_str!("../spec/v1.0/README.md")),
    ("profiles.md", include_str!("../spec/v1.0/profiles.md")),
    ("layout.md", include_str!("../spec/v1.0/layout.md")),
    ("manifest.md", include_str!("../spec/v1.0/manifest.md")),
    (
        "annotations.md",
        include_str!("../spec/v1.0/annotations.md"),
    ),
    ("modelpack.md", include_str!("../spec/v1.0/modelpack.md")),
    ("layers.md", include_str!("../spec/v1.0/layers.md")),
    ("registry.md", include_str!("../spec/v1.0/registry.md")),
    ("skills.md", include_str!("../spec/v1.0/skills.md")),
    ("prompts.md", include_str!("../spec/v1.0/prompts.md")),
    ("workflows.md", include_str!("../spec/v1.0/workflows.md")),
    ("bundles.md", include_str!("../spec/v1.0/bundles.md")),
    ("indexes.md", include_str!("../spec/v1.0/indexes.md")),
    ("adapters.md", include_str!("../spec/v1.0/adapters.md")),
    ("signatures.md", include_str!("../spec/v1.0/signatures.md")),
    ("evidence.md", include_str!("../spec/v1.0/evidence.md")),
    ("airgapped.md", include_str!("../spec/v1.0/airgapped.md")),
    ("sbom.md", include_str!("../spec/v1.0/sbom.md")),
    ("provenance.md", include_str!("../spec/v1.0/provenance.md")),
    ("openness.md", include_str!("../spec/v1.0/openness.md")),
    ("lora.md", include_str!("../spec/v1.0/lora.md")),
    ("mountable.md", include_str!("../spec/v1.0/mountable.md")),
    ("upstream.md", include_str!("../spec/v1.0/upstream.md")),
];

/// What a requirement constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppliesTo {
    Artifact,
    Registry,
    Packer,
    Runtime,
    Transport,
}

impl AppliesTo {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "artifact" => Some(Self::Artifact),
            "registry" => Some(Self::Registry),
            "packer" => Some(Self::Packer),
            "runtime" => Some(Self::Runtime),
            "transport" => Some(Self::Transport),
            _ => None,
        }
    }
}

/// Whose rule a requirement is: an upstream specification the contract restates (a defect
/// against it is a defect against that spec, whatever this contract says), or this contract's
/// own rule (a disagreement with the contract only). Written as the optional third field of a
/// requirement's parenthesis, e.g. `(artifact; core; oci-image-spec)`; absent means `contract`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// OCI image-spec: manifests, descriptors, layers, indexes.
    OciImageSpec,
    /// OCI image-spec, image layout chapter.
    OciImageLayout,
    /// OCI distribution-spec: registries.
    OciDistributionSpec,
    /// CNCF ModelPack model-spec.
    Modelpack,
    /// Sigstore bundle and verification rules.
    Sigstore,
    /// Notary Project signature specification.
    Notary,
    /// OpenSSF model signing (OMS).
    ModelSigning,
    /// The CNCF initiative's draft of OCI annotation conventions, at the revision the spec
    /// tracks (`spec/v1.0/upstream.md`).
    CncfAnnotationsDraft,
    /// This contract's own rule.
    Contract,
}

impl Origin {
    pub(crate) const ALL: &[Origin] = &[
        Origin::OciImageSpec,
        Origin::OciImageLayout,
        Origin::OciDistributionSpec,
        Origin::Modelpack,
        Origin::Sigstore,
        Origin::Notary,
        Origin::ModelSigning,
        Origin::CncfAnnotationsDraft,
        Origin::Contract,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Origin::OciImageSpec => "oci-image-spec",
            Origin::OciImageLayout => "oci-image-layout",
            Origin::OciDistributionSpec => "oci-distribution-spec",
            Origin::Modelpack => "modelpack",
            Origin::Sigstore => "sigstore",
            Origin::Notary => "notary",
            Origin::ModelSigning => "model-signing",
            Origin::CncfAnnotationsDraft => "cncf-annotations-draft",
            Origin::Contract => "contract",
        }
    }

    /// For readers: "OCI image-spec", "this contract", …
    pub(crate) fn label(self) -> &'static str {
        match self {
            Origin::OciImageSpec => "OCI image-spec",
            Origin::OciImageLayout => "OCI image layout",
            Origin::OciDistributionSpec => "OCI distribution-spec",
            Origin::Modelpack => "ModelPack",
            Origin::Sigstore => "Sigstore",
            Origin::Notary => "Notary Project",
            Origin::ModelSigning => "OpenSSF model signing",
            Origin::CncfAnnotationsDraft => "the CNCF annotation draft",
            Origin::Contract => "this contract",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Origin> {
        Origin::ALL.iter().copied().find(|o| o.as_str() == s)
    }

    /// Whether a defect against the requirement breaks an upstream specification.
    pub(crate) fn is_upstream(self) -> bool {
        self != Origin::Contract
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Requirement {
    pub id: String,
    pub level: Level,
    pub applies_to: Vec<AppliesTo>,
    /// The profile that introduces the requirement; every profile extending it inherits it.
    pub profile: String,
    /// Whose rule it is.
    pub origin: Origin,
    pub text: String,
    /// `file.md` and the heading the requirement stands under.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileStatus {
    /// Every requirement the profile needs is written and checked.
    Complete,
    /// Requirements are still to come; the profile can roll up to `partial` at best.
    Provisional,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub name: String,
    pub extends: Option<String>,
    pub status: ProfileStatus,
    pub description: String,
    /// For an upstream profile: the upstream text and the revision it is exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream: Option<UpstreamSource>,
    /// For an upstream profile: its requirements, as its mapping table lists them. A ladder
    /// profile has none; its members follow from `extends`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<BTreeSet<String>>,
}

/// The upstream text an upstream profile is, at a recorded revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamSource {
    /// Where the text is, e.g. "cncf/toc pull request #2299, `annotations.md`".
    pub document: String,
    /// The revision (a commit) the profile is exactly.
    pub revision: String,
}

/// One row of an upstream profile's key mapping: an upstream key, its upstream level, and the
/// requirements of the upstream profile that decide it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamKey {
    /// The upstream profile whose mapping table lists the key.
    pub profile: String,
    pub key: String,
    /// The upstream level as the table writes it.
    pub level: String,
    pub requirements: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub version: String,
    pub profiles: Vec<Profile>,
    pub requirements: Vec<Requirement>,
    /// The key mappings of the upstream profiles, row by row.
    #[serde(rename = "upstreamKeys", skip_serializing_if = "Vec::is_empty")]
    pub upstream_keys: Vec<UpstreamKey>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub(crate) struct SpecError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl Catalog {
    /// The catalog of the embedded spec. The embedded text is tested, so a failure here is a
    /// build defect.
    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::parse(SPEC_FILES).unwrap_or_else(|e| panic!("embedded spec is invalid: {e}"))
        })
    }

    pub(crate) fn parse(files: &[(&str, &str)]) -> Result<Catalog, SpecError> {
        let item = Regex::new(
            r"^- \[(?P<id>[A-Z]{2,5}-\d{3})\] \*\*(?P<level>MUST|SHOULD|MAY)(?: NOT)?\*\* \((?P<applies>[a-z, ]+); (?P<profile>[a-z-]+)(?:; (?P<origin>[a-z-]+))?\) (?P<text>.+)$",
        )
        .expect("static regex");
        let loose = Regex::new(r"^\s*[-*]?\s*\[[A-Z]{2,5}-\d{3}\]").expect("static regex");
        let mut requirements: Vec<Requirement> = Vec::new();
        let mut profiles = Vec::new();
        let mut upstream_keys: Vec<UpstreamKey> = Vec::new();
        for (file, text) in files {
            let mut heading = String::new();
            let mut in_ladder = false;
            let mut in_upstream = false;
            // Under `## Key mapping`: the profile the table's header names, once read.
            let mut mapping: Option<Option<String>> = None;
            let mut current: Option<Requirement> = None;
            for (n, line) in text.lines().enumerate() {
                let err = |message: String| SpecError {
                    file: file.to_string(),
                    line: n + 1,
                    message,
                };
                if let Some(req) = current.as_mut() {
                    if line.starts_with("  ") && !line.trim().is_empty() {
                        req.text.push(' ');
                        req.text.push_str(line.trim());
                        continue;
                    }
                    requirements.push(current.take().expect("checked"));
                }
                if let Some(h) = line.strip_prefix('#') {
                    heading = h.trim_start_matches('#').trim().to_string();
                    in_ladder = heading == "Profile ladder";
                    in_upstream = heading == "Upstream profiles";
                    mapping = (heading == "Key mapping").then_some(None);
                    continue;
                }
                if in_ladder && line.starts_with('|') {
                    if let Some(p) = parse_profile_row(line).map_err(err)? {
                        profiles.push(p);
                    }
                    continue;
                }
                if in_upstream && line.starts_with('|') {
                    if let Some(p) = parse_upstream_profile_row(line).map_err(err)? {
                        profiles.push(p);
                    }
                    continue;
                }
                if let Some(table) = mapping.as_mut()
                    && line.starts_with('|')
                {
                    match table {
                        None => *table = Some(mapping_header(line).map_err(err)?),
                        Some(profile) => {
                            if let Some(row) = parse_mapping_row(profile, line).map_err(err)? {
                                upstream_keys.push(row);
                            }
                        }
                    }
                    continue;
                }
                if let Some(c) = item.captures(line) {
                    let level = Level::parse(&c["level"]).expect("regex");
                    let applies = c["applies"]
                        .split(',')
                        .map(|s| {
                            AppliesTo::parse(s.trim())
                                .ok_or_else(|| err(format!("unknown target {:?}", s.trim())))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    let origin = match c.name("origin") {
                        None => Origin::Contract,
                        Some(o) => Origin::parse(o.as_str())
                            .ok_or_else(|| err(format!("unknown origin {:?}", o.as_str())))?,
                    };
                    current = Some(Requirement {
                        id: c["id"].to_string(),
                        level,
                        applies_to: applies,
                        profile: c["profile"].to_string(),
                        origin,
                        text: c["text"].to_string(),
                        source: format!("{file}#{heading}"),
                    });
                } else if loose.is_match(line) {
                    return Err(err(format!(
                        "line looks like a requirement but does not follow the form \
                         `- [ID] **LEVEL** (targets; profile[; origin]) text`: {line}"
                    )));
                }
            }
            if let Some(req) = current.take() {
                requirements.push(req);
            }
        }
        for p in profiles.iter_mut().filter(|p| p.upstream.is_some()) {
            p.members = Some(
                upstream_keys
                    .iter()
                    .filter(|k| k.profile == p.name)
                    .flat_map(|k| k.requirements.iter().cloned())
                    .collect(),
            );
        }
        let catalog = Catalog {
            version: SPEC_VERSION.to_string(),
            profiles,
            requirements,
            upstream_keys,
        };
        catalog.validate()?;
        Ok(catalog)
    }

    fn validate(&self) -> Result<(), SpecError> {
        let fail = |message: String| {
            Err(SpecError {
                file: "spec".into(),
                line: 0,
                message,
            })
        };
        if self.profiles.is_empty() {
            return fail("no profile ladder found".into());
        }
        let names: BTreeSet<&str> = self.profiles.iter().map(|p| p.name.as_str()).collect();
        for p in &self.profiles {
            if let Some(parent) = &p.extends
                && !names.contains(parent.as_str())
            {
                return fail(format!("profile {} extends unknown {parent}", p.name));
            }
        }
        let mut seen = BTreeSet::new();
        for r in &self.requirements {
            if !seen.insert(r.id.as_str()) {
                return fail(format!("requirement {} is defined twice", r.id));
            }
            if !names.contains(r.profile.as_str()) {
                return fail(format!("{} names unknown profile {}", r.id, r.profile));
            }
            // A requirement an upstream profile introduces belongs to it through its mapping
            // table, the one list of its members.
            if let Some(members) = self.profile(&r.profile).and_then(|p| p.members.as_ref())
                && !members.contains(&r.id)
            {
                return fail(format!(
                    "{} names the upstream profile {} but its key mapping does not list it",
                    r.id, r.profile
                ));
            }
            // The keyword must appear in the sentence itself, so the level is not only metadata.
            if !r.text.contains(r.level.as_str()) {
                return fail(format!(
                    "{}: level {} but the text does not use that keyword",
                    r.id, r.level
                ));
            }
        }
        for k in &self.upstream_keys {
            if !names.contains(k.profile.as_str()) {
                return fail(format!(
                    "the key mapping of unknown profile {} lists {}",
                    k.profile, k.key
                ));
            }
            for id in &k.requirements {
                if !seen.contains(id.as_str()) {
                    return fail(format!(
                        "the key mapping of {} maps {} to {id}, which the spec does not define",
                        k.profile, k.key
                    ));
                }
            }
        }
        for p in &self.profiles {
            if p.upstream.is_some() && p.members.as_ref().is_none_or(BTreeSet::is_empty) {
                return fail(format!("upstream profile {} has no key mapping", p.name));
            }
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The chain from `name` up to its root, `name` first.
    pub(crate) fn lineage(&self, name: &str) -> Vec<&Profile> {
        let mut out = Vec::new();
        let mut next = self.profile(name);
        while let Some(p) = next {
            if out.iter().any(|q: &&Profile| q.name == p.name) {
                break;
            }
            out.push(p);
            next = p.extends.as_deref().and_then(|e| self.profile(e));
        }
        out
    }

    /// Whether the requirement belongs to the profile (directly or by inheritance; for an
    /// upstream profile, when its mapping table lists it).
    pub fn in_profile(&self, requirement: &Requirement, profile: &str) -> bool {
        if let Some(members) = self.profile(profile).and_then(|p| p.members.as_ref()) {
            return members.contains(&requirement.id);
        }
        self.lineage(profile)
            .iter()
            .any(|p| p.name == requirement.profile)
    }
}

impl Requirement {
    /// Where the spec states the requirement, as a link relative to the repository root:
    /// `spec/v1.0/manifest.md#the-manifest-document` (the heading anchor as GitHub and most
    /// Markdown renderers derive it).
    pub(crate) fn spec_path(&self) -> String {
        let (file, heading) = self.source.split_once('#').unwrap_or((&self.source, ""));
        let mut path = format!("spec/v{SPEC_VERSION}/{file}");
        let anchor = heading_anchor(heading);
        if !anchor.is_empty() {
            path.push('#');
            path.push_str(&anchor);
        }
        path
    }
}

/// The anchor of a Markdown heading: lower case, spaces as `-`, and only letters, digits, `-`
/// and `_` kept.
pub(crate) fn heading_anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn parse_profile_row(line: &str) -> Result<Option<Profile>, String> {
    let cells: Vec<&str> = line
        .trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect();
    if cells.len() < 4 || cells[0] == "Profile" || cells[0].starts_with("---") {
        return Ok(None);
    }
    let name = cells[0].trim_matches('`').to_string();
    let extends = match cells[1].trim_matches('`') {
        "" | "—" | "-" => None,
        e => Some(e.to_string()),
    };
    let status = parse_status(&name, cells[2])?;
    Ok(Some(Profile {
        name,
        extends,
        status,
        description: cells[3].to_string(),
        upstream: None,
        members: None,
    }))
}

fn parse_status(name: &str, cell: &str) -> Result<ProfileStatus, String> {
    match cell {
        "complete" => Ok(ProfileStatus::Complete),
        "provisional" => Ok(ProfileStatus::Provisional),
        other => Err(format!("profile {name}: unknown status {other:?}")),
    }
}

fn table_cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

/// A row of `## Upstream profiles`: profile, upstream document, revision, status, meaning.
fn parse_upstream_profile_row(line: &str) -> Result<Option<Profile>, String> {
    let cells = table_cells(line);
    if cells.len() < 5 || cells[0] == "Profile" || cells[0].starts_with("---") {
        return Ok(None);
    }
    let name = cells[0].trim_matches('`').to_string();
    let revision = cells[2].trim_matches('`').to_string();
    if revision.is_empty() {
        return Err(format!("upstream profile {name}: no revision"));
    }
    Ok(Some(Profile {
        status: parse_status(&name, cells[3])?,
        extends: None,
        description: cells[4].to_string(),
        upstream: Some(UpstreamSource {
            document: cells[1].replace('`', ""),
            revision,
        }),
        members: None,
        name,
    }))
}

/// The header of a `## Key mapping` table: its third column names the upstream profile.
fn mapping_header(line: &str) -> Result<String, String> {
    let cells = table_cells(line);
    match cells.get(2) {
        Some(c) if c.starts_with('`') && c.ends_with('`') && c.len() > 2 => {
            Ok(c.trim_matches('`').to_string())
        }
        _ => Err(format!(
            "the key mapping's header must name its upstream profile in the third column, \
             in backticks: {line}"
        )),
    }
}

/// A row of a key mapping: the upstream key (in backticks), its upstream level and the
/// requirement IDs of the third column.
fn parse_mapping_row(profile: &str, line: &str) -> Result<Option<UpstreamKey>, String> {
    let cells = table_cells(line);
    if cells.first().is_some_and(|c| c.starts_with("---")) {
        return Ok(None);
    }
    if cells.len() < 3 {
        return Err(format!(
            "a key mapping row needs at least three cells: {line}"
        ));
    }
    let key = cells[0];
    if !(key.starts_with('`') && key.ends_with('`') && key.len() > 2) {
        return Err(format!(
            "a key mapping row must name a key in backticks: {line}"
        ));
    }
    static ID: OnceLock<Regex> = OnceLock::new();
    let id = ID.get_or_init(|| Regex::new(r"\b[A-Z]{2,5}-\d{3}\b").expect("static regex"));
    let requirements: Vec<String> = id
        .find_iter(cells[2])
        .map(|m| m.as_str().to_string())
        .collect();
    let key = key.trim_matches('`').to_string();
    if requirements.is_empty() {
        return Err(format!(
            "upstream key {key} has no requirement in the {profile} column"
        ));
    }
    Ok(Some(UpstreamKey {
        profile: profile.to_string(),
        key,
        level: cells[1].to_string(),
        requirements,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LADDER: &str = "## Profile ladder\n\n| Profile | Extends | Status | Meaning |\n|---|---|---|---|\n| `core` | — | complete | base |\n| `trusted` | `core` | provisional | signed |\n";

    #[test]
    fn parses_items_and_continuations() {
        let text = "# Manifest\n\n- [MAN-001] **MUST** (artifact; core) The `schemaVersion` MUST be\n  the number 2.\n- [MAN-002] **SHOULD** (artifact, registry; trusted) It SHOULD hold.\n";
        let c = Catalog::parse(&[("profiles.md", LADDER), ("m.md", text)]).unwrap();
        assert_eq!(c.requirements.len(), 2);
        assert_eq!(
            c.requirements[0].text,
            "The `schemaVersion` MUST be the number 2."
        );
        assert_eq!(
            c.requirements[1].applies_to,
            vec![AppliesTo::Artifact, AppliesTo::Registry]
        );
        assert!(c.in_profile(&c.requirements[0], "trusted"));
        assert!(!c.in_profile(&c.requirements[1], "core"));
    }

    #[test]
    fn origin_is_the_optional_third_field() {
        let text = "- [MAN-001] **MUST** (artifact; core; oci-image-spec) It MUST.\n- [MAN-002] **MUST** (artifact; core) It MUST.\n";
        let c = Catalog::parse(&[("profiles.md", LADDER), ("m.md", text)]).unwrap();
        assert_eq!(c.requirements[0].origin, Origin::OciImageSpec);
        assert_eq!(c.requirements[1].origin, Origin::Contract);
        let bad = "- [MAN-001] **MUST** (artifact; core; ietf) It MUST.\n";
        let e = Catalog::parse(&[("profiles.md", LADDER), ("m.md", bad)]).unwrap_err();
        assert!(e.message.contains("unknown origin"), "{e}");
    }

    #[test]
    fn rejects_malformed_item() {
        let text = "- [MAN-001] MUST (artifact; core) missing bold\n";
        let e = Catalog::parse(&[("profiles.md", LADDER), ("m.md", text)]).unwrap_err();
        assert!(e.message.contains("does not follow"), "{e}");
    }

    #[test]
    fn rejects_duplicates_and_keyword_mismatch() {
        let dup = "- [MAN-001] **MUST** (artifact; core) It MUST.\n- [MAN-001] **MUST** (artifact; core) It MUST.\n";
        assert!(Catalog::parse(&[("p.md", LADDER), ("m.md", dup)]).is_err());
        let mismatch = "- [MAN-001] **MUST** (artifact; core) It SHOULD.\n";
        assert!(Catalog::parse(&[("p.md", LADDER), ("m.md", mismatch)]).is_err());
    }

    #[test]
    fn spec_paths_name_file_and_heading_anchor() {
        let text =
            "## The `org.example` keys: rules\n\n- [MAN-001] **MUST** (artifact; core) It MUST.\n";
        let c = Catalog::parse(&[("profiles.md", LADDER), ("m.md", text)]).unwrap();
        assert_eq!(
            c.requirements[0].spec_path(),
            "spec/v1.0/m.md#the-orgexample-keys-rules"
        );
    }

    const UPSTREAM: &str = "## Upstream profiles\n\n| Profile | Upstream document | Revision | Status | Meaning |\n|---|---|---|---|---|\n| `draft` | example/spec #1, `a.md` | `abc1234` | complete | the draft |\n";

    #[test]
    fn upstream_profile_is_its_key_mapping() {
        let mapping = "## Key mapping\n\n| Key | Level | `draft` | Ours |\n|---|---|---|---|\n| `k.one` | MUST | MAN-001, UPS-001 | MAN-001 |\n| `k.two` | SHOULD | MAN-002 | — |\n\n- [MAN-001] **MUST** (artifact; core) It MUST.\n- [MAN-002] **SHOULD** (artifact; trusted) It SHOULD.\n- [MAN-003] **MUST** (artifact; core) It MUST.\n- [UPS-001] **MUST** (artifact; draft) It MUST.\n";
        let c = Catalog::parse(&[
            ("profiles.md", &format!("{LADDER}\n{UPSTREAM}")),
            ("u.md", mapping),
        ])
        .unwrap();
        let draft = c.profile("draft").unwrap();
        assert_eq!(
            draft.upstream,
            Some(UpstreamSource {
                document: "example/spec #1, a.md".into(),
                revision: "abc1234".into()
            })
        );
        assert_eq!(draft.extends, None);
        let ids = |p: &str| -> Vec<&str> {
            c.requirements
                .iter()
                .filter(|r| c.in_profile(r, p))
                .map(|r| r.id.as_str())
                .collect()
        };
        assert_eq!(ids("draft"), ["MAN-001", "MAN-002", "UPS-001"]);
        // The ladder keeps its own membership; the draft's own rule is not on it.
        assert_eq!(ids("core"), ["MAN-001", "MAN-003"]);
        assert_eq!(c.upstream_keys.len(), 2);
        assert_eq!(c.upstream_keys[1].key, "k.two");
    }

    #[test]
    fn upstream_mapping_errors() {
        let profiles = format!("{LADDER}\n{UPSTREAM}");
        let parse = |mapping: &str| {
            Catalog::parse(&[("profiles.md", profiles.as_str()), ("u.md", mapping)])
                .unwrap_err()
                .message
        };
        let head = "## Key mapping\n\n| Key | Level | `draft` |\n|---|---|---|\n";
        let e = parse(&format!("{head}| `k` | MUST | none yet |\n"));
        assert!(e.contains("has no requirement"), "{e}");
        let e = parse(&format!("{head}| `k` | MUST | MAN-009 |\n"));
        assert!(e.contains("does not define"), "{e}");
        let e = parse(&format!(
            "{head}| `k` | MUST | MAN-001 |\n\n- [MAN-001] **MUST** (artifact; core) It MUST.\n- [UPS-001] **MUST** (artifact; draft) It MUST.\n"
        ));
        assert!(e.contains("does not list it"), "{e}");
        let e = parse("## Key mapping\n\n| Key | Level | draft |\n");
        assert!(e.contains("third column"), "{e}");
        let e = Catalog::parse(&[("profiles.md", profiles.as_str())])
            .unwrap_err()
            .message;
        assert!(e.contains("no key mapping"), "{e}");
    }

    #[test]
    fn embedded_spec_loads() {
        let c = Catalog::embedded();
        assert!(!c.requirements.is_empty());
        assert!(c.profile("core").is_some());
    }

    #[test]
    fn every_spec_file_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/v1.0");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".md") {
                assert!(
                    SPEC_FILES.iter().any(|(f, _)| *f == name),
                    "{name} not embedded"
                );
            }
        }
    }
}
