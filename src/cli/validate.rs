//! `ai-interop validate <kind> <file>`: one document against the embedded schema and the
//! profile's rules for that document.

use super::Exit;
use super::validate_asset::{self, Asset, Problem, is_stdin};
use crate::artifact::{Artifact, BlobProblem, ConfigFacts, ContentFacts, LayerFacts};
use crate::digest::Digest;
use crate::document::Document;
use crate::engine::{self, EvalOptions};
use crate::model::{Finding, Status};
use crate::schemas::{self, SchemaKind};
use crate::spec::Catalog;
use clap::Args;
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;

#[derive(Args)]
pub struct ValidateArgs {
    /// What the document is: a schema kind, or an unpackaged agentic asset (`skill`: a skill
    /// directory, `prompt`: a template file, `workflow`: a workflow document).
    #[arg(value_enum)]
    pub kind: ValidateKind,
    /// The document (a directory for `skill`); `-` reads standard input.
    pub file: PathBuf,
    /// For `validate workflow`: the document's declared format.
    #[arg(long, default_value = "serverless-workflow")]
    pub workflow_format: String,
    /// `text` lines for a person, or `json` for a machine.
    #[arg(long, value_enum, default_value_t = ValidateFormat::Text)]
    pub format: ValidateFormat,
    /// The same as `--format json`.
    #[arg(long, hide = true)]
    pub json: bool,
    #[arg(long, default_value = "core", value_parser = super::profile_names())]
    pub profile: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
}

/// Everything `validate` reads: every schema of `schemas/v1.0/` by its short name, and the three
/// unpackaged agentic assets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateKind {
    Manifest,
    ModelpackConfig,
    #[value(name = "modelpack-config-v0.0.7")]
    ModelpackConfigV007,
    FileMetadata,
    Annotations,
    Report,
    FixtureCase,
    SkillFrontmatter,
    SkillConfig,
    PromptFrontmatter,
    WorkflowConfig,
    ServerlessWorkflow,
    Submission,
    AdapterRequest,
    AdapterReply,
    TrustPolicy,
    #[value(name = "spdx-2.3")]
    Spdx23,
    #[value(name = "spdx-3.0.1")]
    Spdx301,
    #[value(name = "cyclonedx-1.6")]
    Cyclonedx16,
    InTotoStatement,
    SlsaProvenance,
    MofConfig,
    /// A skill directory before packaging.
    Skill,
    /// A prompt template file before packaging.
    Prompt,
    /// A workflow document before packaging.
    Workflow,
}

impl ValidateKind {
    pub fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    /// The agentic asset of an asset kind; `None` for the schema kinds.
    pub fn asset(self) -> Option<Asset> {
        match self {
            ValidateKind::Skill => Some(Asset::Skill),
            ValidateKind::Prompt => Some(Asset::Prompt),
            ValidateKind::Workflow => Some(Asset::Workflow),
            _ => None,
        }
    }

    /// The schema of a schema kind; `None` for the agentic assets.
    pub fn schema(self) -> Option<SchemaKind> {
        SchemaKind::from_name(&self.name())
    }
}

impl ValidateArgs {
    fn json(&self) -> bool {
        self.json || self.format == ValidateFormat::Json
    }

    /// How the input is named in messages.
    pub(super) fn shown(&self) -> String {
        if is_stdin(&self.file) {
            "<stdin>".to_string()
        } else {
            self.file.display().to_string()
        }
    }
}

/// Requirement families that a lone document of each kind can decide.
fn requirement_prefixes(kind: SchemaKind) -> &'static [&'static str] {
    match kind {
        SchemaKind::Manifest => &["MAN-", "DSC-", "ANN-", "MPK-"],
        SchemaKind::Annotations => &["ANN-"],
        SchemaKind::ModelpackConfig | SchemaKind::ModelpackConfigV007 => &["MPK-003", "MPK-013"],
        _ => &[],
    }
}

