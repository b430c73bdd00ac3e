//! The words every layer shares: OCI and ModelPack media types, annotation keys and artifact
//! types. It sits below everything and imports nothing, so that a target, a fixture builder or a
//! check names a manifest, a layer or a key without importing the module that judges it. A
//! media type or annotation key is written here once; everything else uses these names.
//!
//! Imports nothing: no `use`, no `crate::` path (the layering test holds it to that). And
//! `tests/it/vocabulary.rs` fails on a term written as a literal anywhere else in `src/`.

// ---- OCI image spec ----

/// An OCI image manifest.
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// An OCI image index.
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The OCI 1.1 empty descriptor (`{}`), the config of an artifact manifest.
pub(crate) const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The OCI annotation some tools (oras, omlmd, CRI-O image volumes) name a raw layer's file by.
pub(crate) const IMAGE_TITLE: &str = "org.opencontainers.image.title";
/// The tag an OCI image layout's index entry carries.
pub(crate) const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// An OCI image config (the config of a container image, not of an artifact).
pub(crate) const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI image layers (`application/vnd.oci.image.layer.v1.<tar|tar+gzip|tar+zstd>`) start with this.
pub(crate) const OCI_LAYER_PREFIX: &str = "application/vnd.oci.image.layer.v1.";
/// An uncompressed OCI image layer.
#[cfg(test)]
pub(crate) const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// A gzip-compressed OCI image layer.
#[cfg(test)]
pub(crate) const OCI_LAYER_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// A zstd-compressed OCI image layer.
#[cfg(test)]
pub(crate) const OCI_LAYER_TAR_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// The namespace of the OCI image spec's pre-defined annotation keys.
pub(crate) const OCI_ANNOTATION_PREFIX: &str = "org.opencontainers.";
/// OCI annotation: when the image was created (RFC 3339).
pub(crate) const IMAGE_CREATED: &str = "org.opencontainers.image.created";
/// OCI annotation: the licenses of the contents (an SPDX expression).
pub(crate) const IMAGE_LICENSES: &str = "org.opencontainers.image.licenses";
/// OCI annotation: where the source is.
pub(crate) const IMAGE_SOURCE: &str = "org.opencontainers.image.source";
/// OCI annotation: the version of the packaged software.
pub(crate) const IMAGE_VERSION: &str = "org.opencontainers.image.version";
/// OCI annotation: who made it.
pub(crate) const IMAGE_AUTHORS: &str = "org.opencontainers.image.authors";

// ---- Docker Image Manifest V2, Schema 2 (what registries still serve) ----

/// A Docker image manifest.
#[cfg(test)]
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The `Accept` header of every manifest request: the OCI and Docker manifest and index types.
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json";

// ---- IANA media types ----

/// Media types of the IANA `application` top-level type start with this (a layer kind given as a
/// full media type rather than a ModelPack kind).
pub(crate) const APPLICATION_PREFIX: &str = "application/";
/// Plain JSON (RFC 8259).
pub(crate) const JSON: &str = "application/json";
/// Bytes of no declared type: the `Content-Type` of a blob upload.
pub(crate) const OCTET_STREAM: &str = "application/octet-stream";

// ---- ModelPack ----

/// A ModelPack manifest's artifact type.
pub(crate) const MODEL_MANIFEST: &str = "application/vnd.cncf.model.manifest.v1+json";
/// ModelPack's format-agnostic weight layer: one file's bytes, unarchived and uncompressed.
pub(crate) const MODEL_WEIGHT_RAW: &str = "application/vnd.cncf.model.weight.v1.raw";
/// A ModelPack config.
pub(crate) const MODEL_CONFIG: &str = "application/vnd.cncf.model.config.v1+json";
/// The artifact type before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_MODEL_MANIFEST: &str = "application/vnd.cnai.model.manifest.v1+json";
/// The config media type before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_MODEL_CONFIG: &str = "application/vnd.cnai.model.config.v1+json";
/// Annotation naming the path a ModelPack layer unpacks to.
pub(crate) const FILEPATH: &str = "org.cncf.model.filepath";
/// The same annotation before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_FILEPATH: &str = "org.cnai.model.filepath";
/// A layer's file metadata (JSON) as ModelPack writes it.
pub(crate) const FILE_METADATA: &str = "org.cncf.model.file.metadata+json";
/// The same annotation before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_FILE_METADATA: &str = "org.cnai.model.file.metadata+json";
/// ModelPack layer types (`application/vnd.cncf.model.<kind>.v1.<packing>`) start with this.
pub(crate) const MODEL_LAYER_PREFIX: &str = "application/vnd.cncf.model.";
/// The same prefix before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_MODEL_LAYER_PREFIX: &str = "application/vnd.cnai.model.";
/// A ModelPack documentation file, unpacked.
pub(crate) const MODEL_DOC_RAW: &str = "application/vnd.cncf.model.doc.v1.raw";
/// The namespace of ModelPack's annotation keys.
pub(crate) const MODEL_ANNOTATION_PREFIX: &str = "org.cncf.model.";
/// The same namespace before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_MODEL_ANNOTATION_PREFIX: &str = "org.cnai.model.";
/// Marks a layer whose media type the packer did not verify.
pub(crate) const UNTESTED: &str = "org.cncf.model.file.mediatype.untested";
/// The same annotation before ModelPack moved to the CNCF namespace.
pub(crate) const LEGACY_UNTESTED: &str = "org.cnai.model.file.mediatype.untested";

