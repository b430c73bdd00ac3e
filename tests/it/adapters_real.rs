//! The real tools through their adapters (`adapters/`): skopeo and umoci from apt, oras-py, olot
//! and omlmd from the pinned tools venv, kit, modctl and the oras CLI built from their Go modules
//! into `target/tools/bin` (`.ci/tools.sh`), transports and the registry-only tools against the
//! real Distribution registry of `.ci/registry.sh`. The verdicts asserted here are the published reports under
//! `reports/<tool>-<version>/`: a tool that changes behaviour changes this test, on purpose.
//!
//! Without the tools (or the registry) these tests print a skip line and pass, unless `CI=true`.

use ai_interop::model::Status;
use ai_interop::spec::Catalog;
use ai_interop::suites::report::{StepResult, outcome};
use ai_interop::suites::transport::Registry;
use ai_interop::targets::adapter::{Adapter, AdapterSpec};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn skip(why: &str) -> Option<()> {
    if env("CI").as_deref() == Some("true") {
        panic!("CI=true but {why}: .ci/run must `source .ci/tools.sh && tools_install`");
    }
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
    None
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}

/// The adapter, when its tool is installed.
fn adapter(name: &str) -> Option<Adapter> {
    let venv = env("AI_INTEROP_TOOLS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/tools-venv"));
    // The Go tools: the pinned binaries `.ci/go-tools.sh` builds.
    let go_bin = env("AI_INTEROP_TOOLS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/tools/bin"));
    let ready = match name {
        "skopeo" | "umoci" => on_path(name),
        "kit" | "kit-modelpack" => go_bin.join("kit").is_file(),
        "modctl" => go_bin.join("modctl").is_file(),
        "oras-cli" => go_bin.join("oras").is_file(),
        _ => venv.join("bin/python").is_file(),
    };
    if !ready {
        skip(&format!("{name} is not installed"))?;
    }
    let mut spec = AdapterSpec::load(&root().join(format!("adapters/{name}.json"))).unwrap();
    spec.env
        .push(("AI_INTEROP_TOOLS_VENV".into(), venv.display().to_string()));
    spec.env
        .push(("AI_INTEROP_TOOLS_BIN".into(), go_bin.display().to_string()));
    Some(Adapter::new(spec))
}

fn registry() -> Option<Registry> {
    match env("AI_INTEROP_TEST_REGISTRY") {
        Some(u) => Some(Registry::from_url(&u).unwrap()),
        None => {
            skip("no registry (AI_INTEROP_TEST_REGISTRY unset)");
            None
        }
    }
}

fn fixtures() -> PathBuf {
    root().join("fixtures/v1.0")
}

fn status(steps: &[StepResult], id: &str) -> Status {
    outcome(steps, id).unwrap_or_else(|| panic!("{id} not covered"))
}

/// The outcome of a requirement in one step.
fn status_of(steps: &[StepResult], step: &str, id: &str) -> Status {
    steps
        .iter()
        .find(|s| s.id == step)
        .unwrap_or_else(|| panic!("no step {step}"))
        .marks
        .outcome(id)
}

