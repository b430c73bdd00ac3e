//! The interop matrix: every packer × every transport × every runtime, each cell the verdict of
//! "packed by A, moved by B, unpacked by C" for each golden source tree A can pack. The column
//! `direct` hands A's layout to C with no transport, so that a transport's defect is told apart
//! from a packer's or a runtime's.

use super::files;
use super::packer::{SOURCES, TAG, judge_artifact, pack_request, tagged_digest};
use super::transport::Registry;
use crate::document::Limits;
use crate::vocabulary::{FILEPATH, IMAGE_TITLE, LEGACY_FILEPATH};

use crate::digest::{Digest, Hasher, HashingReader};
use crate::spec::{Catalog, Origin};
use crate::targets::adapter::{Adapter, Command, Params, ReplyStatus, Sandbox, ToolInfo};
use crate::targets::layout::OciLayout;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The verdict of one (packer, transport, runtime, kind).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    pub packer: String,
    pub transport: String,
    pub runtime: String,
    pub kind: String,
    /// `pass`, `fail`, `error`, `skip` or `not-applicable` (the kind is outside the runtime's
    /// declared scope).
    pub verdict: &'static str,
    /// The step that decided a non-pass: `pack`, `push`, `pull`, `unpack`, `compare`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<&'static str>,
    pub message: String,
    /// What the route did, layer by layer, whatever the verdict.
    pub layers: Layers,
}

/// One layer of a cell: `pass`, `fail`, `error`, or `not-applicable` when the route never
/// reached it (the message says why).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layer {
    pub verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<&'static str>,
    pub message: String,
}

impl Layer {
    fn pass(message: impl Into<String>) -> Layer {
        Layer {
            verdict: "pass",
            requirement: None,
            message: message.into(),
        }
    }
    fn fail(requirement: Option<&'static str>, message: impl Into<String>) -> Layer {
        Layer {
            verdict: "fail",
            requirement,
            message: message.into(),
        }
    }
    fn not_reached(message: impl Into<String>) -> Layer {
        Layer {
            verdict: "not-applicable",
            requirement: None,
            message: message.into(),
        }
    }
}

/// A requirement the packer's artifact breaks, and whose rule it is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Broken {
    pub requirement: String,
    pub origin: Origin,
}