// ---- The contract's manifest annotations (`org.cncf.ai.`, spec/v1.0) ----

/// The contract's annotation namespace: a key in it that the profile does not define is refused.
pub(crate) const CONTRACT_PREFIX: &str = "org.cncf.ai.";
/// The profile version the artifact claims (SemVer, major 1).
pub(crate) const PROFILE_VERSION: &str = "org.cncf.ai.interop.profile.version";
/// What the artifact is (`model`, `lora-adapter`, `skill`, `agent-bundle`, ...).
pub(crate) const ARTIFACT_TYPE: &str = "org.cncf.ai.artifact.type";
/// The lifecycle status (`experimental`, ..., `product-ready`).
pub(crate) const LIFECYCLE: &str = "org.cncf.ai.lifecycle.status";
/// The Model Openness Framework class claimed (`I`, `II`, `III`).
pub(crate) const MOF_CLASS: &str = "org.cncf.ai.model.mof.class";
/// The Model Openness Framework version the class refers to.
pub(crate) const MOF_VERSION: &str = "org.cncf.ai.model.mof.version";
/// The MOF components the artifact carries (comma-separated terms).
pub(crate) const MOF_COMPONENTS: &str = "org.cncf.ai.model.mof.components";
/// The signing framework whose signature is attached as a referrer.
pub(crate) const SIGNING: &str = "org.cncf.ai.security.signing.framework";
/// The SBOM format attached as a referrer (`spdx`, `cyclonedx`).
pub(crate) const SBOM: &str = "org.cncf.ai.security.sbom.format";
/// The provenance attached as a referrer (`slsa-v1.0`, ...).
pub(crate) const PROVENANCE: &str = "org.cncf.ai.security.provenance.type";
/// The packaging format of the layers (`modelpack`, ...).
pub(crate) const PACKAGING: &str = "org.cncf.ai.packaging.format";
/// The version of the packaging format: for ModelPack, the model-spec release (Go module version)
/// whose config rules the artifact follows.
pub(crate) const PACKAGING_VERSION: &str = "org.cncf.ai.packaging.version";

// ---- Producer variants of ModelPack (named by the variant table, `checks::variants`) ----

/// Docker Model Runner's typed GGUF weight layer (`docker model package --format cncf` before it
/// moved to `weight.v1.raw`); model-spec has no such type.
pub(crate) const DMR_WEIGHT_GGUF: &str = "application/vnd.cncf.model.weight.v1.gguf";
/// Docker Model Runner's typed safetensors weight layer, the sibling of [`DMR_WEIGHT_GGUF`].
pub(crate) const DMR_WEIGHT_SAFETENSORS: &str = "application/vnd.cncf.model.weight.v1.safetensors";
/// Docker Model Runner's own format (`docker model package`, `--format docker`): every config and
/// layer media type starts with this (`…model.config.v0.2+json`, `…gguf.v3`, `…license`, …).
pub(crate) const DOCKER_AI_PREFIX: &str = "application/vnd.docker.ai.";
/// KitOps' ModelKit (`kit pack` without `--use-model-pack`): artifactType, config and layers
/// (`…modelkit.config.v1+json`, `…modelkit.model.v1.tar`, …) start with this.
pub(crate) const KITOPS_MODELKIT_PREFIX: &str = "application/vnd.kitops.modelkit.";
/// The manifest annotation `kit pack --use-model-pack` keeps the Kitfile (JSON) in.
pub(crate) const KITOPS_KITFILE: &str = "ml.kitops.modelkit.kitfile";

