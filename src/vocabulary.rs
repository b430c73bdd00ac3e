//! The words every layer shares: OCI and ModelPack media types, annotation keys and artifact
//! types. It sits below everything and imports nothing, so that a target, a fixture builder or a
//! check names a manifest, a layer or a key without importing the module that judges it. A
//! media type or annotation key is written here once; everything else uses these names.

// ---- OCI image spec ----

/// An OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The OCI 1.1 empty descriptor (`{}`), the config of an artifact manifest.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The OCI annotation some tools (oras, omlmd, CRI-O image volumes) name a raw layer's file by.
pub const IMAGE_TITLE: &str = "org.opencontainers.image.title";
/// The tag an OCI image layout's index entry carries.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Pre-defined OCI annotations the contract reuses with value rules (ANN-014 to ANN-018).
pub const IMAGE_CREATED: &str = "org.opencontainers.image.created";
pub const IMAGE_LICENSES: &str = "org.opencontainers.image.licenses";
pub const IMAGE_SOURCE: &str = "org.opencontainers.image.source";
pub const IMAGE_VERSION: &str = "org.opencontainers.image.version";
pub const IMAGE_AUTHORS: &str = "org.opencontainers.image.authors";

// ---- ModelPack ----

/// A ModelPack manifest's artifact type.
pub const MODEL_MANIFEST: &str = "application/vnd.cncf.model.manifest.v1+json";
/// ModelPack's format-agnostic weight layer: one file's bytes, unarchived and uncompressed.
pub const MODEL_WEIGHT_RAW: &str = "application/vnd.cncf.model.weight.v1.raw";
/// A ModelPack config.
pub const MODEL_CONFIG: &str = "application/vnd.cncf.model.config.v1+json";
/// The artifact type before ModelPack moved to the CNCF namespace.
pub const LEGACY_MODEL_MANIFEST: &str = "application/vnd.cnai.model.manifest.v1+json";
/// The config media type before ModelPack moved to the CNCF namespace.
pub const LEGACY_MODEL_CONFIG: &str = "application/vnd.cnai.model.config.v1+json";
/// Annotation naming the path a ModelPack layer unpacks to.
pub const FILEPATH: &str = "org.cncf.model.filepath";
/// The same annotation before ModelPack moved to the CNCF namespace.
pub const LEGACY_FILEPATH: &str = "org.cnai.model.filepath";
/// A layer's file metadata (JSON) as ModelPack writes it.
pub const FILE_METADATA: &str = "org.cncf.model.file.metadata+json";
/// The same annotation before ModelPack moved to the CNCF namespace.
pub const LEGACY_FILE_METADATA: &str = "org.cnai.model.file.metadata+json";
/// Marks a layer whose media type the packer did not verify.
pub const UNTESTED: &str = "org.cncf.model.file.mediatype.untested";
/// The same annotation before ModelPack moved to the CNCF namespace.
pub const LEGACY_UNTESTED: &str = "org.cnai.model.file.mediatype.untested";

// ---- The contract's manifest annotations (`org.cncf.ai.`) ----

pub const PROFILE_VERSION: &str = "org.cncf.ai.interop.profile.version";
pub const ARTIFACT_TYPE: &str = "org.cncf.ai.artifact.type";
pub const LIFECYCLE: &str = "org.cncf.ai.lifecycle.status";
pub const MOF_CLASS: &str = "org.cncf.ai.model.mof.class";
pub const MOF_VERSION: &str = "org.cncf.ai.model.mof.version";
pub const MOF_COMPONENTS: &str = "org.cncf.ai.model.mof.components";
pub const SIGNING: &str = "org.cncf.ai.security.signing.framework";
pub const SBOM: &str = "org.cncf.ai.security.sbom.format";
pub const PROVENANCE: &str = "org.cncf.ai.security.provenance.type";
pub const PACKAGING: &str = "org.cncf.ai.packaging.format";
/// The version of the packaging format: for ModelPack, the model-spec release (Go module version)
/// whose config rules the artifact follows.
pub const PACKAGING_VERSION: &str = "org.cncf.ai.packaging.version";

// ---- Producer variants of ModelPack (named by the variant table, `checks::variants`) ----

/// Docker Model Runner's typed GGUF weight layer (`docker model package --format cncf` before it
/// moved to `weight.v1.raw`); model-spec has no such type.
pub const DMR_WEIGHT_GGUF: &str = "application/vnd.cncf.model.weight.v1.gguf";
/// Docker Model Runner's typed safetensors weight layer, the sibling of [`DMR_WEIGHT_GGUF`].
pub const DMR_WEIGHT_SAFETENSORS: &str = "application/vnd.cncf.model.weight.v1.safetensors";
/// Docker Model Runner's own format (`docker model package`, `--format docker`): every config and
/// layer media type starts with this (`…model.config.v0.2+json`, `…gguf.v3`, `…license`, …).
pub const DOCKER_AI_PREFIX: &str = "application/vnd.docker.ai.";
/// KitOps' ModelKit (`kit pack` without `--use-model-pack`): artifactType, config and layers
/// (`…modelkit.config.v1+json`, `…modelkit.model.v1.tar`, …) start with this.
pub const KITOPS_MODELKIT_PREFIX: &str = "application/vnd.kitops.modelkit.";
/// The manifest annotation `kit pack --use-model-pack` keeps the Kitfile (JSON) in.
pub const KITOPS_KITFILE: &str = "ml.kitops.modelkit.kitfile";