/// The layers of a cell (`spec/v1.0/adapters.md`, "The interop matrix").
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Layers {
    /// The manifest the runtime is handed has the packer's digest, and every blob hashes to
    /// its descriptor (TRN-001; PCK-001 on the direct route).
    pub bytes_intact: Layer,
    /// The runtime wrote the source tree byte for byte, and nothing else (RUN-002).
    pub files_placed: Layer,
    /// The packer's artifact meets the contract (PCK-001).
    pub contract_conformant: Layer,
    /// How the packer named the files: `filepath`, `title`, `tar`, joined by `+` when mixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// The requirements the packer's artifact breaks, each with its origin.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub broken: Vec<Broken>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub adapter: String,
    pub tool: Option<ToolInfo>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Matrix {
    pub participants: Vec<Participant>,
    pub packers: Vec<String>,
    pub transports: Vec<String>,
    pub runtimes: Vec<String>,
    pub cells: Vec<Cell>,
}

/// A stop on the way: verdict, step, requirement, message.
type Stop = (&'static str, &'static str, Option<&'static str>, String);

/// A cell's verdict, step (none on a pass), requirement and message.
type Verdict = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    String,
);

/// What a packer made of one source tree: the layout, its manifest digest, and what the
/// contract and the file naming say about it.
#[derive(Debug, Clone)]
struct PackedArtifact {
    layout: PathBuf,
    digest: String,
    contract: Layer,
    broken: Vec<Broken>,
    placement: Option<String>,
}

/// A packed artifact, or where packing stopped.
type PackResult = Result<PackedArtifact, Stop>;

fn label(t: &ToolInfo) -> String {
    format!("{} {}", t.name, t.version)
}

/// A stage's outcome turned into a stop, or the reply when `ok`.
fn step(
    ex: &crate::targets::adapter::Exchange,
    name: &'static str,
    refused_req: &'static str,
) -> Result<(), Stop> {
    if !ex.outside_writes.is_empty() {
        return Err((
            "fail",
            name,
            Some("ADP-004"),
            format!(
                "wrote outside its work directory: {}",
                files::first(&ex.outside_writes, 3)
            ),
        ));
    }
    match &ex.reply {
        Err(e) => Err(("error", name, Some("ADP-001"), ex.fault(e))),
        Ok(r) if r.status == ReplyStatus::Ok => Ok(()),
        Ok(r) => Err((
            "fail",
            name,
            Some(refused_req),
            format!(
                "answered `{}`: {}",
                crate::targets::adapter::status_name(&r.status),
                r.message
            ),
        )),
    }
}

pub fn run(adapters: &[Adapter], sources: &Path, registry: &Registry, run_dir: &Path) -> Matrix {
    let mut participants = Vec::new();
    let mut tools: Vec<(usize, ToolInfo)> = Vec::new();
    for (i, a) in adapters.iter().enumerate() {
        let (step, tool) = super::tool::describe(a, run_dir);
        let problem = step
            .marks
            .marks
            .iter()
            .find(|m| m.status != crate::model::Status::Pass)
            .map(|m| m.message.clone());
        if let Some(t) = &tool {
            tools.push((i, t.clone()));
        }
        participants.push(Participant {
            adapter: a.spec.name.clone(),
            tool,
            problem,
        });
    }
    let by_role = |role: &str| -> Vec<(usize, ToolInfo)> {
        tools
            .iter()
            .filter(|(_, t)| t.has_role(role))
            .cloned()
            .collect()
    };
    let (packers, transports, runtimes) =
        (by_role("packer"), by_role("transport"), by_role("runtime"));
    let name = |_: usize, t: &ToolInfo| label(t);

    // Pack every source tree once per packer; keep the sandboxes alive for the later steps.
    let mut keep: Vec<Sandbox> = Vec::new();
    let mut packed: Vec<(usize, &'static str, PackResult)> = Vec::new();
    for (pi, pt) in &packers {
        for (kind, capability, _) in SOURCES {
            let result = if !pt.has(capability) {
                Err(("skip", "pack", None, pt.lacking(capability)))
            } else {
                pack_once(
                    &adapters[*pi],
                    kind,
                    &sources.join(kind),
                    run_dir,
                    &mut keep,
                )
                .map(|(layout, digest)| assess(layout, digest, kind))
            };
            packed.push((*pi, kind, result));
        }
    }
    let mut cells = Vec::new();
    let mut transport_names = vec!["direct".to_string()];
    transport_names.extend(transports.iter().map(|(i, t)| name(*i, t)));
    for (pi, kind, result) in &packed {
        let pt = &tools
            .iter()
            .find(|(i, _)| i == pi)
            .expect("packer described")
            .1;
        // None = direct.
        let mut routes: Vec<Option<&(usize, ToolInfo)>> = vec![None];
        routes.extend(transports.iter().map(Some));
        for route in routes {
            let transport = route.map_or("direct".to_string(), |(i, t)| name(*i, t));
            let moved: Result<PathBuf, Stop> = match (result, route) {
                (Err(stop), _) => Err(stop.clone()),
                (Ok(p), None) => Ok(p.layout.clone()),
                (Ok(p), Some((ti, _))) => {
                    let repo = format!("p{pi}-t{ti}-{kind}");
                    move_once(
                        &adapters[*ti],
                        &p.layout,
                        &p.digest,
                        &registry.reference(&repo, TAG),
                        registry.origin.plain_http,
                        run_dir,
                        &mut keep,
                    )
                }
            };
            let bytes = bytes_layer(result, &moved, route.is_none());
            for (ri, rt) in &runtimes {
                let (cell, files_placed) = route_cell(
                    result,
                    &moved,
                    &bytes,
                    kind,
                    (&adapters[*ri], rt),
                    &label(pt),
                    &sources.join(kind),
                    run_dir,
                );
                let (verdict, step, requirement, message) = cell;
                let (contract, broken, placement) = match result {
                    Ok(p) => (p.contract.clone(), p.broken.clone(), p.placement.clone()),
                    Err(_) => (Layer::not_reached("nothing was packed"), Vec::new(), None),
                };
                cells.push(Cell {
                    packer: name(*pi, pt),
                    transport: transport.clone(),
                    runtime: name(*ri, rt),
                    kind: kind.to_string(),
                    verdict,
                    step,
                    requirement,
                    message,
                    layers: Layers {
                        bytes_intact: bytes.clone(),
                        files_placed,
                        contract_conformant: contract,
                        placement,
                        broken,
                    },
                });
            }
        }
    }
    drop(keep);
    Matrix {
        participants,
        packers: packers.iter().map(|(i, t)| name(*i, t)).collect(),
        transports: transport_names,
        runtimes: runtimes.iter().map(|(i, t)| name(*i, t)).collect(),
        cells,
    }
}

/// A cell's verdict (who is to blame for the first thing that went wrong) and its
/// files-placed layer. A runtime is judged only on conformant artifacts: when it fails on an
/// artifact the packer made non-conformant, the cell fails at the packer (PCK-001).
#[allow(clippy::too_many_arguments)]
fn route_cell(
    packed: &PackResult,
    moved: &Result<PathBuf, Stop>,
    bytes: &Layer,
    kind: &str,
    (adapter, rt): (&Adapter, &ToolInfo),
    packer: &str,
    source: &Path,
    run_dir: &Path,
) -> (Verdict, Layer) {
    let stop = |(v, s, r, m): Stop| (v, Some(s), r, m);
    let layout = match moved {
        Err(st) => {
            return (
                stop(st.clone()),
                Layer::not_reached(format!("not reached: {} at `{}`", st.0, st.1)),
            );
        }
        Ok(l) => l,
    };
    if let Some(why) = rt.out_of_scope(kind) {
        return (
            ("not-applicable", Some("unpack"), None, why.clone()),
            Layer::not_reached(why),
        );
    }
    if !rt.has("unpack") {
        let why = rt.lacking("unpack");
        return (
            ("skip", Some("unpack"), None, why.clone()),
            Layer::not_reached(why),
        );
    }
    let contract_broken = match packed {
        Ok(p) if p.contract.verdict != "pass" => Some(p.contract.message.clone()),
        _ => None,
    };
    let outcome = unpack_and_compare(adapter, layout, source, run_dir);
    let files = match &outcome {
        Ok(()) => Layer::pass("every file of the source tree, byte for byte, and nothing else"),
        Err((v, s, r, m)) if *v == "error" => Layer {
            verdict: "error",
            requirement: *r,
            message: format!("at `{s}`: {m}"),
        },
        Err((_, s, r, m)) if contract_broken.is_some() && on_the_artifact(*r) => {
            Layer::fail(None, format!("at `{s}`: {m}"))
        }
        Err((_, s, r, m)) => Layer::fail(*r, format!("at `{s}`: {m}")),
    };
    let verdict = match (outcome, contract_broken) {
        (Err(st), _) if st.0 == "error" => stop(st),
        (Err((_, s, r, m)), Some(broken)) if on_the_artifact(r) => (
            "fail",
            Some("pack"),
            Some("PCK-001"),
            format!(
                "{packer}'s artifact is not conformant ({broken}); {} did not place it (at `{s}`: {m}), which a runtime may rightly do with a non-conformant artifact",
                label(rt)
            ),
        ),
        (Err(st), _) => stop(st),
        (Ok(()), _) if bytes.verdict == "fail" => (
            "fail",
            Some(if bytes.requirement == Some("TRN-001") {
                "pull"
            } else {
                "pack"
            }),
            bytes.requirement,
            bytes.message.clone(),
        ),
        (Ok(()), _) => (
            "pass",
            None,
            None,
            "unpacked byte for byte as the source tree".to_string(),
        ),
    };
    (verdict, files)
}

/// Whether a runtime's failure is about the artifact it was handed (refusing it, RUN-001, or
/// not placing its files, RUN-002), and so excused when the artifact is not conformant; a
/// write outside its work directory (ADP-004) is the runtime's whatever it was handed.
fn on_the_artifact(requirement: Option<&'static str>) -> bool {
    matches!(requirement, Some("RUN-001" | "RUN-002"))
}

/// The bytes-intact layer of a route: on the layout the runtime is handed, the manifest has
/// the packer's digest (checked by the move) and every blob hashes to its descriptor.
fn bytes_layer(packed: &PackResult, moved: &Result<PathBuf, Stop>, direct: bool) -> Layer {
    let requirement = if direct { "PCK-001" } else { "TRN-001" };
    match (packed, moved) {
        (Err(st), _) => Layer::not_reached(format!("not reached: {} at `{}`", st.0, st.1)),
        (_, Err(st)) if st.2 == Some("TRN-001") => Layer::fail(Some("TRN-001"), st.3.clone()),
        (_, Err(st)) => Layer::not_reached(format!("not reached: {} at `{}`", st.0, st.1)),
        (Ok(p), Ok(layout)) => match blobs_intact(layout, TAG, &p.digest) {
            Ok(n) => Layer::pass(format!(
                "manifest {} and its {n} blob(s) hash to their descriptors",
                p.digest
            )),
            Err(e) => Layer::fail(Some(requirement), e),
        },
    }
}

/// Hash the tagged manifest and every blob it references against their descriptors; the
/// number of blobs checked.
fn blobs_intact(layout: &Path, tag: &str, want: &str) -> Result<usize, String> {
    let limits = Limits::default();
    let l = OciLayout::open(layout, &limits).map_err(|e| e.to_string())?;
    let (_, manifest) = l.select(Some(tag), &limits).map_err(|e| e.to_string())?;
    let json = manifest.json.map_err(|e| format!("manifest: {e}"))?;
    let mut descriptors: Vec<(String, Option<u64>)> = vec![(want.to_string(), None)];
    for d in std::iter::once(json.get("config"))
        .chain(
            json.get("layers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(Some),
        )
        .flatten()
    {
        let digest = d
            .get("digest")
            .and_then(Value::as_str)
            .ok_or("a descriptor has no digest")?;
        descriptors.push((digest.to_string(), d.get("size").and_then(Value::as_u64)));
    }
    for (digest, size) in &descriptors {
        let parsed = Digest::parse(digest).map_err(|e| format!("{digest}: {e}"))?;
        let file = l
            .open_blob_file(&parsed)
            .map_err(|e| format!("{digest}: {e}"))?;
        let hasher = Hasher::new(parsed.algorithm())
            .ok_or_else(|| format!("{digest}: unknown algorithm"))?;
        let (got, n) = HashingReader::new(file, hasher)
            .drain()
            .map_err(|e| format!("{digest}: {e}"))?;
        if got != parsed {
            return Err(format!("blob {digest} hashes to {got}"));
        }
        if let Some(s) = size
            && *s != n
        {
            return Err(format!(
                "blob {digest} has {n} bytes, its descriptor says {s}"
            ));
        }
    }
    Ok(descriptors.len() - 1)
}

/// PCK-001 and the file naming of a packed artifact.
fn assess(layout: PathBuf, digest: String, kind: &str) -> PackedArtifact {
    let profile = SOURCES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or("core", |(_, _, p)| p);
    let catalog = Catalog::embedded();
    let (contract, broken) = match judge_artifact(catalog, &layout, profile) {
        Ok(lines) if lines.is_empty() => (
            Layer::pass(format!("meets every MUST of `{profile}`")),
            Vec::new(),
        ),
        Ok(lines) => {
            let broken: Vec<Broken> = lines
                .iter()
                .filter_map(|l| l.split_whitespace().next())
                .filter_map(|id| catalog.get(id))
                .map(|r| Broken {
                    requirement: r.id.clone(),
                    origin: r.origin,
                })
                .collect();
            let upstream = broken.iter().filter(|b| b.origin.is_upstream()).count();
            (
                Layer::fail(
                    Some("PCK-001"),
                    format!(
                        "breaks {} requirement(s) of `{profile}`, {upstream} of them an upstream rule: {}",
                        lines.len(),
                        files::first(&lines, 3)
                    ),
                ),
                broken,
            )
        }
        Err(e) => (
            Layer::fail(Some("PCK-001"), format!("the artifact cannot be read: {e}")),
            Vec::new(),
        ),
    };
    let placement = placement(&layout, TAG);
    PackedArtifact {
        layout,
        digest,
        contract,
        broken,
        placement,
    }
}

/// How the artifact names its files: `filepath` (ModelPack's annotation, or its legacy
/// name), `title` (`org.opencontainers.image.title`), `tar` (entries of tar layers), `none`;
/// several joined by `+`.
fn placement(layout: &Path, tag: &str) -> Option<String> {
    let limits = Limits::default();
    let l = OciLayout::open(layout, &limits).ok()?;
    let (_, manifest) = l.select(Some(tag), &limits).ok()?;
    let json = manifest.json.ok()?;
    let mut ways: Vec<&str> = Vec::new();
    for layer in json.get("layers").and_then(Value::as_array)? {
        let has = |k: &str| layer.get("annotations").and_then(|a| a.get(k)).is_some();
        let media_type = layer.get("mediaType").and_then(Value::as_str).unwrap_or("");
        let way = if media_type.contains("tar") {
            "tar"
        } else if has(FILEPATH) || has(LEGACY_FILEPATH) {
            "filepath"
        } else if has(IMAGE_TITLE) {
            "title"
        } else {
            "none"
        };
        if !ways.contains(&way) {
            ways.push(way);
        }
    }
    Some(ways.join("+"))
}

fn pack_once(
    adapter: &Adapter,
    kind: &str,
    source: &Path,
    run_dir: &Path,
    keep: &mut Vec<Sandbox>,
) -> Result<(PathBuf, String), Stop> {
    let sandbox =
        Sandbox::new(Some(run_dir)).map_err(|e| ("error", "pack", None, e.to_string()))?;
    let (ex, layout) =
        pack_request(adapter, kind, source, &sandbox).map_err(|e| ("error", "pack", None, e))?;
    step(&ex, "pack", "ADP-003")?;
    let digest = tagged_digest(&layout, TAG).map_err(|e| ("fail", "pack", Some("PCK-001"), e))?;
    keep.push(sandbox);
    Ok((layout, digest))
}

fn move_once(
    adapter: &Adapter,
    layout: &Path,
    digest: &str,
    reference: &str,
    plain_http: bool,
    run_dir: &Path,
    keep: &mut Vec<Sandbox>,
) -> Result<PathBuf, Stop> {
    let sandbox =
        Sandbox::new(Some(run_dir)).map_err(|e| ("error", "push", None, e.to_string()))?;
    let input = sandbox.input.join("layout");
    crate::targets::adapter::copy_tree(layout, &input)
        .map_err(|e| ("error", "push", None, e.to_string()))?;
    let push = adapter.request(
        Command::Push,
        Params::default()
            .path("layout", &input)
            .set("tag", TAG)
            .set("reference", reference)
            .set("plainHttp", plain_http),
        &sandbox,
        &[],
    );
    step(&push, "push", "ADP-003")?;
    let pulled = sandbox.output.join("pulled");
    let pull = adapter.request(
        Command::Pull,
        Params::default()
            .path("layout", &pulled)
            .set("tag", TAG)
            .set("reference", reference)
            .set("plainHttp", plain_http),
        &sandbox,
        &[&pulled],
    );
    step(&pull, "pull", "ADP-003")?;
    match tagged_digest(&pulled, TAG) {
        Ok(d) if d == digest => {}
        Ok(d) => {
            return Err((
                "fail",
                "pull",
                Some("TRN-001"),
                format!("the manifest came back as {d}, packed as {digest}"),
            ));
        }
        Err(e) => return Err(("fail", "pull", Some("TRN-001"), e)),
    }
    keep.push(sandbox);
    Ok(pulled)
}

fn unpack_and_compare(
    adapter: &Adapter,
    layout: &Path,
    source: &Path,
    run_dir: &Path,
) -> Result<(), Stop> {
    let sandbox =
        Sandbox::new(Some(run_dir)).map_err(|e| ("error", "unpack", None, e.to_string()))?;
    let (ex, dest) = super::runtime::unpack(adapter, layout, TAG, &sandbox)
        .map_err(|e| ("error", "unpack", None, e))?;
    step(&ex, "unpack", "RUN-001")?;
    let expected = files::dir_tree(source).map_err(|e| ("error", "compare", None, e))?;
    let got = files::dir_tree(&dest).map_err(|e| ("fail", "compare", Some("RUN-002"), e))?;
    let diff = files::differences(&expected, &got, true);
    if diff.is_empty() {
        Ok(())
    } else {
        Err(("fail", "compare", Some("RUN-002"), files::first(&diff, 5)))
    }
}

/// The matrix as Markdown: one row per (packer, transport), one column per runtime and kind.
pub(crate) fn to_markdown(m: &Matrix) -> String {
    let mut s = String::from(
        "# Interop matrix\n\nEach cell: packed by the packer, moved by the transport (push to a loopback CNCF Distribution registry, pull back into a new layout; `direct` hands the layout over unchanged), unpacked by the runtime, and compared byte for byte with the source tree. ✅ pass · ❌ fail (step, requirement: the party to blame) · ⚠️ error · ⏭️ skip (capability not offered) · ➖ not applicable (outside the runtime's declared scope). A runtime is judged only on conformant artifacts: when it does not place a non-conformant artifact, the cell fails at the packer (PCK-001).\n\nAfter the verdict, the cell's layers: **B** bytes intact (the manifest's digest and every blob kept end to end), **F** files placed byte for byte by the runtime, **C** the packer's artifact conformant to this contract (➖ = not reached). A route whose B and F pass moves the model intact and places every file, even where C fails.\n\n",
    );
    s.push_str("## Participants\n\n| Adapter | Tool | Roles | Capabilities |\n|---|---|---|---|\n");
    for p in &m.participants {
        match &p.tool {
            Some(t) => s.push_str(&format!(
                "| {} | {} {} | {} | {} |\n",
                p.adapter,
                t.name,
                t.version,
                t.roles.join(", "),
                t.capabilities.join(", ")
            )),
            None => s.push_str(&format!(
                "| {} | — | — | {} |\n",
                p.adapter,
                p.problem.clone().unwrap_or_default().replace('|', "\\|")
            )),
        }
    }
    let kinds: Vec<&str> = SOURCES.iter().map(|(k, _, _)| *k).collect();
    s.push_str(&format!("\n## What each packer's artifact is\n\nContract conformance (PCK-001) and how the files are named (`filepath`: `{FILEPATH}`; `title`: `{IMAGE_TITLE}`; `tar`: entries of tar layers). The requirements broken are grouped by whose rule they are: an upstream specification (a defect against it) or this contract only.\n\n| Packer | Kind | Files named by | Contract | Upstream rules broken | Contract-only rules broken |\n|---|---|---|---|---|---|\n"));
    let mut seen_packed = std::collections::BTreeSet::new();
    for c in &m.cells {
        if c.layers.contract_conformant.verdict == "not-applicable"
            || !seen_packed.insert((c.packer.clone(), c.kind.clone()))
        {
            continue;
        }
        let list = |upstream: bool| {
            let v: Vec<String> = c
                .layers
                .broken
                .iter()
                .filter(|b| b.origin.is_upstream() == upstream)
                .map(|b| {
                    if upstream {
                        format!("{} ({})", b.requirement, b.origin.label())
                    } else {
                        b.requirement.clone()
                    }
                })
                .collect();
            if v.is_empty() {
                "—".to_string()
            } else {
                v.join(", ")
            }
        };
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            c.packer,
            c.kind,
            c.layers.placement.as_deref().unwrap_or("—"),
            glyph(c.layers.contract_conformant.verdict),
            list(true),
            list(false)
        ));
    }
    s.push_str("\n## Verdicts\n\n| Packer | Transport | Runtime |");
    for k in &kinds {
        s.push_str(&format!(" {k} |"));
    }
    s.push_str("\n|---|---|---|");
    s.push_str(&"---|".repeat(kinds.len()));
    s.push('\n');
    let mut rows: Vec<(&str, &str, &str)> = Vec::new();
    for c in &m.cells {
        let row = (c.packer.as_str(), c.transport.as_str(), c.runtime.as_str());
        if !rows.contains(&row) {
            rows.push(row);
        }
    }
    for (p, t, r) in rows {
        s.push_str(&format!("| {p} | {t} | {r} |"));
        for k in &kinds {
            let c = m
                .cells
                .iter()
                .find(|c| c.packer == p && c.transport == t && c.runtime == r && c.kind == *k);
            s.push_str(&format!(" {} |", c.map_or("—".to_string(), short)));
        }
        s.push('\n');
    }
    // A runtime's scope is one sentence per runtime and kind, not one per route.
    s.push_str("\n## Outside a runtime's declared scope (not-applicable)\n\n");
    let mut scoped = std::collections::BTreeSet::new();
    for c in m.cells.iter().filter(|c| c.verdict == "not-applicable") {
        if scoped.insert((c.runtime.clone(), c.kind.clone())) {
            s.push_str(&format!(
                "- {} ({}): {}\n",
                c.runtime,
                c.kind,
                c.message.replace('\n', " ")
            ));
        }
    }
    if scoped.is_empty() {
        s.push_str("None.\n");
    }
    s.push_str("\n## Why a cell did not pass\n\n");
    let mut seen = std::collections::BTreeSet::new();
    for c in m
        .cells
        .iter()
        .filter(|c| c.verdict != "pass" && c.verdict != "not-applicable")
    {
        let line = format!(
            "- {} → {} → {} ({}): {} at `{}`{}: {}\n",
            c.packer,
            c.transport,
            c.runtime,
            c.kind,
            c.verdict,
            c.step.unwrap_or("-"),
            c.requirement.map(|r| format!(" ({r})")).unwrap_or_default(),
            c.message.replace('\n', " ")
        );
        if seen.insert(line.clone()) {
            s.push_str(&line);
        }
    }
    s
}

fn glyph(verdict: &str) -> &'static str {
    match verdict {
        "pass" => "✅",
        "skip" => "⏭️",
        "error" => "⚠️",
        "not-applicable" => "➖",
        _ => "❌",
    }
}

