//! The embedded JSON Schemas (draft 2020-12) of spec v1.0 and the validators compiled from them.
//!
//! The schema files under `schemas/v1.0/` are compiled into the binary, so validation needs
//! nothing from disk or network: every validator is built once from the embedded text against a
//! registry holding only these schemas, with retrieval disabled. Format assertions are on
//! (draft 2020-12 treats `format` as an annotation unless told otherwise), so a `date-time` that is
//! not RFC 3339 is a violation. Patterns are run by the `regex` engine (linear time, no
//! backtracking); the schemas keep to the portable regex subset that it shares with ECMA-262.

use crate::digest::{Digest, Hasher};
use crate::model::pointer_token;
use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, PatternOptions, Registry, ValidationError, Validator};
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// The version directory the embedded schemas come from.
#[cfg(test)]
pub(crate) const SCHEMAS_VERSION: &str = "v1.0";

/// The prefix of every embedded schema's `$id`.
pub(crate) const ID_BASE: &str = "https://ai-interop.dev/schemas/v1.0/";

/// A violation message is cut to this many characters: messages quote the offending value, and a
/// hostile document can make that value arbitrarily large.
const MAX_MESSAGE_CHARS: usize = 400;

/// One of the embedded schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaKind {
    /// The ModelPack model config blob under the model-spec main branch's rules (every declared
    /// ModelPack version after v0.0.7).
    ModelpackConfig,
    /// The ModelPack model config blob under model-spec v0.0.7's rules (declared v0.0.7, or no
    /// version declared).
    #[serde(rename = "modelpack-config-v0.0.7")]
    ModelpackConfigV007,
    /// The JSON object in a layer's `org.cncf.model.file.metadata+json` annotation.
    FileMetadata,
    /// The profile's annotation contract over a manifest's `annotations`.
    Annotations,
    /// An OCI image manifest as the profile constrains it.
    Manifest,
    /// A golden fixture's `case.json`.
    FixtureCase,
    /// The JSON conformance report.
    Report,
    /// The YAML frontmatter of an agent skill's `SKILL.md`, as JSON.
    SkillFrontmatter,
    /// The config blob of a skill artifact.
    SkillConfig,
    /// The YAML frontmatter of a prompt template (and the prompt artifact's config).
    PromptFrontmatter,
    /// The config blob of a workflow artifact.
    WorkflowConfig,
    /// The frame of a CNCF Serverless Workflow DSL 1.0 document.
    ServerlessWorkflow,
    /// The implementation metadata of a conformance submission (`reports/<name>/submission.json`).
    Submission,
    /// One request of the adapter protocol (suite → packer, runtime or transport adapter).
    AdapterRequest,
    /// One reply of the adapter protocol (adapter → suite).
    AdapterReply,
    /// A trust policy file (`--policy`): trust inputs and the identity policy.
    TrustPolicy,
    /// The fields of an SPDX 2.3 JSON SBOM the suite relies on.
    #[serde(rename = "spdx-2.3")]
    Spdx23,
    /// The fields of an SPDX 3.0.1 JSON-LD SBOM the suite relies on (with the AI profile).
    #[serde(rename = "spdx-3.0.1")]
    Spdx301,
    /// The fields of a CycloneDX 1.5/1.6 JSON BOM the suite relies on.
    #[serde(rename = "cyclonedx-1.6")]
    Cyclonedx16,
    /// An in-toto Statement v1 (the payload of a provenance DSSE envelope).
    InTotoStatement,
    /// The required fields of a SLSA Provenance v1 predicate.
    SlsaProvenance,
    /// The model openness configuration file (Model Openness Framework).
    MofConfig,
}

const COUNT: usize = 22;

const ALL: [SchemaKind; COUNT] = [
    SchemaKind::ModelpackConfig,
    SchemaKind::ModelpackConfigV007,
    SchemaKind::FileMetadata,
    SchemaKind::Annotations,
    SchemaKind::Manifest,
    SchemaKind::FixtureCase,
    SchemaKind::Report,
    SchemaKind::SkillFrontmatter,
    SchemaKind::SkillConfig,
    SchemaKind::PromptFrontmatter,
    SchemaKind::WorkflowConfig,
    SchemaKind::ServerlessWorkflow,
    SchemaKind::Submission,
    SchemaKind::AdapterRequest,
    SchemaKind::AdapterReply,
    SchemaKind::TrustPolicy,
    SchemaKind::Spdx23,
    SchemaKind::Spdx301,
    SchemaKind::Cyclonedx16,
    SchemaKind::InTotoStatement,
    SchemaKind::SlsaProvenance,
    SchemaKind::MofConfig,
];

impl SchemaKind {
    /// Every kind, in the fixed order used by [`schemas_digest`].
    pub(crate) fn all() -> &'static [SchemaKind] {
        &ALL
    }

    /// The stable short name, e.g. `modelpack-config`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SchemaKind::ModelpackConfig => "modelpack-config",
            SchemaKind::ModelpackConfigV007 => "modelpack-config-v0.0.7",
            SchemaKind::FileMetadata => "file-metadata",
            SchemaKind::Annotations => "annotations",
            SchemaKind::Manifest => "manifest",
            SchemaKind::FixtureCase => "fixture-case",
            SchemaKind::Report => "report",
            SchemaKind::SkillFrontmatter => "skill-frontmatter",
            SchemaKind::SkillConfig => "skill-config",
            SchemaKind::PromptFrontmatter => "prompt-frontmatter",
            SchemaKind::WorkflowConfig => "workflow-config",
            SchemaKind::ServerlessWorkflow => "serverless-workflow",
            SchemaKind::Submission => "submission",
            SchemaKind::AdapterRequest => "adapter-request",
            SchemaKind::AdapterReply => "adapter-reply",
            SchemaKind::TrustPolicy => "trust-policy",
            SchemaKind::Spdx23 => "spdx-2.3",
            SchemaKind::Spdx301 => "spdx-3.0.1",
            SchemaKind::Cyclonedx16 => "cyclonedx-1.6",
            SchemaKind::InTotoStatement => "in-toto-statement",
            SchemaKind::SlsaProvenance => "slsa-provenance",
            SchemaKind::MofConfig => "mof-config",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<SchemaKind> {
        ALL.into_iter().find(|k| k.name() == name)
    }

    /// The file name under `schemas/v1.0/`, e.g. `manifest.schema.json`.
    pub(crate) fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// The schema's `$id`.
    pub(crate) fn id(self) -> String {
        format!("{ID_BASE}{}", self.file_name())
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for SchemaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The embedded text of one schema, exactly as stored in `schemas/v1.0/`.
pub(crate) fn source(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::ModelpackConfig => {
            include_str!("../schemas/v1.0/modelpack-config.schema.json")
        }
        SchemaKind::ModelpackConfigV007 => {
            include_str!("../schemas/v1.0/modelpack-config-v0.0.7.schema.json")
        }
        SchemaKind::FileMetadata => include_str!("../schemas/v1.0/file-metadata.schema.json"),
        SchemaKind::Annotations => include_str!("../schemas/v1.0/annotations.schema.json"),
        SchemaKind::Manifest => include_str!("../schemas/v1.0/manifest.schema.json"),
        SchemaKind::FixtureCase => include_str!("../schemas/v1.0/fixture-case.schema.json"),
        SchemaKind::Report => include_str!("../schemas/v1.0/report.schema.json"),
        SchemaKind::SkillFrontmatter => {
            include_str!("../schemas/v1.0/skill-frontmatter.schema.json")
        }
        SchemaKind::SkillConfig => include_str!("../schemas/v1.0/skill-config.schema.json"),
        SchemaKind::PromptFrontmatter => {
            include_str!("../schemas/v1.0/prompt-frontmatter.schema.json")
        }
        SchemaKind::WorkflowConfig => include_str!("../schemas/v1.0/workflow-config.schema.json"),
        SchemaKind::ServerlessWorkflow => {
            include_str!("../schemas/v1.0/serverless-workflow.schema.json")
        }
        SchemaKind::Submission => include_str!("../schemas/v1.0/submission.schema.json"),
        SchemaKind::AdapterRequest => include_str!("../schemas/v1.0/adapter-request.schema.json"),
        SchemaKind::AdapterReply => include_str!("../schemas/v1.0/adapter-reply.schema.json"),
        SchemaKind::TrustPolicy => include_str!("../schemas/v1.0/trust-policy.schema.json"),
        SchemaKind::Spdx23 => include_str!("../schemas/v1.0/spdx-2.3.schema.json"),
        SchemaKind::Spdx301 => include_str!("../schemas/v1.0/spdx-3.0.1.schema.json"),
        SchemaKind::Cyclonedx16 => include_str!("../schemas/v1.0/cyclonedx-1.6.schema.json"),
        SchemaKind::InTotoStatement => {
            include_str!("../schemas/v1.0/in-toto-statement.schema.json")
        }
        SchemaKind::SlsaProvenance => include_str!("../schemas/v1.0/slsa-provenance.schema.json"),
        SchemaKind::MofConfig => include_str!("../schemas/v1.0/mof-config.schema.json"),
    }
}