fn messages(steps: &[StepResult], id: &str) -> String {
    steps
        .iter()
        .flat_map(|s| s.marks.marks.iter())
        .filter(|m| m.requirement == id)
        .map(|m| m.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn skopeo_keeps_digests_but_drops_artifact_type_from_the_index() {
    let (Some(a), Some(reg)) = (adapter("skopeo"), registry()) else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::transport::run(&a, &fixtures(), &reg, d.path());
    assert_eq!(status(&run.steps, "ADP-002"), Status::Pass);
    assert_eq!(
        status(&run.steps, "TRN-001"),
        Status::Pass,
        "{}",
        messages(&run.steps, "TRN-001")
    );
    assert_eq!(status(&run.steps, "TRN-002"), Status::Fail);
    assert!(messages(&run.steps, "TRN-002").contains("lacks `artifactType`"));
}

/// The adapter sends and fetches the manifest's exact bytes through the SDK's raw request
/// path (`Registry.do_request`): oras-py moves every artifact with its digest. (An adapter that
/// hands the SDK parsed JSON through `upload_manifest` re-serialises it; that was the adapter's
/// choice, not a limit of the SDK.)
#[test]
fn oras_py_moves_exact_manifest_bytes_through_its_raw_request_path() {
    let (Some(a), Some(reg)) = (adapter("oras-py"), registry()) else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::transport::run(&a, &fixtures(), &reg, d.path());
    for r in ["ADP-001", "ADP-003", "TRN-001", "TRN-002"] {
        assert_eq!(
            status(&run.steps, r),
            Status::Pass,
            "{r}: {}",
            messages(&run.steps, r)
        );
    }
}

/// umoci unpacks container images, and the OCI image spec tells it not to parse a config
/// media type it does not know: it declares no AI artifact kind, so it is judged on none.
/// Not a failing runtime, and not a passing one either: RUN-011 is skip (the runtime roll-up
/// can be partial at best), every other runtime requirement not-applicable with its reason.
#[test]
fn umoci_is_out_of_scope_for_ai_artifacts() {
    let Some(a) = adapter("umoci") else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::runtime::run(&a, &fixtures(), d.path());
    assert_eq!(status(&run.steps, "ADP-002"), Status::Pass);
    assert_eq!(status(&run.steps, "RUN-011"), Status::Skip);
    assert!(messages(&run.steps, "RUN-011").contains("claims no AI artifact kind"));
    // Nothing in its scope, so nothing was asked of it: nothing about the protocol either.
    for r in ["ADP-003", "ADP-004"] {
        assert_eq!(status(&run.steps, r), Status::NotApplicable, "{r}");
    }
    for r in [
        "RUN-001", "RUN-002", "RUN-003", "RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008",
        "RUN-009", "RUN-010",
    ] {
        assert_eq!(status(&run.steps, r), Status::NotApplicable, "{r}");
        assert!(
            messages(&run.steps, r).contains("container images"),
            "{r}: {}",
            messages(&run.steps, r)
        );
    }
}

#[test]
fn olot_packs_a_modelcar_without_the_contract() {
    let Some(a) = adapter("olot") else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::packer::run(
        Catalog::embedded(),
        &a,
        &fixtures().join("sources"),
        d.path(),
    );
    assert_eq!(
        status(&run.steps, "ADP-003"),
        Status::Pass,
        "{}",
        messages(&run.steps, "ADP-003")
    );
    for r in ["PCK-001", "PCK-002", "PCK-003", "PCK-004"] {
        assert_eq!(status(&run.steps, r), Status::Fail, "{r}");
    }
    // olot's ModelPack config lists diffIds without the `sha256:` algorithm prefix.
    assert!(messages(&run.steps, "PCK-001").contains("MPK-004"));
    assert_eq!(status(&run.steps, "PCK-005"), Status::Skip);
}

#[test]
fn omlmd_pushes_one_tarball_with_its_own_metadata_and_no_contract() {
    let (Some(a), Some(reg)) = (adapter("omlmd"), registry()) else {
        return;
    };
    let a = a.with_registry(Some(reg.scratch()));
    let d = tmp();
    let run = ai_interop::suites::packer::run(
        Catalog::embedded(),
        &a,
        &fixtures().join("sources"),
        d.path(),
    );
    assert_eq!(status(&run.steps, "ADP-002"), Status::Pass);
    assert_eq!(
        status(&run.steps, "ADP-003"),
        Status::Pass,
        "{}",
        messages(&run.steps, "ADP-003")
    );
    for r in ["PCK-001", "PCK-002", "PCK-003", "PCK-004"] {
        assert_eq!(status(&run.steps, r), Status::Fail, "{r}");
    }
    // No artifactType and no contract annotations: the requested ones end up as one JSON string.
    assert!(messages(&run.steps, "PCK-001").contains("MAN-005"));
    // The directory is one gzipped tar layer (media type application/x-mlmodel, read as a file),
    // and omlmd adds its two metadata files.
    assert!(messages(&run.steps, "PCK-002").contains("`model.safetensors` is missing"));
    assert!(messages(&run.steps, "PCK-003").contains("`model_metadata.omlmd.json`"));
    // oras-py's tar has no times and the manifest none either: packing twice is the same digest.
    assert_eq!(
        status(&run.steps, "PCK-005"),
        Status::Pass,
        "{}",
        messages(&run.steps, "PCK-005")
    );
    assert_eq!(status(&run.steps, "ADP-004"), Status::Pass);
}

#[test]
fn omlmd_pulls_only_layers_named_by_a_title() {
    let (Some(a), Some(reg)) = (adapter("omlmd"), registry()) else {
        return;
    };
    let a = a.with_registry(Some(reg.scratch()));
    let d = tmp();
    let run = ai_interop::suites::runtime::run(&a, &fixtures(), d.path());
    assert_eq!(status(&run.steps, "ADP-003"), Status::Pass);
    // It claims models only: the skill, prompt and workflow positives are not-applicable, and
    // the model positives (conformant, checked by the suite) are what RUN-001 judges.
    assert_eq!(status(&run.steps, "RUN-011"), Status::Pass);
    assert_eq!(
        status_of(&run.steps, "runtime.unpack.pass-prompt", "RUN-001"),
        Status::NotApplicable
    );
    assert_eq!(status(&run.steps, "RUN-001"), Status::Fail);
    assert!(
        messages(&run.steps, "RUN-001").contains("KeyError: 'org.opencontainers.image.title'"),
        "{}",
        messages(&run.steps, "RUN-001")
    );
    // A conformant registry does not hold a blob whose bytes miss its digest: omlmd never sees
    // the tampered artifact, so RUN-003 tells nothing about it.
    assert_eq!(status(&run.steps, "RUN-003"), Status::Skip);
    assert!(messages(&run.steps, "RUN-003").contains("DIGEST_INVALID"));
    // It refuses the defect-free controls too (the same KeyError), so its refusals of the bad
    // artifacts say nothing about digests, sizes, paths or links: inconclusive, not pass.
    for r in ["RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008"] {
        assert_eq!(status(&run.steps, r), Status::Error, "{r}");
        assert!(
            messages(&run.steps, r).contains("also refuses the defect-free control"),
            "{r}: {}",
            messages(&run.steps, r)
        );
    }
    assert_eq!(status(&run.steps, "RUN-009"), Status::Pass);
    // It declares no `verify-signatures`: never sent a policy.
    assert_eq!(status(&run.steps, "RUN-010"), Status::Skip);
}

#[test]
fn omlmd_without_a_registry_is_skipped() {
    let Some(a) = adapter("omlmd") else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::runtime::run(&a, &fixtures(), d.path());
    assert_eq!(status(&run.steps, "ADP-002"), Status::Pass);
    for r in ["ADP-003", "RUN-001", "RUN-003", "RUN-009"] {
        assert_eq!(status(&run.steps, r), Status::Skip, "{r}");
    }
    assert!(messages(&run.steps, "RUN-001").contains("omlmd speaks only to registries"));
}

/// The reference implementation (this crate's `pack` and `unpack`), through the same adapter
/// protocol as every other tool: it passes its own packer and runtime suites.
fn reference() -> Adapter {
    let mut spec = AdapterSpec::load(&root().join("adapters/reference.json")).unwrap();
    spec.env.push((
        "AI_INTEROP_BIN".into(),
        env!("CARGO_BIN_EXE_ai-interop").into(),
    ));
    Adapter::new(spec)
}

#[test]
fn the_reference_implementation_passes_its_packer_suite() {
    let d = tmp();
    let run = ai_interop::suites::packer::run(
        Catalog::embedded(),
        &reference(),
        &fixtures().join("sources"),
        d.path(),
    );
    for s in &run.steps {
        for m in &s.marks.marks {
            assert_eq!(
                m.status,
                Status::Pass,
                "{} {}: {}",
                s.id,
                m.requirement,
                m.message
            );
        }
    }
    assert_eq!(status(&run.steps, "PCK-005"), Status::Pass);
}

#[test]
fn the_reference_implementation_passes_its_runtime_suite() {
    let d = tmp();
    let run = ai_interop::suites::runtime::run(&reference(), &fixtures(), d.path());
    for s in &run.steps {
        for m in &s.marks.marks {
            assert_eq!(
                m.status,
                Status::Pass,
                "{} {}: {}",
                s.id,
                m.requirement,
                m.message
            );
        }
    }
    assert_eq!(status(&run.steps, "RUN-002"), Status::Pass);
    // Under the fixtures' signature policy: the signed artifact unpacked, the unsigned refused.
    assert_eq!(status(&run.steps, "RUN-010"), Status::Pass);
    assert!(
        run.steps
            .iter()
            .any(|s| s.id == "runtime.signature-policy" && s.covers.contains(&"RUN-010"))
    );
}

/// The Go tools that speak only to registries get the registry's scratch repository.
fn registry_tool(name: &str) -> Option<(Adapter, Registry)> {
    let a = adapter(name)?;
    let reg = registry()?;
    Some((a.with_registry(Some(reg.scratch())), reg))
}

fn packer_run(a: &Adapter) -> ai_interop::suites::packer::PackerRun {
    let d = tmp();
    ai_interop::suites::packer::run(
        Catalog::embedded(),
        a,
        &fixtures().join("sources"),
        d.path(),
    )
}

#[test]
fn oras_cli_copies_manifests_byte_for_byte() {
    let (Some(a), Some(reg)) = (adapter("oras-cli"), registry()) else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::transport::run(&a, &fixtures(), &reg, d.path());
    assert_eq!(status(&run.steps, "ADP-002"), Status::Pass);
    // `oras cp` moves the manifest as bytes (unlike the SDK path oras-py takes): every digest kept.
    assert_eq!(
        status(&run.steps, "TRN-001"),
        Status::Pass,
        "{}",
        messages(&run.steps, "TRN-001")
    );
    // Its layout's index.json names the manifest without `artifactType` (optional there).
    assert_eq!(status(&run.steps, "TRN-002"), Status::Fail);
    assert!(messages(&run.steps, "TRN-002").contains("lacks `artifactType`"));
}

#[test]
fn kit_packs_a_modelkit_not_a_modelpack_artifact_by_default() {
    let Some((a, _reg)) = registry_tool("kit") else {
        return;
    };
    let run = packer_run(&a);
    assert_eq!(
        status(&run.steps, "ADP-003"),
        Status::Pass,
        "{}",
        messages(&run.steps, "ADP-003")
    );
    assert_eq!(status(&run.steps, "PCK-001"), Status::Fail);
    let m = messages(&run.steps, "PCK-001");
    assert!(
        m.contains("application/vnd.kitops.modelkit.manifest.v1+json"),
        "{m}"
    );
    // kit has no way to set manifest annotations.
    assert_eq!(status(&run.steps, "PCK-004"), Status::Fail);
    assert!(messages(&run.steps, "PCK-004").contains("org.cncf.ai.artifact.type"));
    assert_eq!(status(&run.steps, "ADP-004"), Status::Pass);
}

#[test]
fn kit_with_use_model_pack_writes_modelpack_but_not_the_contract_annotations() {
    let Some((a, _reg)) = registry_tool("kit-modelpack") else {
        return;
    };
    let run = packer_run(&a);
    assert_eq!(status(&run.steps, "ADP-003"), Status::Pass);
    assert_eq!(status(&run.steps, "PCK-001"), Status::Fail);
    let m = messages(&run.steps, "PCK-001");
    // The ModelPack media types and config are right: only the contract's annotations fail.
    assert!(!m.contains("MPK-"), "{m}");
    assert!(m.contains("ANN-001"), "{m}");
    assert_eq!(status(&run.steps, "PCK-004"), Status::Fail);
}

#[test]
fn kit_unpacks_models_but_refuses_links_and_leaves_partial_output() {
    let Some((a, _reg)) = registry_tool("kit") else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::runtime::run(&a, &fixtures(), d.path());
    assert_eq!(status(&run.steps, "ADP-003"), Status::Pass);
    // A tar layer with a symbolic and a hard link inside the tree: kit extracts only
    // directories and regular files.
    assert_eq!(status(&run.steps, "RUN-001"), Status::Fail);
    assert!(messages(&run.steps, "RUN-001").contains("unrecognized type in archive"));
    // It refuses a blob whose size is off by one and a layer media type it does not know ...
    assert_eq!(status(&run.steps, "RUN-004"), Status::Pass);
    assert_eq!(status(&run.steps, "RUN-008"), Status::Pass);
    // ... but leaves what it wrote before it stopped.
    assert_eq!(status(&run.steps, "RUN-009"), Status::Fail);
    assert!(messages(&run.steps, "RUN-009").contains("left in the destination"));
    assert_eq!(status(&run.steps, "RUN-010"), Status::Skip);
}

#[test]
fn modctl_v0_1_2_writes_modelpack_s_earlier_names_and_config() {
    let Some((a, _reg)) = registry_tool("modctl") else {
        return;
    };
    let run = packer_run(&a);
    assert_eq!(status(&run.steps, "ADP-003"), Status::Pass);
    // ModelPack's earlier names (`vnd.cnai`, `org.cnai.model.filepath`) are accepted as
    // equivalents (MPK-011 is a SHOULD); what breaks is the earlier config field `diff_ids`
    // where ModelPack now has `diffIds`, and the contract's annotations.
    assert_eq!(status(&run.steps, "PCK-001"), Status::Fail);
    let m = messages(&run.steps, "PCK-001");
    assert!(m.contains("\"diffIds\" is a required property"), "{m}");
    assert!(m.contains("ANN-001"), "{m}");
    // Every file is there at its (legacy-keyed) path, nothing added: not a failure.
    for r in ["PCK-002", "PCK-003"] {
        assert_ne!(
            status(&run.steps, r),
            Status::Fail,
            "{}",
            messages(&run.steps, r)
        );
        assert_ne!(
            status(&run.steps, r),
            Status::Error,
            "{}",
            messages(&run.steps, r)
        );
    }
    // `--no-creation-time` drops createdAt, yet the Modelfile annotation carries the build time.
    assert_eq!(status(&run.steps, "PCK-005"), Status::Fail);
}

#[test]
fn modctl_unpacks_raw_models_refuses_tar_gzip_and_writes_outside_for_a_parent_path() {
    let Some((a, _reg)) = registry_tool("modctl") else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::runtime::run(&a, &fixtures(), d.path());
    assert_eq!(status(&run.steps, "ADP-003"), Status::Pass);
    // modctl 0.1.2 has no codec for ModelPack's `…code.v1.tar+gzip`.
    assert_eq!(status(&run.steps, "RUN-001"), Status::Fail);
    assert!(messages(&run.steps, "RUN-001").contains("unsupported codec type"));
    assert_eq!(status(&run.steps, "RUN-004"), Status::Pass);
    assert_eq!(status(&run.steps, "RUN-008"), Status::Pass);
    // `org.cncf.model.filepath` = `../README.md`: written beside the destination, then refused.
    assert_eq!(status(&run.steps, "RUN-009"), Status::Fail);
    let m = messages(&run.steps, "RUN-009");
    assert!(m.contains("written outside the destination"), "{m}");
    assert_eq!(status(&run.steps, "RUN-010"), Status::Skip);
}

#[test]
fn modctl_moves_artifacts_through_its_storage_byte_for_byte() {
    let Some((a, reg)) = registry_tool("modctl") else {
        return;
    };
    let d = tmp();
    let run = ai_interop::suites::transport::run(&a, &fixtures(), &reg, d.path());
    assert_eq!(status(&run.steps, "ADP-003"), Status::Pass);
    assert_eq!(
        status(&run.steps, "TRN-001"),
        Status::Pass,
        "{}",
        messages(&run.steps, "TRN-001")
    );
}

/// The matrix blames the right party and shows what moved: olot's artifact is not conformant
/// (ModelPack's diffIds without algorithm, among others), so the reference runtime's refusal
/// fails the cell at the packer (PCK-001), while the bytes still arrive intact; umoci is
/// not-applicable, with its scope; the reference route passes every layer.
#[test]
fn the_matrix_blames_the_packer_and_layers_each_cell() {
    let (Some(olot), Some(umoci), Some(reg)) = (adapter("olot"), adapter("umoci"), registry())
    else {
        return;
    };
    let d = tmp();
    let m = ai_interop::suites::matrix::run(
        &[reference(), olot, umoci],
        &fixtures().join("sources"),
        &reg,
        d.path(),
    );
    let cell = |p: &str, r: &str, k: &str| {
        m.cells
            .iter()
            .find(|c| c.packer.starts_with(p) && c.runtime.starts_with(r) && c.kind == k)
            .unwrap_or_else(|| panic!("no cell {p} → {r} ({k})"))
    };
    let own = cell("ai-interop", "ai-interop", "model");
    assert_eq!(own.verdict, "pass", "{}", own.message);
    for l in [
        &own.layers.bytes_intact,
        &own.layers.files_placed,
        &own.layers.contract_conformant,
    ] {
        assert_eq!(l.verdict, "pass", "{}", l.message);
    }
    assert_eq!(own.layers.placement.as_deref(), Some("filepath+tar"));

    let olot_ref = cell("olot", "ai-interop", "model");
    assert_eq!(olot_ref.verdict, "fail");
    assert_eq!(
        (olot_ref.step, olot_ref.requirement),
        (Some("pack"), Some("PCK-001"))
    );
    assert_eq!(olot_ref.layers.bytes_intact.verdict, "pass");
    assert_eq!(olot_ref.layers.contract_conformant.verdict, "fail");
    assert!(
        olot_ref
            .layers
            .broken
            .iter()
            .any(|b| b.requirement == "MPK-004" && b.origin == ai_interop::spec::Origin::Modelpack),
        "{:?}",
        olot_ref.layers.broken
    );

    let to_umoci = cell("ai-interop", "umoci", "model");
    assert_eq!(to_umoci.verdict, "not-applicable", "{}", to_umoci.message);
    assert!(to_umoci.message.contains("container images"));
    assert_eq!(to_umoci.layers.files_placed.verdict, "not-applicable");
}
