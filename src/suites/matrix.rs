//! The interop matrix: every packer × every transport × every runtime, each cell the verdict of
//! "packed by A, moved by B, unpacked by C" for each golden source tree A can pack. The column
//! `direct` hands A's layout to C with no transport, so that a transport's defect is told apart
//! from a packer's or a runtime's.

use super::files;
use super::packer::{SOURCES, TAG, pack_request, tagged_digest};
use super::transport::Registry;
use crate::targets::adapter::{Adapter, Command, Params, ReplyStatus, Sandbox, ToolInfo};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The verdict of one (packer, transport, runtime, kind).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    pub packer: String,
    pub transport: String,
    pub runtime: String,
    pub kind: String,
    /// `pass`, `fail`, `error` or `skip`.
    pub verdict: &'static str,
    /// The step that decided a non-pass: `pack`, `push`, `pull`, `unpack`, `compare`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<&'static str>,
    pub message: String,
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

/// A packed layout and its manifest digest, or where packing stopped.
type PackResult = Result<(PathBuf, String), Stop>;

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
            let moved: Result<PathBuf, Stop> = match (result, route) {
                (Err(stop), _) => Err(stop.clone()),
                (Ok((layout, _)), None) => Ok(layout.clone()),
                (Ok((layout, digest)), Some((ti, _))) => {
                    let repo = format!("p{pi}-t{ti}-{kind}");
                    move_once(
                        &adapters[*ti],
                        layout,
                        digest,
                        &registry.reference(&repo, TAG),
                        registry.origin.plain_http,
                        run_dir,
                        &mut keep,
                    )
                }
            };
            for (ri, rt) in &runtimes {
                let verdict: Result<(), Stop> = match &moved {
                    Err(stop) => Err(stop.clone()),
                    Ok(_) if !rt.has("unpack") => {
                        Err(("skip", "unpack", None, rt.lacking("unpack")))
                    }
                    Ok(layout) => {
                        unpack_and_compare(&adapters[*ri], layout, &sources.join(kind), run_dir)
                    }
                };
                let (verdict, step, requirement, message) = match verdict {
                    Ok(()) => (
                        "pass",
                        None,
                        None,
                        "unpacked byte for byte as the source tree".to_string(),
                    ),
                    Err((v, s, r, m)) => (v, Some(s), r, m),
                };
                cells.push(Cell {
                    packer: name(*pi, pt),
                    transport: route.map_or("direct".to_string(), |(i, t)| name(*i, t)),
                    runtime: name(*ri, rt),
                    kind: kind.to_string(),
                    verdict,
                    step,
                    requirement,
                    message,
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
pub fn to_markdown(m: &Matrix) -> String {
    let mut s = String::from(
        "# Interop matrix\n\nEach cell: packed by the packer, moved by the transport (push to a loopback CNCF Distribution registry, pull back into a new layout; `direct` hands the layout over unchanged), unpacked by the runtime, and compared byte for byte with the source tree. ✅ pass · ❌ fail (step, requirement) · ⚠️ error · ⏭️ skip (capability not offered).\n\n",
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
    s.push_str("\n## Why a cell did not pass\n\n");
    let mut seen = std::collections::BTreeSet::new();
    for c in m.cells.iter().filter(|c| c.verdict != "pass") {
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

fn short(c: &Cell) -> String {
    match c.verdict {
        "pass" => "✅".into(),
        "skip" => "⏭️".into(),
        "error" => format!("⚠️ {}", c.step.unwrap_or("")),
        _ => format!(
            "❌ {} {}",
            c.step.unwrap_or(""),
            c.requirement.unwrap_or("")
        ),
    }
}