fn short(c: &Cell) -> String {
    let verdict = match c.verdict {
        "pass" | "skip" | "not-applicable" => glyph(c.verdict).to_string(),
        "error" => format!("⚠️ {}", c.step.unwrap_or("")),
        _ => format!(
            "❌ {} {}",
            c.step.unwrap_or(""),
            c.requirement.unwrap_or("")
        ),
    };
    if c.layers.contract_conformant.verdict == "not-applicable" {
        return verdict; // nothing was packed: no layer to show
    }
    format!(
        "{verdict} · B{} F{} C{}",
        glyph(c.layers.bytes_intact.verdict),
        glyph(c.layers.files_placed.verdict),
        glyph(c.layers.contract_conformant.verdict)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suites::runtime::case_tag;

    fn case(name: &str) -> (PathBuf, String, String) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/v1.0")
            .join(name);
        let tag = case_tag(&dir).unwrap();
        let digest = tagged_digest(&dir, &tag).unwrap();
        (dir, tag, digest)
    }

    #[test]
    fn bytes_intact_hashes_every_blob() {
        let (dir, tag, digest) = case("model/pass-model-raw");
        assert!(blobs_intact(&dir, &tag, &digest).unwrap() >= 2);
        let (dir, tag, digest) = case("model/dsc-004-layer-bytes-changed");
        let e = blobs_intact(&dir, &tag, &digest).unwrap_err();
        assert!(e.contains("hashes to"), "{e}");
    }

    #[test]
    fn placement_names_how_files_are_named() {
        let (dir, tag, _) = case("model/pass-model-raw");
        assert_eq!(placement(&dir, &tag).as_deref(), Some("filepath"));
        let (dir, tag, _) = case("model/pass-model-tar");
        assert!(placement(&dir, &tag).unwrap().contains("tar"));
    }

    #[test]
    fn only_failures_on_the_artifact_are_excused_by_a_non_conformant_one() {
        assert!(on_the_artifact(Some("RUN-001")));
        assert!(on_the_artifact(Some("RUN-002")));
        assert!(!on_the_artifact(Some("ADP-004")));
        assert!(!on_the_artifact(None));
    }
}