/// The parsed schema document.
pub(crate) fn schema(kind: SchemaKind) -> &'static Value {
    static PARSED: OnceLock<Vec<Value>> = OnceLock::new();
    &PARSED.get_or_init(|| {
        ALL.iter()
            .map(|k| {
                serde_json::from_str(source(*k))
                    .unwrap_or_else(|e| panic!("embedded schema {k} is not JSON: {e}"))
            })
            .collect()
    })[kind.index()]
}

/// A registry of every embedded schema under its `$id`, so that references between them resolve
/// from the embedded text and nothing else.
fn registry() -> &'static Registry<'static> {
    static REGISTRY: OnceLock<Registry<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        ALL.iter()
            .try_fold(Registry::new(), |builder, k| {
                builder.add(k.id(), schema(*k))
            })
            .and_then(|builder| builder.prepare())
            .unwrap_or_else(|e| panic!("embedded schema registry does not build: {e}"))
    })
}

fn build(kind: SchemaKind) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .with_registry(registry())
        .offline()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_pattern_options(PatternOptions::regex())
        .build(schema(kind))
        .map_err(|e| e.to_string())
}

/// The compiled validator of one schema, built on first use.
pub(crate) fn validator(kind: SchemaKind) -> &'static Validator {
    static VALIDATORS: [OnceLock<Validator>; COUNT] = [const { OnceLock::new() }; COUNT];
    VALIDATORS[kind.index()].get_or_init(|| {
        build(kind).unwrap_or_else(|e| panic!("embedded schema {kind} does not compile: {e}"))
    })
}

/// One way an instance fails a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaViolation {
    /// RFC 6901 pointer to the offending value in the instance (`""` is the root).
    pub instance_pointer: String,
    /// RFC 6901 pointer to the failing keyword in the schema, without `$ref` traversal.
    pub schema_pointer: String,
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_pointer.is_empty() {
            "/"
        } else {
            &self.instance_pointer
        };
        write!(f, "{at}: {} (schema {})", self.message, self.schema_pointer)
    }
}