pub fn run(args: ValidateArgs) -> Result<u8, Exit> {
    super::check_profile(&args.profile)?;
    if let Some(asset) = args.kind.asset() {
        let problems = validate_asset::run(asset, &args.file, &args.workflow_format)?;
        return Ok(print(&args, "", &problems));
    }
    let kind = args
        .kind
        .schema()
        .ok_or_else(|| Exit::harness(format!("{} has no schema", args.kind.name())))?;
    let doc = read_document(&args)?;
    // (where, message, breaks validity): SHOULD-level findings are warnings only.
    let mut problems: Vec<(String, String, bool)> = Vec::new();
    let value = match &doc.json {
        Err(e) => {
            problems.push(("document".into(), e.clone(), true));
            None
        }
        Ok(v) => Some(v.clone()),
    };
    if let Some(v) = &value {
        let violations = schemas::validate(kind, v);
        if !violations.is_empty()
            && let Some(other) = wrong_kind(kind, v)
        {
            return Ok(print(&args, kind.name(), &[other]));
        }
        let rules = rule_findings(kind, doc.clone(), v, &args.profile);
        for s in violations {
            // A rule that restates a schema violation (MPK-003 is "the config is valid against
            // its schema") names the requirement: say it once, there.
            if rules.iter().any(|f| f.message == s.message) {
                continue;
            }
            problems.push((
                format!("schema {}", or_root(&s.instance_pointer)),
                s.message,
                true,
            ));
        }
        for f in rules {
            let breaks = f.status.breaks(f.level);
            problems.push((
                format!("{} [{}] {}", f.requirement, f.level, f.location),
                f.message,
                breaks,
            ));
        }
    }
    Ok(print(&args, kind.name(), &problems))
}

/// The document named on the command line, or standard input for `-`, read up to the limit
/// every manifest and config is read to.
fn read_document(args: &ValidateArgs) -> Result<Document, Exit> {
    let limits = crate::document::Limits::default();
    let shown = args.shown();
    let doc = if is_stdin(&args.file) {
        // Stop after one byte past the limit: an endless stream cannot keep us reading.
        Document::from_reader(
            std::io::stdin().lock().take(limits.max_document_bytes + 1),
            &limits,
        )
    } else {
        // Only a regular file, and no more of it than any document may be.
        let bytes = crate::input::read_bounded(&args.file, limits.max_document_bytes)
            .map_err(|e| Exit::usage(e.to_string()))?;
        Ok(Document::from_bytes(bytes))
    };
    doc.map_err(|e| Exit::harness(format!("{shown}: {e}")))
}

/// What a document that fails `asked`'s schema looks like instead, when it clearly is another
/// kind: one problem saying so replaces a screenful of schema errors.
fn wrong_kind(asked: SchemaKind, v: &Value) -> Option<Problem> {
    let o = v.as_object()?;
    let has = |k: &str| o.contains_key(k);
    let (kind, what): (Option<SchemaKind>, &str) = if has("manifests") {
        (None, "an OCI image index (it has `manifests`)")
    } else if has("layers") || (has("schemaVersion") && has("config")) {
        (
            Some(SchemaKind::Manifest),
            "an OCI image manifest (it has `schemaVersion`, `config` and `layers`)",
        )
    } else if has("descriptor") || has("modelfs") {
        (
            Some(SchemaKind::ModelpackConfig),
            "a ModelPack model config (it has `descriptor` and `modelfs`)",
        )
    } else if o.get("kind").and_then(Value::as_str) == Some(crate::report::KIND) {
        (Some(SchemaKind::Report), "a conformance report")
    } else if has("expect") && has("generator") {
        (Some(SchemaKind::FixtureCase), "a fixture's case.json")
    } else if o.get("document").is_some_and(|d| d.get("dsl").is_some()) {
        (
            Some(SchemaKind::ServerlessWorkflow),
            "a Serverless Workflow document (it has `document.dsl`)",
        )
    } else if !o.is_empty() && o.iter().all(|(k, v)| k.contains('.') && v.is_string()) {
        (
            Some(SchemaKind::Annotations),
            "an annotations map (dotted keys, string values)",
        )
    } else {
        return None;
    };
    if kind == Some(asked) {
        return None;
    }
    let hint = match kind {
        Some(k) => format!("; validate it with `ai-interop validate {k} <file>`"),
        None => String::new(),
    };
    Some((
        "document".into(),
        format!("this is not a {asked}: it looks like {what}{hint}"),
        true,
    ))
}