/// The `org.cncf.ai.` keys of the upstream annotation draft at the revision the spec tracks.
pub(crate) const CNCF_AI_DRAFT_KEYS: &[&str] = &[
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

/// The `org.cncf.ai.` keys only this contract defines, beside the draft's
/// ([`CNCF_AI_DRAFT_KEYS`]): `packaging.version` (ModelPack declares no version of its own;
/// `spec/v1.0/modelpack.md`).
pub(crate) const CNCF_AI_CONTRACT_ONLY_KEYS: &[&str] = &[PACKAGING_VERSION];

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
/// A value of [`SIGNING`]: sigstore/model-transparency (OpenSSF model signing), judged as Sigstore.
pub(crate) const SIGNING_MODEL_TRANSPARENCY: &str = "dev.sigstore.model-transparency";
/// The Model Openness Framework configuration file (MOF `model_openness.json`) as a layer.
pub(crate) const MOF_CONFIG: &str = "application/vnd.cncf.ai.mof.config.v1+json";

// ---- Agentic assets (provisional) ----

/// An agent bundle's artifact type.
pub(crate) const BUNDLE_ARTIFACT_TYPE: &str = "application/vnd.cncf.ai.bundle.v1+json";
/// A skill manifest's artifact type (provisional, `spec/v1.0`).
pub(crate) const SKILL_MANIFEST: &str = "application/vnd.cncf.skill.manifest.v1+json";
/// A skill config (mirrors the `SKILL.md` frontmatter).
pub(crate) const SKILL_CONFIG: &str = "application/vnd.cncf.skill.config.v1+json";
/// Skill bundle layers (`application/vnd.cncf.skill.bundle.v1.<tar|tar+gzip|tar+zstd>`).
pub(crate) const SKILL_BUNDLE_PREFIX: &str = "application/vnd.cncf.skill.bundle.v1.";
/// The skill bundle layer types a skill check accepts.
pub(crate) const SKILL_BUNDLE_MEDIA_TYPES: &[&str] = &[
    "application/vnd.cncf.skill.bundle.v1.tar",
    "application/vnd.cncf.skill.bundle.v1.tar+gzip",
    "application/vnd.cncf.skill.bundle.v1.tar+zstd",
];
/// A prompt template manifest's artifact type (provisional).
pub(crate) const PROMPT_MANIFEST: &str = "application/vnd.cncf.prompt.manifest.v1+json";
/// A prompt template config.
pub(crate) const PROMPT_CONFIG: &str = "application/vnd.cncf.prompt.config.v1+json";
/// The prompt template layer.
pub(crate) const PROMPT_TEMPLATE_LAYER: &str = "application/vnd.cncf.prompt.template.v1.raw";
/// A workflow manifest's artifact type (provisional).
pub(crate) const WORKFLOW_MANIFEST: &str = "application/vnd.cncf.workflow.manifest.v1+json";
/// A workflow config.
pub(crate) const WORKFLOW_CONFIG: &str = "application/vnd.cncf.workflow.config.v1+json";
/// The workflow document layer.
pub(crate) const WORKFLOW_DOCUMENT_LAYER: &str = "application/vnd.cncf.workflow.document.v1.raw";

// ---- Evidence referrers ----

/// Sigstore bundles (`…bundle.v0.3+json` and earlier) start with this.
pub(crate) const SIGSTORE_BUNDLE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// A Sigstore bundle v0.3 (Sigstore protobuf-specs), as cosign v3 attaches it.
pub const SIGSTORE_BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Every media type a Sigstore bundle is read under: v0.3 and the older parameterised names.
pub(crate) const SIGSTORE_BUNDLE_MEDIA_TYPES: &[&str] = &[
    SIGSTORE_BUNDLE_V03,
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
];
/// A Sigstore trusted root v0.1 under its parameterised name (Sigstore protobuf-specs).
pub(crate) const SIGSTORE_TRUSTED_ROOT_V01: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// Every media type a Sigstore trusted root is read under.
pub(crate) const SIGSTORE_TRUSTED_ROOT_MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    "application/vnd.dev.sigstore.trustedroot.v0.1+json",
    SIGSTORE_TRUSTED_ROOT_V01,
];
/// A Notary Project signature envelope (the referrer's `artifactType`).
pub(crate) const NOTARY_SIGNATURE: &str = "application/vnd.cncf.notary.signature";
/// A Notary Project signature in a JWS envelope (the layer's media type).
pub(crate) const NOTARY_JWS: &str = "application/jose+json";
/// A Notary Project signature in a COSE envelope (the layer's media type).
pub(crate) const NOTARY_COSE: &str = "application/cose";
/// The Notary Project signed payload (`cty` of the envelope).
pub(crate) const NOTARY_PAYLOAD: &str = "application/vnd.cncf.notary.payload.v1+json";
/// Notary Project protected header: the signing scheme (`notary.x509`, `notary.x509.signingAuthority`).
pub(crate) const NOTARY_SIGNING_SCHEME: &str = "io.cncf.notary.signingScheme";
/// Notary Project protected header: when it was signed.
pub(crate) const NOTARY_SIGNING_TIME: &str = "io.cncf.notary.signingTime";
/// Notary Project protected header: when the signature expires.
pub(crate) const NOTARY_EXPIRY: &str = "io.cncf.notary.expiry";
/// Notary Project protected header: the signing agent.
pub(crate) const NOTARY_SIGNING_AGENT: &str = "io.cncf.notary.signingAgent";
/// Notary Project signature manifest annotation: the SHA-256 thumbprints of the certificate chain.
pub(crate) const NOTARY_THUMBPRINTS: &str = "io.cncf.notary.x509chain.thumbprint#S256";
/// An in-toto attestation referrer's `artifactType`, and the DSSE payload type of a Statement.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// A layer holding a DSSE envelope as JSON.
pub(crate) const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// An SPDX 2.x JSON SBOM.
pub const SPDX_JSON: &str = "application/spdx+json";
/// An SPDX 3 JSON-LD SBOM.
pub(crate) const SPDX3_JSON: &str = "application/spdx3+json";
/// A CycloneDX JSON SBOM.
pub(crate) const CYCLONEDX_JSON: &str = "application/vnd.cyclonedx+json";
/// The annotation cosign and others put on a Sigstore bundle referrer that holds an attestation.
pub(crate) const PREDICATE_TYPE: &str = "dev.sigstore.bundle.predicateType";
/// The annotation cosign puts on a Sigstore bundle referrer: what the bundle holds
/// (`message-signature`, `dsse-envelope`).
pub(crate) const BUNDLE_CONTENT: &str = "dev.sigstore.bundle.content";
/// The payload of a legacy cosign `.sig` signature.
pub(crate) const COSIGN_PAYLOAD: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The annotation a legacy cosign `.sig` layer carries its signature in.
pub(crate) const COSIGN_SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// in-toto Statement v1 (`_type`).
pub(crate) const IN_TOTO_STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// in-toto Statement v0.1, which `cosign attest` (v3.1.3 included) still writes.
pub(crate) const IN_TOTO_STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// SLSA Provenance v1 (`predicateType`).
pub(crate) const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// An SPDX 2.3 document as an in-toto predicate (`predicateType`).
#[cfg(test)]
pub(crate) const SPDX_DOCUMENT_V23: &str = "https://spdx.dev/Document/v2.3";
/// The predicate type of the Statement cosign v3 signs for `cosign sign` in the bundle format.
pub(crate) const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
/// The predicate type of an OpenSSF model signing (OMS) v1.0 signature.
pub(crate) const OMS_SIGNATURE_PREDICATE: &str = "https://model_signing/signature/v1.0";
/// The predicate type model_signing wrote before v1.0 (refused).
#[cfg(test)]
pub(crate) const OMS_DIGESTS_PREDICATE_V01: &str = "https://model_signing/Digests/v0.1";
/// The predicate type of the suite's signed conformance report attestation.
pub(crate) const REPORT_PREDICATE: &str =
    "https://ai-interop.dev/attestations/conformance-report/v1alpha1";