/// Validate `instance` against one embedded schema. Returns every violation, sorted and without
/// duplicates, so the result is the same on every run; empty means valid.
pub fn validate(kind: SchemaKind, instance: &Value) -> Vec<SchemaViolation> {
    let mut out = Vec::new();
    for e in validator(kind).iter_errors(instance) {
        let instance_pointer = e.instance_path().as_str().to_string();
        let schema_pointer = e.schema_path().as_str().to_string();
        match e.kind() {
            // One violation per unexpected property, pointing at the property itself.
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                for key in unexpected {
                    out.push(SchemaViolation {
                        instance_pointer: format!("{instance_pointer}/{}", pointer_token(key)),
                        schema_pointer: schema_pointer.clone(),
                        message: truncate(format!("property {key:?} is not allowed here")),
                    });
                }
            }
            kind => out.push(SchemaViolation {
                message: message(&e, kind),
                instance_pointer,
                schema_pointer,
            }),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A readable message that never serializes a container: a hostile document may be deeply
/// nested or huge, and the library's default message quotes the offending value in full.
fn message(e: &ValidationError<'_>, kind: &ValidationErrorKind) -> String {
    if let ValidationErrorKind::Not { schema } = kind
        && let Some(why) = schema.get("description").and_then(Value::as_str)
    {
        return truncate(why.to_string());
    }
    let text = match e.instance().as_ref() {
        Value::Object(_) => e.masked_with("the object").to_string(),
        Value::Array(_) => e.masked_with("the array").to_string(),
        _ => e.to_string(),
    };
    truncate(text)
}

/// Whether `instance` satisfies one embedded schema.
pub(crate) fn is_valid(kind: SchemaKind, instance: &Value) -> bool {
    validator(kind).is_valid(instance)
}

fn truncate(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        message.truncate(cut);
        message.push('…');
    }
    message
}

/// The sha256 digest over every embedded schema, in [`SchemaKind::all`] order. Each schema
/// contributes its file name, a newline, its byte length in decimal, a newline and its exact
/// bytes, so renaming, reordering or editing any schema changes the digest.
pub(crate) fn schemas_digest() -> Digest {
    let mut h = Hasher::new("sha256").expect("sha256 is registered");
    for kind in SchemaKind::all() {
        let text = source(*kind);
        h.update(kind.file_name().as_bytes());
        h.update(b"\n");
        h.update(text.len().to_string().as_bytes());
        h.update(b"\n");
        h.update(text.as_bytes());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{
        ARTIFACT_TYPE, DOCKER_MANIFEST, FILEPATH, IMAGE_CREATED, IMAGE_TITLE, LIFECYCLE,
        MODEL_CONFIG, MODEL_MANIFEST, MODEL_WEIGHT_RAW, MOF_CLASS, MOF_COMPONENTS, MOF_VERSION,
        OCI_MANIFEST, PACKAGING, PROFILE_VERSION, PROVENANCE, SBOM, SIGNING,
    };
    use rstest::rstest;
    use serde_json::json;
    use std::collections::BTreeSet;

    const D1: &str = "sha256:0c5b8f5e7d7c3a1e9f2b4d6a8c0e2f4a6b8d0c2e4f6a8b0d2c4e6f8a0b2d4c6e";
    const D2: &str = "sha256:9e1d3c5b7a9f1e3d5c7b9a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d";

    /// Set `value` at `pointer`, creating the last token in its (existing) parent object.
    fn set(doc: &mut Value, pointer: &str, value: Value) {
        let (parent, key) = pointer.rsplit_once('/').expect("pointer has a token");
        let parent = doc.pointer_mut(parent).expect("parent exists");
        match parent {
            Value::Object(m) => {
                m.insert(key.to_string(), value);
            }
            Value::Array(a) => a[key.parse::<usize>().expect("index")] = value,
            _ => panic!("parent of {pointer} is a scalar"),
        }
    }

    fn remove(doc: &mut Value, pointer: &str) {
        let (parent, key) = pointer.rsplit_once('/').expect("pointer has a token");
        doc.pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|m| m.remove(key))
            .unwrap_or_else(|| panic!("nothing to remove at {pointer}"));
    }

    fn assert_valid(kind: SchemaKind, doc: &Value) {
        let v = validate(kind, doc);
        assert!(v.is_empty(), "{kind}: expected valid, got {v:#?}\n{doc:#}");
        assert!(is_valid(kind, doc));
    }

    /// Expect at least one violation, and one of them at (or below) `at`.
    fn assert_invalid_at(kind: SchemaKind, doc: &Value, at: &str) {
        let v = validate(kind, doc);
        assert!(
            !v.is_empty(),
            "{kind}: expected a violation at {at:?}\n{doc:#}"
        );
        assert!(!is_valid(kind, doc));
        assert!(
            v.iter()
                .any(|x| x.instance_pointer == at
                    || x.instance_pointer.starts_with(&format!("{at}/"))),
            "{kind}: no violation at {at:?}: {v:#?}"
        );
    }

    // ---- the schema set itself -------------------------------------------------------------

    #[rstest]
    fn every_schema_compiles_and_is_valid_2020_12(
        #[values(
            SchemaKind::ModelpackConfig,
            SchemaKind::ModelpackConfigV007,
            SchemaKind::FileMetadata,
            SchemaKind::Annotations,
            SchemaKind::Manifest,
            SchemaKind::FixtureCase,
            SchemaKind::Report,
            SchemaKind::Spdx23,
            SchemaKind::Spdx301,
            SchemaKind::Cyclonedx16,
            SchemaKind::InTotoStatement,
            SchemaKind::SlsaProvenance,
            SchemaKind::MofConfig
        )]
        kind: SchemaKind,
    ) {
        let s = schema(kind);
        assert_eq!(
            s["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{kind}"
        );
        if let Err(e) = jsonschema::meta::validate(s) {
            panic!("{kind} is not a valid 2020-12 schema: {e}");
        }
        build(kind).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let _ = validator(kind);
        for key in ["title", "description"] {
            assert!(
                s[key].as_str().is_some_and(|t| !t.trim().is_empty()),
                "{kind} lacks {key}"
            );
        }
    }

    #[test]
    fn ids_are_unique_and_stable() {
        let ids: BTreeSet<String> = SchemaKind::all()
            .iter()
            .map(|k| {
                let id = schema(*k)["$id"].as_str().expect("$id").to_string();
                assert_eq!(id, k.id(), "{k}");
                assert_eq!(
                    id,
                    format!(
                        "https://ai-interop.dev/schemas/v1.0/{}.schema.json",
                        k.name()
                    )
                );
                id
            })
            .collect();
        assert_eq!(ids.len(), SchemaKind::all().len());
    }

    #[test]
    fn names_round_trip() {
        let names = [
            "modelpack-config",
            "modelpack-config-v0.0.7",
            "file-metadata",
            "annotations",
            "manifest",
            "fixture-case",
            "report",
            "skill-frontmatter",
            "skill-config",
            "prompt-frontmatter",
            "workflow-config",
            "serverless-workflow",
            "submission",
            "adapter-request",
            "adapter-reply",
            "trust-policy",
            "spdx-2.3",
            "spdx-3.0.1",
            "cyclonedx-1.6",
            "in-toto-statement",
            "slsa-provenance",
            "mof-config",
        ];
        assert_eq!(SchemaKind::all().len(), names.len());
        for (kind, name) in SchemaKind::all().iter().zip(names) {
            assert_eq!(kind.name(), name);
            assert_eq!(SchemaKind::from_name(name), Some(*kind));
            assert_eq!(kind.to_string(), name);
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(name));
        }
        assert_eq!(SchemaKind::from_name("Manifest"), None);
        assert_eq!(SchemaKind::from_name(""), None);
    }

    #[test]
    fn disk_holds_exactly_the_embedded_set() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("schemas")
            .join(SCHEMAS_VERSION);
        let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
            .expect("schemas dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        let embedded: BTreeSet<String> = SchemaKind::all().iter().map(|k| k.file_name()).collect();
        assert_eq!(on_disk, embedded);
        for kind in SchemaKind::all() {
            let text = std::fs::read_to_string(dir.join(kind.file_name())).expect("read");
            assert_eq!(
                text,
                source(*kind),
                "{kind} on disk differs from the embedded text"
            );
        }
    }

    #[test]
    fn digest_is_sha256_and_deterministic() {
        let d = schemas_digest();
        assert_eq!(d.algorithm(), "sha256");
        d.check_registered().expect("well-formed sha256");
        assert_eq!(d, schemas_digest());
        // It covers names as well as bytes: the same bytes under other names hash differently.
        let mut h = Hasher::new("sha256").unwrap();
        for kind in SchemaKind::all() {
            h.update(source(*kind).as_bytes());
        }
        assert_ne!(d, h.finish());
    }

    #[test]
    fn resolution_is_offline() {
        let remote = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": "https://example.com/elsewhere.schema.json"
        });
        let built = jsonschema::options()
            .with_registry(registry())
            .offline()
            .build(&remote);
        assert!(
            built.is_err(),
            "a reference outside the embedded set must not resolve"
        );
        // A reference to an embedded schema resolves from the registry alone.
        let local = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": SchemaKind::FileMetadata.id()
        });
        jsonschema::options()
            .with_registry(registry())
            .offline()
            .build(&local)
            .expect("embedded schemas resolve offline");
    }

    #[test]
    fn violations_are_sorted_deduplicated_and_bounded() {
        let mut doc = manifest();
        set(&mut doc, "/schemaVersion", json!(1));
        set(&mut doc, "/layers/0/size", json!(-1));
        set(&mut doc, "/config/digest", json!("x".repeat(5000)));
        let v = validate(SchemaKind::Manifest, &doc);
        assert!(v.len() >= 3, "{v:#?}");
        assert!(v.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        assert_eq!(v, validate(SchemaKind::Manifest, &doc));
        assert!(
            v.iter()
                .all(|x| x.message.chars().count() <= MAX_MESSAGE_CHARS + 1)
        );
        assert!(v.iter().any(|x| x.message.ends_with('…')));
        assert!(v.iter().all(|x| x.schema_pointer.starts_with('/')));
    }

    /// Building and dropping a very deep `Value` recurses (serde_json), so that happens on a big
    /// stack; validation runs on a small one, which proves it does not walk the unconstrained
    /// depth (nor serialize it into a message).
    #[test]
    fn deeply_nested_documents_do_not_panic() {
        std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(|| {
                // Built by hand: `json!` would deep-copy the value at every step.
                let mut deep = Value::from("leaf");
                for _ in 0..10_000 {
                    let mut m = serde_json::Map::new();
                    m.insert("k".into(), deep);
                    deep = Value::Array(vec![Value::Object(m)]);
                }
                let mut fm = file_metadata();
                set(&mut fm, "/extra", deep.clone());
                let mut m = manifest();
                set(&mut m, "/annotations/deep", deep.clone());
                let mut r = report();
                set(&mut r, "/run/options/deep", deep.clone());
                std::thread::scope(|scope| {
                    std::thread::Builder::new()
                        .stack_size(1 << 20)
                        .spawn_scoped(scope, || {
                            for kind in SchemaKind::all() {
                                let v = validate(*kind, &deep);
                                assert!(!v.is_empty(), "{kind}");
                                assert!(v.iter().all(|x| x.message.len() < 200), "{v:#?}");
                            }
                            assert_valid(SchemaKind::FileMetadata, &fm);
                            assert_invalid_at(SchemaKind::Manifest, &m, "/annotations/deep");
                            assert_valid(SchemaKind::Report, &r);
                        })
                        .expect("spawn")
                        .join()
                        .expect("validation on a small stack");
                });
            })
            .expect("spawn")
            .join()
            .expect("no panic");
    }

    // ---- ModelPack config ------------------------------------------------------------------

    fn mp_minimal() -> Value {
        json!({
            "descriptor": { "name": "tiny-llm" },
            "config": {},
            "modelfs": { "type": "layers", "diffIds": [D1] }
        })
    }

    fn mp_full() -> Value {
        json!({
            "descriptor": {
                "createdAt": "2025-11-03T08:15:30Z",
                "authors": ["Ada Example <ada@example.org>", "Example Labs"],
                "vendor": "Example Labs",
                "family": "tiny",
                "name": "tiny-llm-1b-chat",
                "version": "1.2",
                "title": "Tiny LLM 1B Chat",
                "description": "A small chat model used as a conformance vector.",
                "docURL": "https://models.example.org/tiny/docs",
                "sourceURL": "https://git.example.org/tiny/tiny-llm",
                "datasetsURL": ["https://data.example.org/corpus-a", "https://data.example.org/corpus-b"],
                "revision": "4f1c2ab",
                "licenses": ["Apache-2.0", "MIT OR Apache-2.0"]
            },
            "config": {
                "architecture": "transformer",
                "format": "safetensors",
                "paramSize": "1.1B",
                "precision": "bfloat16",
                "quantization": "awq",
                "capabilities": {
                    "inputTypes": ["text"],
                    "outputTypes": ["text", "embedding"],
                    "knowledgeCutoff": "2025-06-30T23:59:59+02:00",
                    "reasoning": true,
                    "toolUsage": false,
                    "reward": false,
                    "languages": ["en", "fr", "sw"]
                }
            },
            "modelfs": { "type": "layers", "diffIds": [D1, D2] }
        })
    }

    fn mp_multimodal() -> Value {
        json!({
            "descriptor": { "name": "pixel-talker", "createdAt": "2024-02-29T12:00:00.250Z" },
            "config": {
                "paramSize": "13b",
                "capabilities": {
                    "inputTypes": ["text", "image", "audio", "video"],
                    "outputTypes": ["text", "image", "other"]
                }
            },
            "modelfs": { "type": "layers", "diffIds": [D2] }
        })
    }

    #[rstest]
    #[case::minimal(mp_minimal())]
    #[case::full(mp_full())]
    #[case::multimodal(mp_multimodal())]
    fn modelpack_valid(#[case] doc: Value) {
        assert_valid(SchemaKind::ModelpackConfig, &doc);
    }

    /// Upstream enforces none of these, so neither do we (the profile's checks do).
    #[rstest]
    #[case::diffid_not_a_digest("/modelfs/diffIds/0", json!("layer-one"))]
    #[case::param_size_free_text("/config/paramSize", json!("about a billion"))]
    #[case::precision_unknown_word("/config/precision", json!("float128"))]
    #[case::license_not_spdx("/descriptor/licenses", json!(["my own license"]))]
    #[case::format_free_text("/config/format", json!("pickle"))]
    #[case::urls_not_uris("/descriptor/docURL", json!("see the readme"))]
    #[case::descriptor_empty("/descriptor", json!({}))]
    #[case::config_empty("/config", json!({}))]
    #[case::capabilities_empty("/config/capabilities", json!({}))]
    #[case::empty_lists("/config/capabilities", json!({"inputTypes": [], "languages": []}))]
    fn modelpack_agrees_with_upstream_leniency(#[case] at: &str, #[case] value: Value) {
        let mut doc = mp_full();
        set(&mut doc, at, value);
        assert_valid(SchemaKind::ModelpackConfig, &doc);
    }

    #[rstest]
    #[case::version_is_number("/descriptor/version", json!(1.2))]
    #[case::revision_is_number("/descriptor/revision", json!(40))]
    #[case::created_at_slashes("/descriptor/createdAt", json!("2025/11/03 08:15:30"))]
    #[case::created_at_date_only("/descriptor/createdAt", json!("2025-11-03"))]
    #[case::created_at_no_offset("/descriptor/createdAt", json!("2025-11-03T08:15:30"))]
    #[case::authors_not_array("/descriptor/authors", json!("Ada Example"))]
    #[case::licenses_not_array("/descriptor/licenses", json!("Apache-2.0"))]
    #[case::doc_url_is_array("/descriptor/docURL", json!(["https://models.example.org/tiny/docs"]))]
    #[case::source_url_is_array("/descriptor/sourceURL", json!(["https://git.example.org/tiny"]))]
    #[case::datasets_url_not_array("/descriptor/datasetsURL", json!("https://data.example.org/corpus-a"))]
    #[case::param_size_is_number("/config/paramSize", json!(1_100_000_000u64))]
    #[case::precision_is_number("/config/precision", json!(16))]
    #[case::fs_type_not_layers("/modelfs/type", json!("tar"))]
    #[case::diff_ids_not_array("/modelfs/diffIds", json!(D1))]
    #[case::diff_ids_empty("/modelfs/diffIds", json!([]))]
    #[case::diff_id_not_string("/modelfs/diffIds/0", json!(7))]
    #[case::input_types_not_array("/config/capabilities/inputTypes", json!("text"))]
    #[case::output_types_not_array("/config/capabilities/outputTypes", json!("text"))]
    #[case::modality_unknown("/config/capabilities/inputTypes", json!(["text", "speech"]))]
    #[case::modality_wrong_case("/config/capabilities/outputTypes", json!(["Text"]))]
    #[case::knowledge_cutoff_month("/config/capabilities/knowledgeCutoff", json!("2025-06"))]
    #[case::knowledge_cutoff_date("/config/capabilities/knowledgeCutoff", json!("2025-06-30"))]
    #[case::reasoning_string("/config/capabilities/reasoning", json!("yes"))]
    #[case::tool_usage_number("/config/capabilities/toolUsage", json!(1))]
    #[case::reward_string("/config/capabilities/reward", json!("false"))]
    #[case::languages_not_array("/config/capabilities/languages", json!("en"))]
    #[case::language_three_letters("/config/capabilities/languages", json!(["en", "eng"]))]
    #[case::language_uppercase("/config/capabilities/languages", json!(["EN"]))]
    #[case::language_region("/config/capabilities/languages", json!(["en-US"]))]
    #[case::unknown_capability("/config/capabilities/vision", json!(true))]
    #[case::unknown_config_field("/config/license", json!("MIT"))]
    #[case::unknown_descriptor_field("/descriptor/homepage", json!("https://example.org"))]
    #[case::unknown_modelfs_field("/modelfs/compression", json!("none"))]
    #[case::unknown_root_field("/annotations", json!({}))]
    #[case::name_empty("/descriptor/name", json!(""))]
    #[case::descriptor_not_object("/descriptor", json!("tiny"))]
    #[case::capabilities_not_object("/config/capabilities", json!(["text"]))]
    fn modelpack_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = mp_full();
        set(&mut doc, at, value);
        assert_invalid_at(SchemaKind::ModelpackConfig, &doc, at);
    }

    #[rstest]
    #[case::config_missing("/config")]
    #[case::descriptor_missing("/descriptor")]
    #[case::modelfs_missing("/modelfs")]
    #[case::fs_type_missing("/modelfs/type")]
    #[case::diff_ids_missing("/modelfs/diffIds")]
    fn modelpack_missing(#[case] at: &str) {
        let mut doc = mp_minimal();
        remove(&mut doc, at);
        let parent = at.rsplit_once('/').unwrap().0;
        assert_invalid_at(SchemaKind::ModelpackConfig, &doc, parent);
    }

    // ---- ModelPack config, model-spec v0.0.7 -------------------------------------------------

    /// `mp_full` as v0.0.7 allows it: no `datasetsURL`.
    fn mp_v007() -> Value {
        let mut doc = mp_full();
        remove(&mut doc, "/descriptor/datasetsURL");
        doc
    }

    #[rstest]
    #[case::minimal(mp_minimal())]
    #[case::full(mp_v007())]
    #[case::multimodal(mp_multimodal())]
    fn modelpack_v007_valid(#[case] doc: Value) {
        assert_valid(SchemaKind::ModelpackConfigV007, &doc);
    }

    /// v0.0.7 leaves the capabilities open; main closed them and typed reward and languages.
    #[rstest]
    #[case::embedding_flag("/config/capabilities/embedding", json!(true))]
    #[case::reward_string("/config/capabilities/reward", json!("false"))]
    #[case::language_three_letters("/config/capabilities/languages", json!(["en", "eng"]))]
    #[case::language_region("/config/capabilities/languages", json!(["en-US"]))]
    #[case::unknown_capability("/config/capabilities/vision", json!(true))]
    fn modelpack_v007_open_capabilities_main_closed(#[case] at: &str, #[case] value: Value) {
        let mut doc = mp_v007();
        set(&mut doc, at, value);
        assert_valid(SchemaKind::ModelpackConfigV007, &doc);
        assert_invalid_at(SchemaKind::ModelpackConfig, &doc, at);
    }

    #[test]
    fn modelpack_v007_refuses_datasets_url_main_accepts_it() {
        let doc = mp_full();
        assert_valid(SchemaKind::ModelpackConfig, &doc);
        assert_invalid_at(SchemaKind::ModelpackConfigV007, &doc, "/descriptor");
    }

    /// What v0.0.7 and main share is refused by both.
    #[rstest]
    #[case::created_at_date_only("/descriptor/createdAt", json!("2025-11-03"))]
    #[case::knowledge_cutoff_month("/config/capabilities/knowledgeCutoff", json!("2025-06"))]
    #[case::reasoning_string("/config/capabilities/reasoning", json!("yes"))]
    #[case::modality_unknown("/config/capabilities/inputTypes", json!(["text", "speech"]))]
    #[case::unknown_config_field("/config/license", json!("MIT"))]
    #[case::unknown_descriptor_field("/descriptor/homepage", json!("https://example.org"))]
    #[case::name_empty("/descriptor/name", json!(""))]
    #[case::diff_ids_empty("/modelfs/diffIds", json!([]))]
    fn modelpack_v007_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = mp_v007();
        set(&mut doc, at, value);
        assert_invalid_at(SchemaKind::ModelpackConfigV007, &doc, at);
    }

    #[rstest]
    #[case::config_missing("/config")]
    #[case::descriptor_missing("/descriptor")]
    #[case::modelfs_missing("/modelfs")]
    fn modelpack_v007_missing(#[case] at: &str) {
        let mut doc = mp_minimal();
        remove(&mut doc, at);
        assert_invalid_at(SchemaKind::ModelpackConfigV007, &doc, "");
    }

    #[test]
    fn format_assertions_are_on() {
        let mut doc = mp_minimal();
        set(&mut doc, "/descriptor/createdAt", json!("not a date"));
        let v = validate(SchemaKind::ModelpackConfig, &doc);
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].instance_pointer, "/descriptor/createdAt");
        assert!(v[0].schema_pointer.ends_with("/format"), "{v:#?}");
    }

    // ---- file metadata ---------------------------------------------------------------------

    fn file_metadata() -> Value {
        json!({
            "name": "model-00001-of-00002.safetensors",
            "mode": 420,
            "uid": 0,
            "gid": 0,
            "size": 4_294_967_296u64,
            "mtime": "2025-11-03T08:15:30Z",
            "typeflag": 0
        })
    }

    #[rstest]
    #[case::plain(None)]
    #[case::unknown_field_allowed(Some(("/uname", json!("root"))))]
    #[case::max_values(Some(("/mode", json!(4_294_967_295u64))))]
    #[case::max_uid(Some(("/uid", json!(4_294_967_295u64))))]
    #[case::directory(Some(("/typeflag", json!(53))))]
    #[case::fractional_offset_time(Some(("/mtime", json!("2025-11-03T08:15:30.123456789-07:00"))))]
    fn file_metadata_valid(#[case] patch: Option<(&str, Value)>) {
        let mut doc = file_metadata();
        if let Some((at, v)) = patch {
            set(&mut doc, at, v);
        }
        assert_valid(SchemaKind::FileMetadata, &doc);
    }

    #[rstest]
    #[case::name_not_string("/name", json!(12))]
    #[case::mode_negative("/mode", json!(-1))]
    #[case::mode_too_big("/mode", json!(4_294_967_296u64))]
    #[case::mode_fraction("/mode", json!(420.5))]
    #[case::mode_octal_string("/mode", json!("0644"))]
    #[case::uid_too_big("/uid", json!(4_294_967_296u64))]
    #[case::gid_negative("/gid", json!(-5))]
    #[case::size_negative("/size", json!(-1))]
    #[case::size_string("/size", json!("1024"))]
    #[case::mtime_unix_seconds("/mtime", json!(1_762_157_730))]
    #[case::mtime_not_rfc3339("/mtime", json!("Mon, 03 Nov 2025 08:15:30 GMT"))]
    #[case::typeflag_too_big("/typeflag", json!(256))]
    #[case::typeflag_char("/typeflag", json!("0"))]
    fn file_metadata_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = file_metadata();
        set(&mut doc, at, value);
        assert_invalid_at(SchemaKind::FileMetadata, &doc, at);
    }

    #[rstest]
    fn file_metadata_requires_every_field(
        #[values("/name", "/mode", "/uid", "/gid", "/size", "/mtime", "/typeflag")] at: &str,
    ) {
        let mut doc = file_metadata();
        remove(&mut doc, at);
        assert_invalid_at(SchemaKind::FileMetadata, &doc, "");
    }

    // ---- annotations -----------------------------------------------------------------------

    fn annotations_minimal() -> Value {
        json!({
            PROFILE_VERSION: "1.0.0",
            ARTIFACT_TYPE: "model",
            LIFECYCLE: "experimental"
        })
    }

    fn annotations_full() -> Value {
        json!({
            PROFILE_VERSION: "1.0.0",
            ARTIFACT_TYPE: "model",
            LIFECYCLE: "product-ready",
            MOF_CLASS: "II",
            MOF_VERSION: "1.0",
            MOF_COMPONENTS: "model-architecture,final-model-parameters,model-card,model-openness-config-file",
            SIGNING: "sigstore",
            SBOM: "spdx",
            PROVENANCE: "slsa-v1.0",
            PACKAGING: "modelpack",
            IMAGE_CREATED: "2025-11-03T08:15:30Z",
            IMAGE_TITLE: "tiny-llm",
            "com.example.team": "inference"
        })
    }

    #[rstest]
    #[case::minimal(annotations_minimal(), None)]
    #[case::full(annotations_full(), None)]
    #[case::prerelease(annotations_minimal(), Some((PROFILE_VERSION, "1.1.0-rc.1+build.7")))]
    #[case::lora(annotations_minimal(), Some((ARTIFACT_TYPE, "lora-adapter")))]
    #[case::notation(annotations_full(), Some((SIGNING, "notation")))]
    #[case::signing_extension(annotations_full(), Some((SIGNING, "dev.example.x509-sign")))]
    #[case::all_components(annotations_full(), Some((MOF_COMPONENTS, "datasets,data-preprocessing-code,model-architecture,final-model-parameters,intermediate-model-parameters,model-metadata,training-code,inference-code,evaluation-code,evaluation-data,evaluation-results,supporting-libraries-and-tools,model-card,data-card,technical-report,research-paper,sample-model-outputs,model-openness-config-file")))]
    #[case::cyclonedx_in_toto(annotations_full(), Some((SBOM, "cyclonedx")))]
    #[case::mof_version_multi_digit(annotations_full(), Some((MOF_VERSION, "10.12")))]
    fn annotations_valid(#[case] mut doc: Value, #[case] patch: Option<(&str, &str)>) {
        if let Some((k, v)) = patch {
            doc[k] = json!(v);
        }
        assert_valid(SchemaKind::Annotations, &doc);
    }

    #[rstest]
    #[case::version_two_parts(PROFILE_VERSION, json!("1.0"))]
    #[case::version_v_prefix(PROFILE_VERSION, json!("v1.0.0"))]
    #[case::version_leading_zero(PROFILE_VERSION, json!("01.0.0"))]
    #[case::version_empty_prerelease(PROFILE_VERSION, json!("1.0.0-"))]
    #[case::type_unknown(ARTIFACT_TYPE, json!("dataset"))]
    #[case::type_uppercase(ARTIFACT_TYPE, json!("Model"))]
    #[case::status_unknown(LIFECYCLE, json!("stable"))]
    #[case::mof_class_iv(MOF_CLASS, json!("IV"))]
    #[case::mof_class_arabic(MOF_CLASS, json!("2"))]
    #[case::mof_version_one_part(MOF_VERSION, json!("1"))]
    #[case::mof_version_v(MOF_VERSION, json!("v1.0"))]
    #[case::components_space(MOF_COMPONENTS, json!("model-card, model-openness-config-file"))]
    #[case::components_unknown_term(MOF_COMPONENTS, json!("model-card,weights"))]
    #[case::components_trailing_comma(MOF_COMPONENTS, json!("model-card,"))]
    #[case::components_empty(MOF_COMPONENTS, json!(""))]
    #[case::components_semicolons(MOF_COMPONENTS, json!("model-card;data-card"))]
    #[case::signing_bare_word(SIGNING, json!("cosign"))]
    #[case::signing_uppercase(SIGNING, json!("Dev.Example.sign"))]
    #[case::signing_leading_hyphen(SIGNING, json!("-dev.example"))]
    #[case::signing_empty_label(SIGNING, json!("dev..example"))]
    #[case::sbom_unknown(SBOM, json!("spdx-json"))]
    #[case::provenance_unknown(PROVENANCE, json!("slsa"))]
    #[case::packaging_empty(PACKAGING, json!(""))]
    #[case::created_not_rfc3339(IMAGE_CREATED, json!("2025-11-03 08:15"))]
    #[case::known_key_not_string(LIFECYCLE, json!(true))]
    #[case::other_key_not_string("com.example.replicas", json!(3))]
    fn annotations_invalid(#[case] key: &str, #[case] value: Value) {
        let mut doc = annotations_full();
        doc[key] = value;
        let at = format!("/{}", pointer_token(key));
        assert_invalid_at(SchemaKind::Annotations, &doc, &at);
    }

    #[rstest]
    fn annotations_require_the_core_keys(
        #[values(PROFILE_VERSION, ARTIFACT_TYPE, LIFECYCLE)] key: &str,
    ) {
        let mut doc = annotations_minimal();
        doc.as_object_mut().unwrap().remove(key);
        assert_invalid_at(SchemaKind::Annotations, &doc, "");
    }

    #[rstest]
    #[case::without_version(MOF_VERSION)]
    #[case::without_components(MOF_COMPONENTS)]
    fn mof_class_brings_version_and_components(#[case] missing: &str) {
        let mut doc = annotations_full();
        doc.as_object_mut().unwrap().remove(missing);
        let v = validate(SchemaKind::Annotations, &doc);
        assert!(
            v.iter()
                .any(|x| x.schema_pointer.contains("dependentRequired")),
            "{v:#?}"
        );
        // Without the class, version and components alone are fine either way.
        doc.as_object_mut().unwrap().remove(MOF_CLASS);
        assert_valid(SchemaKind::Annotations, &doc);
    }

    #[test]
    fn annotations_must_be_an_object() {
        assert_invalid_at(SchemaKind::Annotations, &json!(["a", "b"]), "");
    }

    // ---- manifest --------------------------------------------------------------------------

    fn manifest() -> Value {
        json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": MODEL_MANIFEST,
            "config": {
                "mediaType": MODEL_CONFIG,
                "digest": D1,
                "size": 512
            },
            "layers": [
                {
                    "mediaType": MODEL_WEIGHT_RAW,
                    "digest": D2,
                    "size": 1_073_741_824u64,
                    "annotations": { FILEPATH: "model.safetensors" }
                }
            ],
            "annotations": { ARTIFACT_TYPE: "model" }
        })
    }

    #[rstest]
    #[case::plain(None)]
    #[case::with_subject(Some(("/subject", json!({
        "mediaType": OCI_MANIFEST,
        "digest": D1,
        "size": 1234,
        "artifactType": MODEL_MANIFEST
    }))))]
    #[case::with_data(Some(("/config/data", json!("eyJhIjoxfQ=="))))]
    #[case::empty_data(Some(("/config/data", json!(""))))]
    #[case::unregistered_but_grammatical_digest(Some(("/layers/0/digest", json!("multihash+base58:QmYwAPJzv5CZsnA"))))]
    #[case::zero_size(Some(("/layers/0/size", json!(0))))]
    #[case::unknown_top_level_field(Some(("/x-extension", json!({"any": 1}))))]
    fn manifest_valid(#[case] patch: Option<(&str, Value)>) {
        let mut doc = manifest();
        if let Some((at, v)) = patch {
            set(&mut doc, at, v);
        }
        assert_valid(SchemaKind::Manifest, &doc);
    }

    #[rstest]
    #[case::schema_version_1("/schemaVersion", json!(1))]
    #[case::schema_version_string("/schemaVersion", json!("2"))]
    #[case::docker_media_type("/mediaType", json!(DOCKER_MANIFEST))]
    #[case::artifact_type_no_slash("/artifactType", json!("model"))]
    #[case::artifact_type_space("/artifactType", json!("application/vnd.cncf model"))]
    #[case::layers_empty("/layers", json!([]))]
    #[case::layers_not_array("/layers", json!({}))]
    #[case::config_not_object("/config", json!(D1))]
    #[case::digest_slash("/layers/0/digest", json!("sha256:ab/cd"))]
    #[case::digest_uppercase_algorithm("/config/digest", json!("SHA256:abcd"))]
    #[case::digest_no_colon("/config/digest", json!("abcd"))]
    #[case::size_negative("/layers/0/size", json!(-1))]
    #[case::size_string("/layers/0/size", json!("512"))]
    #[case::size_fraction("/config/size", json!(1.5))]
    #[case::layer_urls("/layers/0/urls", json!(["https://cdn.example.org/blob"]))]
    #[case::config_urls("/config/urls", json!([]))]
    #[case::data_not_base64("/config/data", json!("not base64!"))]
    #[case::data_bad_padding("/config/data", json!("abc"))]
    #[case::layer_annotation_number("/layers/0/annotations/org.cncf.model.filepath", json!(1))]
    #[case::manifest_annotation_null("/annotations/org.cncf.ai.artifact.type", json!(null))]
    #[case::subject_incomplete("/subject", json!({"digest": D1}))]
    #[case::layer_media_type_leading_dot("/layers/0/mediaType", json!(".application/x"))]
    fn manifest_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = manifest();
        set(&mut doc, at, value);
        assert_invalid_at(SchemaKind::Manifest, &doc, at);
    }

    #[rstest]
    #[case::schema_version("/schemaVersion", "")]
    #[case::media_type("/mediaType", "")]
    #[case::artifact_type("/artifactType", "")]
    #[case::config("/config", "")]
    #[case::layers("/layers", "")]
    #[case::layer_digest("/layers/0/digest", "/layers/0")]
    #[case::layer_size("/layers/0/size", "/layers/0")]
    #[case::config_media_type("/config/mediaType", "/config")]
    fn manifest_missing(#[case] at: &str, #[case] parent: &str) {
        let mut doc = manifest();
        remove(&mut doc, at);
        assert_invalid_at(SchemaKind::Manifest, &doc, parent);
    }

    // ---- fixture case ----------------------------------------------------------------------

    fn case_pass() -> Value {
        json!({
            "id": "baseline-raw-weights",
            "description": "A minimal conformant model with one raw weight layer.",
            "specVersion": "1.0",
            "kind": "model",
            "profile": "core",
            "reference": "baseline-raw-weights",
            "requirements": ["MAN-001", "MAN-002", "ANN-001"],
            "expect": { "verdict": "pass" },
            "generator": { "base": "baseline", "mutation": null }
        })
    }

    fn case_fail() -> Value {
        let mut c = case_pass();
        c["id"] = json!("schema-version-one");
        c["reference"] = json!("v1.0_schema-version-one");
        c["profile"] = json!("airgapped");
        c["expect"] = json!({ "verdict": "fail", "failures": ["MAN-001"] });
        c["generator"] = json!({ "base": "baseline", "mutation": "set /schemaVersion 1" });
        c
    }

    #[rstest]
    #[case::pass(case_pass())]
    #[case::fail(case_fail())]
    fn fixture_case_valid(#[case] doc: Value) {
        assert_valid(SchemaKind::FixtureCase, &doc);
    }

    #[rstest]
    #[case::id_uppercase("/id", json!("Baseline"))]
    #[case::id_underscore("/id", json!("baseline_raw"))]
    #[case::id_double_hyphen("/id", json!("baseline--raw"))]
    #[case::description_empty("/description", json!(""))]
    #[case::spec_version_other("/specVersion", json!("1.1"))]
    #[case::kind_agent("/kind", json!("agent"))]
    #[case::profile_unknown("/profile", json!("gold"))]
    #[case::reference_with_colon("/reference", json!("repo:tag"))]
    #[case::reference_empty("/reference", json!(""))]
    #[case::requirements_empty("/requirements", json!([]))]
    #[case::requirement_lowercase("/requirements", json!(["man-001"]))]
    #[case::requirement_four_digits("/requirements", json!(["MAN-0001"]))]
    #[case::requirements_duplicated("/requirements", json!(["MAN-001", "MAN-001"]))]
    #[case::pass_with_failures("/expect", json!({"verdict": "pass", "failures": ["MAN-001"]}))]
    #[case::fail_without_failures("/expect", json!({"verdict": "fail"}))]
    #[case::fail_with_no_failures("/expect", json!({"verdict": "fail", "failures": []}))]
    #[case::verdict_unknown("/expect", json!({"verdict": "error"}))]
    #[case::mutation_number("/generator/mutation", json!(3))]
    #[case::generator_extra("/generator/seed", json!(42))]
    #[case::unknown_field("/notes", json!("x"))]
    fn fixture_case_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = case_pass();
        set(&mut doc, at, value);
        let v = validate(SchemaKind::FixtureCase, &doc);
        assert!(!v.is_empty(), "{at}: expected a violation");
    }

    #[rstest]
    fn fixture_case_requires_every_field(
        #[values(
            "/id",
            "/description",
            "/specVersion",
            "/kind",
            "/profile",
            "/reference",
            "/requirements",
            "/expect",
            "/generator",
            "/generator/mutation",
            "/generator/base"
        )]
        at: &str,
    ) {
        let mut doc = case_fail();
        remove(&mut doc, at);
        assert!(!validate(SchemaKind::FixtureCase, &doc).is_empty(), "{at}");
    }

    // ---- report ----------------------------------------------------------------------------

    fn report() -> Value {
        let stats = json!({
            "total": 3, "passed": 1, "failed": 1, "errored": 0, "skipped": 0,
            "notApplicable": 1, "xfailed": 0, "xpassed": 0
        });
        json!({
            "apiVersion": "ai-interop.dev/v1alpha1",
            "kind": "ConformanceReport",
            "suite": { "name": "ai-interop", "version": "0.1.0", "commit": "3a9d1f8" },
            "spec": {
                "version": "1.0",
                "schemasDigest": schemas_digest().to_string(),
                "fixturesDigest": null
            },
            "target": { "kind": "oci-layout", "reference": "./layout:tiny", "manifestDigest": D1 },
            "run": {
                "started": "2025-11-03T08:15:30Z",
                "finished": "2025-11-03T08:15:31.5Z",
                "profile": "core",
                "options": { "threads": 0 },
                "environment": { "os": "linux", "arch": "x86_64", "cpus": 2 }
            },
            "profiles": [
                { "name": "core", "extends": null, "status": "complete", "result": "failure", "statistics": stats }
            ],
            "requirements": [
                { "id": "MAN-001", "level": "MUST", "profile": "core", "appliesTo": ["artifact"], "status": "fail", "tests": ["manifest.schema-version"] },
                { "id": "MAN-002", "level": "SHOULD", "profile": "core", "appliesTo": ["artifact", "packer"], "status": "pass", "tests": [] }
            ],
            "tests": [
                {
                    "id": "manifest.schema-version", "title": "schemaVersion is 2", "covers": ["MAN-001"],
                    "status": "fail", "durationMs": 0,
                    "findings": [{
                        "requirement": "MAN-001", "level": "MUST", "status": "fail",
                        "location": { "document": "manifest", "pointer": "/schemaVersion" },
                        "message": "schemaVersion is 1, expected 2"
                    }],
                    "expected": { "status": "fail" }
                },
                {
                    "id": "layers.entries", "title": "tar entries are safe", "covers": [],
                    "status": "not-applicable", "durationMs": 12,
                    "findings": [{
                        "requirement": "LAY-004", "level": "MAY", "status": "error",
                        "location": { "layer": 0, "entry": "../x" }, "message": "x"
                    }]
                }
            ],
            "summary": "core: failure (1 of 3 requirements failed)"
        })
    }

    #[test]
    fn report_valid() {
        assert_valid(SchemaKind::Report, &report());
        let mut r = report();
        set(
            &mut r,
            "/spec/fixturesDigest",
            json!(schemas_digest().to_string()),
        );
        set(&mut r, "/target/manifestDigest", json!(null));
        set(&mut r, "/profiles/0/extends", json!("core"));
        assert_valid(SchemaKind::Report, &r);
    }

    #[rstest]
    #[case::api_version("/apiVersion", json!("v1"))]
    #[case::suite_version_not_semver("/suite/version", json!("0.1"))]
    #[case::schemas_digest_sha512("/spec/schemasDigest", json!("sha512:abc"))]
    #[case::target_kind("/target/kind", json!("tarball"))]
    #[case::manifest_digest_bad("/target/manifestDigest", json!("nope"))]
    #[case::started_not_date("/run/started", json!("now"))]
    #[case::cpus_negative("/run/environment/cpus", json!(-1))]
    #[case::profile_result("/profiles/0/result", json!("passed"))]
    #[case::stat_missing("/profiles/0/statistics", json!({"total": 1}))]
    #[case::requirement_level("/requirements/0/level", json!("must"))]
    #[case::applies_to_unknown("/requirements/0/appliesTo", json!(["cluster"]))]
    #[case::status_passed("/tests/0/status", json!("passed"))]
    #[case::duration_negative("/tests/0/durationMs", json!(-3))]
    #[case::location_layer_string("/tests/1/findings/0/location/layer", json!("0"))]
    #[case::location_extra("/tests/1/findings/0/location/offset", json!(5))]
    #[case::extra_top_level("/extra", json!(1))]
    #[case::summary_missing_type("/summary", json!(null))]
    fn report_invalid(#[case] at: &str, #[case] value: Value) {
        let mut r = report();
        set(&mut r, at, value);
        assert!(!validate(SchemaKind::Report, &r).is_empty(), "{at}");
    }
    fn skill() -> Value {
        json!({
            "name": "pdf-tools",
            "description": "Extract text and tables from PDF files.",
            "license": "Apache-2.0",
            "compatibility": "Needs python3 and network access.",
            "metadata": {"author": "example", "version": "1.0"},
            "allowed-tools": "Bash(python3:*) Read"
        })
    }

    #[rstest]
    #[case::full(None)]
    #[case::minimal_name(Some(("/name", json!("a"))))]
    #[case::digits(Some(("/name", json!("pdf2-tools"))))]
    #[case::long_name(Some(("/name", json!("a".repeat(64)))))]
    #[case::long_description(Some(("/description", json!("d".repeat(1024)))))]
    fn skill_valid(#[case] patch: Option<(&str, Value)>) {
        let mut doc = skill();
        if let Some((at, v)) = patch {
            set(&mut doc, at, v);
        }
        assert_valid(SchemaKind::SkillFrontmatter, &doc);
        assert_valid(SchemaKind::SkillConfig, &doc);
    }

    #[rstest]
    #[case::upper("/name", json!("PDF-tools"))]
    #[case::leading_hyphen("/name", json!("-pdf"))]
    #[case::trailing_hyphen("/name", json!("pdf-"))]
    #[case::double_hyphen("/name", json!("pdf--tools"))]
    #[case::unicode("/name", json!("données"))]
    #[case::too_long("/name", json!("a".repeat(65)))]
    #[case::empty_description("/description", json!(""))]
    #[case::long_description("/description", json!("d".repeat(1025)))]
    #[case::long_compatibility("/compatibility", json!("c".repeat(501)))]
    #[case::metadata_number("/metadata/version", json!(1.1))]
    #[case::tools_list("/allowed-tools", json!(["Read"]))]
    fn skill_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = skill();
        set(&mut doc, at, value);
        assert_invalid_at(SchemaKind::SkillFrontmatter, &doc, at);
    }

    #[test]
    fn skill_config_is_closed_but_frontmatter_is_open() {
        let mut doc = skill();
        set(&mut doc, "/x-vendor", json!("y"));
        assert_valid(SchemaKind::SkillFrontmatter, &doc);
        assert_invalid_at(SchemaKind::SkillConfig, &doc, "/x-vendor");
        remove(&mut doc, "/x-vendor");
        remove(&mut doc, "/description");
        assert!(!is_valid(SchemaKind::SkillFrontmatter, &doc));
    }

    fn prompt() -> Value {
        json!({
            "name": "summarize",
            "description": "Summarise a document.",
            "engine": "jinja2",
            "version": "1.0.0",
            "inputs": {
                "document": {"type": "string", "description": "The text."},
                "max_words": {"type": "integer", "required": false, "default": 100}
            },
            "model": {"id": "tiny-llm", "parameters": {"temperature": 0.2}},
            "sample": {"document": "Hello.", "max_words": 20},
            "metadata": {"team": "docs"}
        })
    }

    #[test]
    fn prompt_valid() {
        assert_valid(SchemaKind::PromptFrontmatter, &prompt());
    }

    #[rstest]
    #[case::engine("/engine", json!("handlebars"))]
    #[case::input_type("/inputs/document/type", json!("text"))]
    #[case::input_name("/inputs", json!({"1st": {"type": "string"}}))]
    #[case::input_extra("/inputs/document/format", json!("md"))]
    #[case::model_extra("/model/temperature", json!(0.2))]
    #[case::unknown_key("/tags", json!(["a"]))]
    fn prompt_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = prompt();
        set(&mut doc, at, value);
        assert!(
            !is_valid(SchemaKind::PromptFrontmatter, &doc),
            "{at} should be invalid"
        );
    }

    fn workflow() -> Value {
        json!({
            "document": {"dsl": "1.0.0", "namespace": "examples", "name": "summarize-pdf", "version": "1.0.0"},
            "do": [{"summarize": {"call": "http", "with": {"method": "post", "endpoint": "https://example.org"}}}]
        })
    }

    #[test]
    fn workflow_valid() {
        assert_valid(SchemaKind::ServerlessWorkflow, &workflow());
        assert_valid(
            SchemaKind::WorkflowConfig,
            &json!({"format": "serverless-workflow"}),
        );
        assert_valid(
            SchemaKind::WorkflowConfig,
            &json!({"format": "io.argoproj.workflow", "description": "x"}),
        );
    }

    #[rstest]
    #[case::dsl_other("/document/dsl", json!("0.8.0"))]
    #[case::namespace_upper("/document/namespace", json!("Examples"))]
    #[case::name_long("/document/name", json!("n".repeat(64)))]
    #[case::version_not_semver("/document/version", json!("1.0"))]
    #[case::do_empty("/do", json!([]))]
    #[case::task_two_names("/do/0", json!({"a": {}, "b": {}}))]
    #[case::task_not_object("/do/0/summarize", json!("call"))]
    fn workflow_invalid(#[case] at: &str, #[case] value: Value) {
        let mut doc = workflow();
        set(&mut doc, at, value);
        assert_invalid_at(SchemaKind::ServerlessWorkflow, &doc, at);
    }

    #[rstest]
    #[case::other(json!({"format": "argo"}))]
    #[case::upper(json!({"format": "IO.Argo"}))]
    #[case::missing(json!({}))]
    #[case::extra(json!({"format": "serverless-workflow", "dsl": "1.0.0"}))]
    fn workflow_config_invalid(#[case] doc: Value) {
        assert!(!is_valid(SchemaKind::WorkflowConfig, &doc), "{doc}");
    }
}