/// Print problems as lines (or JSON) and return the exit code: 1 when one breaks validity.
pub(super) fn print(args: &ValidateArgs, kind: &str, problems: &[Problem]) -> u8 {
    let shown = args.shown();
    let kind = if kind.is_empty() {
        args.kind.name()
    } else {
        kind.to_string()
    };
    if args.json() {
        let items: Vec<Value> = problems
            .iter()
            .map(|(w, m, e)| serde_json::json!({"where": w, "message": m, "error": e}))
            .collect();
        let errors = problems.iter().filter(|(_, _, e)| *e).count();
        // A result object, also for a valid file: a bare `[]` said nothing about what was judged.
        let result = serde_json::json!({
            "file": shown,
            "kind": kind,
            "valid": errors == 0,
            "errors": errors,
            "warnings": problems.len() - errors,
            "problems": items,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
    } else {
        for (w, m, e) in problems {
            let tag = if *e { "error" } else { "warning" };
            println!("{shown}: {tag}: {w}: {m}");
        }
        let errors = problems.iter().filter(|(_, _, e)| *e).count();
        if errors == 0 {
            println!("{shown}: valid {kind}");
        } else {
            println!(
                "{shown}: not a valid {kind} ({errors} error{})",
                if errors == 1 { "" } else { "s" }
            );
        }
    }
    if problems.iter().any(|(_, _, e)| *e) {
        1
    } else {
        0
    }
}

fn or_root(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

/// Evaluate the profile's document-level rules on a synthetic artifact that holds only this
/// document; everything that needs blobs is not applicable.
fn rule_findings(kind: SchemaKind, doc: Document, value: &Value, profile: &str) -> Vec<Finding> {
    let prefixes = requirement_prefixes(kind);
    if prefixes.is_empty() {
        return Vec::new();
    }
    let unread = || {
        Err(BlobProblem::Unaddressable(
            "document-only validation reads no blobs".into(),
        ))
    };
    let artifact = match kind {
        SchemaKind::Manifest => {
            let layers = value
                .get("layers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            Artifact {
                target: "document".into(),
                layout: None,
                manifest_digest: Digest::sha256_of(doc.bytes.as_deref().unwrap_or_default()),
                manifest: doc,
                config: None,
                layers: (0..layers)
                    .map(|index| LayerFacts {
                        index,
                        blob: unread(),
                        content: ContentFacts::default(),
                    })
                    .collect(),
                bundle: None,
                evidence: None,
                index: None,
            }
        }
        SchemaKind::Annotations => {
            let manifest = Document::from_bytes(
                serde_json::to_vec(&serde_json::json!({ "annotations": value }))
                    .unwrap_or_default(),
            );
            synthetic(manifest, None)
        }
        _ => {
            let manifest = Document::from_bytes(br#"{"layers":[]}"#.to_vec());
            synthetic(
                manifest,
                Some(ConfigFacts {
                    blob: unread(),
                    document: Some(doc),
                }),
            )
        }
    };
    let options = EvalOptions {
        profile: profile.to_string(),
        ..Default::default()
    };
    let ev = engine::evaluate(Catalog::embedded(), &artifact, &options);
    ev.findings()
        .filter(|f| f.status == Status::Fail || f.status == Status::Error)
        .filter(|f| prefixes.iter().any(|p| f.requirement.starts_with(p)))
        .cloned()
        .collect()
}

fn synthetic(manifest: Document, config: Option<ConfigFacts>) -> Artifact {
    Artifact {
        target: "document".into(),
        layout: None,
        manifest_digest: Digest::sha256_of(manifest.bytes.as_deref().unwrap_or_default()),
        manifest,
        config,
        layers: Vec::new(),
        bundle: None,
        evidence: None,
        index: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_kind_can_be_validated() {
        use clap::ValueEnum;
        for k in SchemaKind::all() {
            assert!(
                ValidateKind::value_variants()
                    .iter()
                    .any(|v| v.schema() == Some(*k)),
                "validate cannot name {k}"
            );
        }
    }

    #[test]
    fn wrong_kinds_are_named() {
        let manifest = serde_json::json!({"schemaVersion": 2, "config": {}, "layers": []});
        let (_, m, e) = wrong_kind(SchemaKind::ModelpackConfig, &manifest).unwrap();
        assert!(e);
        assert!(m.contains("looks like an OCI image manifest"), "{m}");
        assert!(m.contains("validate manifest"), "{m}");
        assert_eq!(wrong_kind(SchemaKind::Manifest, &manifest), None);
        let index = serde_json::json!({"schemaVersion": 2, "manifests": []});
        assert!(wrong_kind(SchemaKind::Manifest, &index).is_some());
        // Nothing recognisable: the schema errors speak for themselves.
        assert_eq!(
            wrong_kind(SchemaKind::Manifest, &serde_json::json!({"x": 1})),
            None
        );
    }
}
