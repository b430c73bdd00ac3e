//! `ai-interop run packer|runtime|transport --adapter FILE` and `run matrix --adapters FILE…`:
//! tools judged through the adapter protocol, written as the common report.

use super::{CommonArgs, Exit, check_profile, emit, progress};
use crate::engine::report::now;
use crate::report::{ConformanceReport, TargetKind};
use crate::spec::{AppliesTo, Catalog};
use crate::suites::report::{StepResult, ToolReportInput, build};
use crate::targets::adapter::{Adapter, AdapterSpec, Command, ToolInfo, describe_command};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Load one adapter, with `--timeout-ms` applied to every command when given.
pub fn load_adapter(path: &Path, timeout_ms: Option<u64>) -> Result<Adapter, Exit> {
    let mut spec = AdapterSpec::load(path).map_err(|e| Exit::usage(e.to_string()))?;
    if let Some(ms) = timeout_ms {
        for c in Command::ALL {
            spec = spec.with_timeout(c, Duration::from_millis(ms.max(1)));
        }
    }
    Ok(Adapter::new(spec))
}

fn reference(adapter: &Adapter, tool: &Option<ToolInfo>) -> String {
    match tool {
        Some(t) => format!("adapter {} ({} {})", adapter.spec.name, t.name, t.version),
        None => format!("adapter {} (undescribed)", adapter.spec.name),
    }
}

fn options(
    adapter: &Adapter,
    tool: &Option<ToolInfo>,
    extra: serde_json::Value,
) -> serde_json::Value {
    json!({
        "adapter": adapter.spec.name,
        "descriptor": adapter.spec.source,
        "command": describe_command(&adapter.spec),
        "timeoutsMs": adapter.spec.timeouts.iter()
            .map(|(c, d)| (c.as_str().to_string(), json!(d.as_millis() as u64)))
            .collect::<serde_json::Map<_, _>>(),
        "tool": tool,
        "suite": extra,
    })
}

/// Run one tool suite and write its report; the exit code follows `check`.
pub fn run_tool_suite(
    kind: &str,
    adapter_path: &Path,
    tree: &crate::fixtures::embedded::FixtureTree,
    timeout_ms: Option<u64>,
    registry: Option<&str>,
    common: &CommonArgs,
) -> Result<u8, Exit> {
    check_profile(&common.profile)?;
    let fixtures = tree.path();
    // A tool that speaks only to registries is lent the registry (`needsRegistry`).
    let scratch = registry
        .map(crate::targets::adapter::ScratchRegistry::from_url)
        .transpose()
        .map_err(|e| Exit::usage(e.to_string()))?;
    let adapter = load_adapter(adapter_path, timeout_ms)?.with_registry(scratch.clone());
    let catalog = Catalog::embedded();
    let started = now();
    let dir = crate::targets::adapter::run_dir()
        .map_err(|e| Exit::harness(format!("cannot make a work directory: {e}")))?;
    progress::note(&format!("{kind} suite against {}", adapter.spec.name));
    let (steps, tool, target_kind, applies, extra) = match kind {
        "packer" => {
            let sources = fixtures.join("sources");
            let r = crate::suites::packer::run(catalog, &adapter, &sources, dir.path());
            (
                r.steps,
                r.tool,
                TargetKind::Packer,
                AppliesTo::Packer,
                json!({"sources": format!("sources/ of the {} fixture tree", tree.describe()), "registry": scratch.as_ref().map(|r| r.host.clone())}),
            )
        }
        "runtime" => {
            let r = crate::suites::runtime::run(&adapter, fixtures, dir.path());
            (
                r.steps,
                r.tool,
                TargetKind::Runtime,
                AppliesTo::Runtime,
                json!({
                    "positives": crate::suites::runtime::POSITIVES,
                    "negatives": crate::suites::runtime::NEGATIVES.iter().map(|n| json!({"case": n.case, "requirement": n.requirement, "control": n.control})).collect::<Vec<_>>(),
                    "signaturePolicy": {"signed": crate::suites::runtime::SIGNED, "unsigned": crate::suites::runtime::UNSIGNED},
                    "registry": scratch.as_ref().map(|r| r.host.clone()),
                }),
            )
        }
        "transport" => {
            let registry = transport_registry(registry)?;
            let r = crate::suites::transport::run(&adapter, fixtures, &registry, dir.path());
            (
                r.steps,
                r.tool,
                TargetKind::Transport,
                AppliesTo::Transport,
                json!({
                    "registry": registry.origin.host,
                    "namespace": registry.namespace,
                    "cases": crate::suites::runtime::POSITIVES,
                }),
            )
        }
        other => return Err(Exit::usage(format!("no {other} suite"))),
    };
    let report = tool_report(
        catalog,
        &adapter,
        steps,
        tool,
        target_kind,
        applies,
        started,
        extra,
        common,
        fixtures,
    );
    emit(&report, common)?;
    finish(&report)
}

