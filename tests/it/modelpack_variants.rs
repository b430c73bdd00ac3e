//! Known producer variants are named in the findings of the golden fixtures that write them
//! (spec/v1.0/modelpack.md, "Known producer variants").

use ai_interop::selftest::run_case;
use ai_interop::spec::Catalog;
use std::path::PathBuf;

/// (case, requirement it fails, the variant its finding names)
const NAMED: &[(&str, &str, &str)] = &[
    (
        "mpk-006-weight-gguf-media-type",
        "MPK-006",
        "docker-model-runner-gguf-weight",
    ),
    (
        "mpk-006-weight-safetensors-media-type",
        "MPK-006",
        "docker-model-runner-safetensors-weight",
    ),
    (
        "mpk-006-docker-ai-gguf-layer",
        "MPK-006",
        "docker-model-runner-docker-format",
    ),
    (
        "mpk-002-config-media-type-docker-ai",
        "MPK-002",
        "docker-model-runner-docker-format",
    ),
    ("mpk-001-artifact-type-kitops", "MPK-001", "kitops-modelkit"),
    (
        "mpk-002-config-media-type-kitops",
        "MPK-002",
        "kitops-modelkit",
    ),
    (
        "mpk-006-kitops-modelkit-layer",
        "MPK-006",
        "kitops-modelkit",
    ),
    (
        "man-005-artifact-type-missing",
        "MAN-005",
        "modelpack-config-without-artifact-type",
    ),
];

#[test]
fn findings_name_the_variant() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
    let cases = ai_interop::fixtures::load_cases(&root).expect("fixture cases load");
    for (id, requirement, variant) in NAMED {
        let (dir, case) = cases
            .iter()
            .find(|(_, c)| c.id == *id)
            .unwrap_or_else(|| panic!("no fixture case {id}"));
        let outcome = run_case(Catalog::embedded(), dir, case);
        assert!(
            outcome.mismatches.is_empty(),
            "{id}: {:?}",
            outcome.mismatches
        );
        let ev = outcome.evaluation.expect("evaluated");
        let named: Vec<_> = ev
            .findings()
            .filter(|f| f.requirement == *requirement)
            .filter(|f| f.message.contains(&format!("variant {variant})")))
            .filter(|f| f.variant.as_deref() == Some(*variant))
            .collect();
        assert!(
            !named.is_empty(),
            "{id}: no {requirement} finding names {variant}"
        );
    }
}

#[test]
fn allowed_variants_raise_no_finding() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/v1.0");
    let cases = ai_interop::fixtures::load_cases(&root).expect("fixture cases load");
    let (dir, case) = cases
        .iter()
        .find(|(_, c)| c.id == "pass-kitops-kitfile-annotation")
        .expect("the kitfile case");
    let outcome = run_case(Catalog::embedded(), dir, case);
    assert!(outcome.mismatches.is_empty(), "{:?}", outcome.mismatches);
    assert_eq!(outcome.evaluation.expect("evaluated").findings().count(), 0);
}