// ---- The suite's own (registry probes, test-only referrers) ----

/// Annotation on the registry suite's probe referrers: the artifact type they stand for.
pub(crate) const PROBE_REFERRER_KIND: &str = "io.ai-interop.referrer.kind";
/// Annotation on the registry suite's probe referrers: the run's salt, so every run pushes new digests.
pub(crate) const PROBE_RUN: &str = "io.ai-interop.run";
/// Annotation on the registry suite's golden model: the run's salt (a key in ModelPack's namespace;
/// renaming it would change every probe digest).
pub(crate) const PROBE_MODEL_RUN: &str = "org.cncf.model.run";
/// Annotation the registry suite's delete probe adds, so the deleted manifest is one of its own.
pub(crate) const PROBE_DELETE: &str = "io.ai-interop.delete-probe";
/// The test-only note referrer the fixtures attach.
pub(crate) const NOTE_ARTIFACT_TYPE: &str = "application/vnd.ai-interop.note.v1+json";

// ---- LoRA adapters (provisional `lora` extension) ----

/// The `org.cncf.ai.artifact.type` value of a LoRA adapter (`spec/v1.0/lora.md`).
pub(crate) const LORA_ADAPTER: &str = "lora-adapter";
/// The `org.cncf.ai.artifact.type` value of a model, the only kind an adapter's base may be.
pub(crate) const MODEL_KIND: &str = "model";