/// The `org.cncf.ai.` keys of the upstream annotation draft at the revision the spec tracks.
pub const CNCF_AI_DRAFT_KEYS: &[&str] = &[
    PROFILE_VERSION,
    ARTIFACT_TYPE,
    LIFECYCLE,
    MOF_CLASS,
    MOF_VERSION,
    MOF_COMPONENTS,
    SIGNING,
    SBOM,
    PROVENANCE,
    PACKAGING,
];

/// Every key the contract defines in the `org.cncf.ai.` namespace: the draft's keys and
/// `packaging.version`, which only this contract defines (ModelPack declares no version of its
/// own; `spec/v1.0/modelpack.md`).
pub const CNCF_AI_KEYS: &[&str] = &[
    PROFILE_VERSION,
    ARTIFACT_TYPE,
    LIFECYCLE,
    MOF_CLASS,
    MOF_VERSION,
    MOF_COMPONENTS,
    SIGNING,
    SBOM,
    PROVENANCE,
    PACKAGING,
    PACKAGING_VERSION,
];

/// Every key of the table of the upstream annotation draft at the revision the spec tracks
/// (`spec/v1.0/upstream.md`, profile `cncf-annotations-draft`): its `org.cncf.ai.` keys and the
/// six `org.opencontainers.image.*` keys it reuses. When upstream moves, this list moves with
/// the mapping table; a key here without a requirement there fails the tests.
pub const CNCF_ANNOTATIONS_DRAFT_KEYS: &[&[&str]] = &[
    CNCF_AI_DRAFT_KEYS,
    &[
        IMAGE_CREATED,
        IMAGE_LICENSES,
        IMAGE_TITLE,
        IMAGE_VERSION,
        IMAGE_AUTHORS,
        IMAGE_SOURCE,
    ],
];

// ---- Agentic assets (provisional) ----

/// An agent bundle's artifact type.
pub const BUNDLE_ARTIFACT_TYPE: &str = "application/vnd.cncf.ai.bundle.v1+json";
pub const SKILL_MANIFEST: &str = "application/vnd.cncf.skill.manifest.v1+json";
pub const SKILL_CONFIG: &str = "application/vnd.cncf.skill.config.v1+json";
/// Skill bundle layers (`application/vnd.cncf.skill.bundle.v1.<tar|tar+gzip|tar+zstd>`).
pub const SKILL_BUNDLE_PREFIX: &str = "application/vnd.cncf.skill.bundle.v1.";
pub const PROMPT_MANIFEST: &str = "application/vnd.cncf.prompt.manifest.v1+json";
pub const PROMPT_CONFIG: &str = "application/vnd.cncf.prompt.config.v1+json";
/// The prompt template layer.
pub const PROMPT_TEMPLATE_LAYER: &str = "application/vnd.cncf.prompt.template.v1.raw";
pub const WORKFLOW_MANIFEST: &str = "application/vnd.cncf.workflow.manifest.v1+json";
pub const WORKFLOW_CONFIG: &str = "application/vnd.cncf.workflow.config.v1+json";
/// The workflow document layer.
pub const WORKFLOW_DOCUMENT_LAYER: &str = "application/vnd.cncf.workflow.document.v1.raw";

// ---- Evidence referrers ----

/// Sigstore bundles (`…bundle.v0.3+json` and earlier) start with this.
pub const SIGSTORE_BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// A Notary Project signature envelope.
pub const NOTARY_SIGNATURE: &str = "application/vnd.cncf.notary.signature";
/// The annotation cosign and others put on a Sigstore bundle referrer that holds an attestation.
pub const PREDICATE_TYPE: &str = "dev.sigstore.bundle.predicateType";
/// The payload of a legacy cosign `.sig` signature.
pub const COSIGN_PAYLOAD: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The annotation a legacy cosign `.sig` layer carries its signature in.
pub const COSIGN_SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The test-only note referrer the fixtures attach.
pub const NOTE_ARTIFACT_TYPE: &str = "application/vnd.ai-interop.note.v1+json";

// ---- LoRA adapters (provisional `lora` extension) ----

/// The `org.cncf.ai.artifact.type` value of a LoRA adapter (`spec/v1.0/lora.md`).
pub const LORA_ADAPTER: &str = "lora-adapter";
/// The `org.cncf.ai.artifact.type` value of a model, the only kind an adapter's base may be.
pub const MODEL_KIND: &str = "model";