#[allow(clippy::too_many_arguments)]
fn tool_report(
    catalog: &Catalog,
    adapter: &Adapter,
    steps: Vec<StepResult>,
    tool: Option<ToolInfo>,
    kind: TargetKind,
    applies: AppliesTo,
    started: String,
    extra: serde_json::Value,
    common: &CommonArgs,
    fixtures: &Path,
) -> ConformanceReport {
    build(
        catalog,
        &steps,
        ToolReportInput {
            kind,
            applies,
            reference: reference(adapter, &tool),
            profile: common.profile.clone(),
            started,
            options: options(adapter, &tool, extra),
            fixtures_digest: crate::fixtures::fixtures_digest(fixtures)
                .map(|d| d.to_string())
                .ok(),
        },
    )
}

/// 0 conformant, 1 not, 3 nothing decided (the adapter could not even describe itself).
pub fn finish(report: &ConformanceReport) -> Result<u8, Exit> {
    if let Some(why) = crate::report::nothing_decided(report) {
        return Err(Exit::harness(format!("nothing could be decided: {why}")));
    }
    let ok = !report.requirements.iter().any(|r| r.status.breaks(r.level));
    Ok(if ok { 0 } else { 1 })
}

/// The adapters named on the command line, in order.
pub fn adapter_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Exit> {
    if paths.is_empty() {
        return Err(Exit::usage(
            "--adapter FILE (or --adapters FILE… for the matrix) is required",
        ));
    }
    Ok(paths.to_vec())
}

/// What `run <kind>` takes of the `run` arguments: `run.rs` fills it, so this file never
/// imports `run.rs` (which dispatches here).
pub struct ToolRunArgs<'a> {
    pub fixtures: Option<&'a Path>,
    pub adapter: Option<&'a Path>,
    pub adapters: &'a [PathBuf],
    pub timeout_ms: Option<u64>,
    pub registry: Option<&'a str>,
    pub common: &'a CommonArgs,
}

/// `run <kind>` for the tool kinds.
pub fn dispatch(kind: &str, args: &ToolRunArgs) -> Result<u8, Exit> {
    let tree = crate::fixtures::embedded::FixtureTree::named_or_embedded(args.fixtures)
        .map_err(|e| Exit::usage(format!("fixtures: {e:#}")))?;
    match kind {
        "matrix" => {
            let paths = adapter_paths(args.adapters)?;
            run_matrix(
                &paths,
                tree.path(),
                args.timeout_ms,
                args.registry,
                args.common,
            )
        }
        _ => {
            let path = args
                .adapter
                .ok_or_else(|| Exit::usage(format!("run {kind} needs --adapter FILE")))?;
            run_tool_suite(
                kind,
                path,
                &tree,
                args.timeout_ms,
                args.registry,
                args.common,
            )
        }
    }
}

fn run_matrix(
    paths: &[PathBuf],
    fixtures: &Path,
    timeout_ms: Option<u64>,
    registry: Option<&str>,
    common: &CommonArgs,
) -> Result<u8, Exit> {
    let registry = transport_registry(registry)?;
    let adapters = paths
        .iter()
        .map(|p| load_adapter(p, timeout_ms).map(|a| a.with_registry(Some(registry.scratch()))))
        .collect::<Result<Vec<_>, _>>()?;
    let dir = crate::targets::adapter::run_dir()
        .map_err(|e| Exit::harness(format!("cannot make a work directory: {e}")))?;
    progress::note(&format!("interop matrix over {} adapters", adapters.len()));
    let matrix =
        crate::suites::matrix::run(&adapters, &fixtures.join("sources"), &registry, dir.path());
    let json = serde_json::to_string_pretty(&json!({
        "apiVersion": crate::report::API_VERSION,
        "kind": "InteropMatrix",
        "suite": crate::engine::report::suite_info(),
        "specVersion": Catalog::embedded().version,
        "generated": now(),
        "registry": "CNCF Distribution on loopback (plain HTTP)",
        "matrix": matrix,
    }))
    .map_err(|e| Exit::harness(e.to_string()))?;
    let md = crate::suites::matrix::to_markdown(&matrix);
    if let Some(out) = &common.out {
        let json = format!("{json}\n");
        crate::output::write_files_into(
            out,
            &[
                ("matrix.json", json.as_bytes()),
                ("matrix.md", md.as_bytes()),
            ],
        )
        .map_err(|e| super::output_exit(out, &e))?;
    }
    match common.format {
        super::Output::Json => println!("{json}"),
        _ => print!("{md}"),
    }
    let failed = matrix
        .cells
        .iter()
        // An out-of-scope cell is nobody's failure, like a capability not offered.
        .filter(|c| !matches!(c.verdict, "pass" | "skip" | "not-applicable"))
        .count();
    Ok(if failed == 0 { 0 } else { 1 })
}

fn transport_registry(url: Option<&str>) -> Result<crate::suites::transport::Registry, Exit> {
    let url = url.ok_or_else(|| {
        Exit::usage(
            "moving artifacts needs --registry http://127.0.0.1:<port> (or AI_INTEROP_REGISTRY_URL)",
        )
    })?;
    crate::suites::transport::Registry::from_url(url).map_err(|e| Exit::usage(e.to_string()))
}
