//! A self-contained HTML page for people: profile roll-ups first, then the requirements grouped
//! by spec area, every finding with its location and the requirement it is about, the tests, and
//! a coverage view for spec editors (requirement ↔ check ↔ fixture).
//!
//! One file, nothing fetched: the CSS and a few lines of script (the status filter) are inline,
//! and a Content-Security-Policy allows only that one script, by its hash, so a string that
//! slipped through escaping could still not run. Every text from the report is escaped; the page
//! reads the same without script (the filter is then simply absent).
//!
//! Spec links are relative to the repository root (`spec/v1.0/<file>.md#<heading>`): they resolve
//! when the page is opened from a checkout's root and on any mirror of the repository; the
//! requirement's full text is on the page as well, so an air-gapped reader loses nothing.

use super::coverage::Coverage;
use super::model::{ConformanceReport, RequirementResult, Rollup, Statistics, TestResult};
use crate::model::{Finding, Status};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Every status in the order the page lists them.
pub(crate) const STATUSES: [Status; 7] = [
    Status::Fail,
    Status::Error,
    Status::Xpass,
    Status::Skip,
    Status::Xfail,
    Status::Pass,
    Status::NotApplicable,
];

/// The Markdown subset of the spec's requirement sentences, as HTML: `` `code` `` and
/// `**strong**`; everything else is escaped text (a hostile report cannot inject markup: the
/// markers are found in the raw text and every piece between them goes through [`esc`]).
pub(crate) fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let pieces = s.split('`').count();
    for (i, piece) in s.split('`').enumerate() {
        // Odd pieces lie between backticks; an unpaired last backtick stays literal.
        let paired = i % 2 == 1 && pieces > i + 1;
        if paired {
            out.push_str("<code>");
            esc_into(&mut out, piece);
            out.push_str("</code>");
            continue;
        }
        if i % 2 == 1 {
            out.push('`');
        }
        let parts = piece.split("**").count();
        for (j, part) in piece.split("**").enumerate() {
            let strong = j % 2 == 1 && parts > j + 1;
            match (strong, j % 2 == 1) {
                (true, _) => {
                    out.push_str("<strong>");
                    esc_into(&mut out, part);
                    out.push_str("</strong>");
                }
                (false, true) => {
                    out.push_str("**");
                    esc_into(&mut out, part);
                }
                (false, false) => esc_into(&mut out, part),
            }
        }
    }
    out
}

/// A finding's location (a JSON pointer, a layer entry path) that may break only after a `/`,
/// never inside a name.
fn location_html(location: &str) -> String {
    esc(location).replace('/', "/<wbr>")
}

/// Text safe in element content and in quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    esc_into(&mut out, s);
    out
}

/// The bytes [`esc_into`] looks at twice, as a table: one load a byte where a chain of
/// comparisons cost three times as much on a 200 KB page.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    let mut i = 0;
    let marked = [b'&', b'<', b'>', b'"', b'\'', 0x7f, 0xc2];
    while i < marked.len() {
        table[marked[i] as usize] = true;
        i += 1;
    }
    table
};

/// [`esc`], appended to `out`.
pub(crate) fn esc_into(out: &mut String, s: &str) {
    // Most text needs no escape (a page holds ~200 KB of it): runs of plain bytes are copied
    // whole, up to the next byte that might start something to replace — a markup character,
    // a C0 control or DEL, or 0xC2, the lead byte of the C1 controls. Each of those bytes
    // starts a character, so every run ends on a character boundary.
    let mut rest = s;
    while let Some(at) = rest.as_bytes().iter().position(|b| SPECIAL[*b as usize]) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().expect("a character starts here");
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and line breaks are not valid in HTML text.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.push_str(rest);
}

/// A fragment identifier built from untrusted text: only `[A-Za-z0-9_-]` survive.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The spec link of a requirement, only when it has the shape the engine writes
/// (`spec/…​.md#…`); anything else from a hostile report is shown as text, never as a link.
fn spec_href(source: &str) -> Option<String> {
    let (path, anchor) = source.split_once('#').unwrap_or((source, ""));
    let path_ok = path.starts_with("spec/")
        && path.ends_with(".md")
        && !path.contains("..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'));
    let anchor_ok = anchor
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    (path_ok && anchor_ok).then(|| source.to_string())
}

/// IDs one per line; a long list folds into a `<details>` showing its length.
fn id_list(ids: &[String]) -> String {
    let lines = ids.iter().map(|t| esc(t)).collect::<Vec<_>>().join("<br>");
    if ids.len() <= 4 {
        lines
    } else {
        format!(
            "<details><summary>{} tests</summary>{lines}</details>",
            ids.len()
        )
    }
}

fn rollup_class(r: Rollup) -> &'static str {
    r.as_str()
}

fn pill(status: Status) -> String {
    format!(r##"<span class="pill s-{0}">{0}</span>"##, status.as_str())
}

const STYLE: &str = r##"
:root{--pass:#1a7f37;--fail:#cf222e;--error:#8250df;--skip:#9a6700;--not-applicable:#6e7781;--xfail:#0969da;--xpass:#bc4c00;--success:#1a7f37;--partial:#bc4c00;--failure:#cf222e;--line:#d0d7de;--muted:#57606a}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1f2328;margin:0;padding:24px 32px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:var(--muted);margin:0 0 12px}.meta code{color:#1f2328}
.summary{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:10px 14px;white-space:pre-wrap}
.profiles{display:flex;flex-wrap:wrap;gap:12px}
.profile{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:10px 14px;min-width:190px}
.profile.success{border-left-color:var(--success)}.profile.partial{border-left-color:var(--partial)}.profile.failure{border-left-color:var(--failure)}
.profile .name{font-weight:600;font-size:15px}.profile .result{font-weight:700;text-transform:uppercase;font-size:13px}
.profile.success .result{color:var(--success)}.profile.partial .result{color:var(--partial)}.profile.failure .result{color:var(--failure)}
.profile .stats{color:var(--muted);font-size:12px}
.claimed{font-size:11px;background:#ddf4ff;border-radius:10px;padding:0 6px;margin-left:4px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa;font-size:12px}
td.id{white-space:nowrap;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.pill{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-error{background:var(--error)}.s-skip{background:var(--skip)}.s-not-applicable{background:var(--not-applicable)}.s-xfail{background:var(--xfail)}.s-xpass{background:var(--xpass)}
tr[data-status=fail] td:first-child,tr[data-status=error] td:first-child,tr[data-status=xpass] td:first-child{box-shadow:inset 4px 0 0 var(--fail)}
td.by{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;overflow-wrap:anywhere;width:240px}.text{color:#1f2328}.text a{font-size:12px;margin-left:6px}
.loc{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;overflow-wrap:normal;word-break:normal;min-width:160px}
.text code{background:#f6f8fa;border-radius:4px;padding:0 3px;font-size:12px}
.msg{white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.filter{position:sticky;top:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:12px 0;display:flex;flex-wrap:wrap;gap:10px;align-items:center;z-index:1}
.filter label{cursor:pointer}#shown{color:var(--muted);margin-left:auto}
.uncovered td{background:#fff8c5}.muted{color:var(--muted)}
details>summary{cursor:pointer;font-weight:600}
"##;

/// Shows only the checked statuses; `#only=fail,error` in the address starts with just those.
const SCRIPT: &str = r##"(function(){
var boxes=Array.prototype.slice.call(document.querySelectorAll('input[data-filter]'));
var m=/^#only=([a-z,-]+)$/.exec(location.hash);
if(m){var only=m[1].split(',');boxes.forEach(function(b){b.checked=only.indexOf(b.getAttribute('data-filter'))>=0;});}
function apply(){
var on={};boxes.forEach(function(b){on[b.getAttribute('data-filter')]=b.checked;});
var shown=0,total=0;
Array.prototype.forEach.call(document.querySelectorAll('tr[data-status]'),function(r){
var v=on[r.getAttribute('data-status')]!==false;r.hidden=!v;
if(r.className.indexOf('req')>=0){total++;if(v){shown++;}}});
Array.prototype.forEach.call(document.querySelectorAll('section.area'),function(s){s.hidden=!s.querySelector('tr.req:not([hidden])');});
var out=document.getElementById('shown');out.textContent=shown+' of '+total+' requirements shown';out.setAttribute('data-shown',shown);
}
boxes.forEach(function(b){b.addEventListener('change',apply);});
document.getElementById('filter').hidden=false;
apply();
})();"##;

/// The spec area of a requirement: its spec file, else its ID prefix.
fn area_of(r: &RequirementResult) -> String {
    let from_source = r
        .source
        .split('#')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .filter(|f| f.ends_with(".md"));
    match from_source {
        Some(f) => f.to_string(),
        None => r.id.split('-').next().unwrap_or(&r.id).to_string(),
    }
}

/// The title of an area: the first heading of the embedded spec file, else the area key.
fn area_title(area: &str) -> String {
    crate::spec::SPEC_FILES
        .iter()
        .find(|(f, _)| *f == area)
        .and_then(|(_, text)| text.lines().find_map(|l| l.strip_prefix("# ")))
        .map_or_else(|| area.to_string(), |h| format!("{h} ({area})"))
}

fn stats_line(s: &Statistics) -> String {
    format!(
        "{} requirements · {} pass · {} fail · {} error · {} skip · {} n/a · {} xfail · {} xpass",
        s.total, s.passed, s.failed, s.errored, s.skipped, s.not_applicable, s.xfailed, s.xpassed
    )
}

fn requirement_text(r: Option<&RequirementResult>) -> String {
    let Some(r) = r else {
        return r##"<span class="muted">not a requirement of this report</span>"##.into();
    };
    let mut s = if r.text.is_empty() {
        r##"<span class="muted">(text not recorded in this report)</span>"##.to_string()
    } else {
        markdown_inline(&r.text)
    };
    match spec_href(&r.source) {
        Some(href) => {
            let _ = write!(s, r##"<a href="{}">spec</a>"##, esc(&href));
        }
        None if !r.source.is_empty() => {
            let _ = write!(s, r##" <span class="muted">{}</span>"##, esc(&r.source));
        }
        None => {}
    }
    s
}

fn finding_row(out: &mut String, t: &TestResult, f: &Finding, req: Option<&RequirementResult>) {
    let location = f.location.to_string();
    let _ = writeln!(
        out,
        r##"<tr class="finding" data-status="{st}"><td class="id"><a href="#req-{anchor}">{id}</a><br>{level}</td><td>{pill}</td><td class="id">{test}</td><td class="loc">{loc}</td><td><div class="msg">{msg}</div><div class="text">{text}</div></td></tr>"##,
        st = f.status.as_str(),
        anchor = slug(&f.requirement),
        id = esc(&f.requirement),
        level = f.level,
        pill = pill(f.status),
        test = esc(&t.id),
        loc = if location.is_empty() {
            "—".to_string()
        } else {
            location_html(&location)
        },
        msg = esc(&f.message),
        text = requirement_text(req),
    );
}

/// The coverage part of a page: the traceability matrix of the suite that wrote the report,
/// rendered apart from the report because it does not depend on it (`crate::traceability`
/// holds the binary's own, rendered before the build). Built only by [`CoverageSection::render`]
/// or from what it rendered earlier, so what it holds is escaped markup.
#[derive(Debug, Clone)]
pub struct CoverageSection(Cow<'static, str>);

impl CoverageSection {
    /// Markup [`CoverageSection::render`] produced before this binary was built — the caller
    /// keeps a test that renders it again and compares.
    pub(crate) const fn rendered_earlier(markup: &'static str) -> CoverageSection {
        CoverageSection(Cow::Borrowed(markup))
    }

    /// The markup, as the page embeds it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `coverage`, with `note` saying why part of it is missing, if it is.
    pub fn render(coverage: &[Coverage], note: Option<&str>) -> CoverageSection {
        let mut out = String::with_capacity(128 * 1024);
        let uncovered = coverage.iter().filter(|c| c.uncovered()).count();
        let _ = writeln!(
            out,
            r##"<h2>Coverage</h2>
<details id="coverage" data-rows="{rows}" data-uncovered="{uncovered}"><summary>Requirement ↔ check ↔ fixture for the suite that wrote this report: {rows} requirements, {uncovered} without a check or a fixture</summary>"##,
            rows = coverage.len(),
        );
        if let Some(note) = note {
            let _ = writeln!(out, r##"<p class="muted">{}</p>"##, esc(note));
        }
        out.push_str("<table><thead><tr><th>ID</th><th>Level</th><th>Profile</th><th>Applies to</th><th>Checks</th><th>Negative fixtures</th><th>Positive fixtures</th></tr></thead><tbody>\n");
        for c in coverage {
            coverage_row(&mut out, c);
        }
        out.push_str("</tbody></table></details>\n");
        CoverageSection(Cow::Owned(out))
    }
}

/// One row, appended piece by piece into the one buffer of the section (~200 rows of escaped
/// text; `requirements --format html` and a report over another fixture tree render it).
fn coverage_row(out: &mut String, c: &Coverage) {
    let joined = |out: &mut String, items: &[String], sep: &str| {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(sep);
            }
            esc_into(out, item);
        }
    };
    let list = |out: &mut String, items: &[String]| {
        if items.is_empty() {
            out.push('—');
        } else {
            let _ = write!(out, "{}: ", items.len());
            joined(out, items, ", ");
        }
    };
    out.push_str(r#"<tr class="cov"#);
    if c.uncovered() {
        out.push_str(" uncovered");
    }
    out.push_str(r#"" title=""#);
    esc_into(out, &c.text);
    out.push_str(r#""><td class="id">"#);
    esc_into(out, &c.id);
    out.push_str("</td><td>");
    esc_into(out, &c.level);
    out.push_str("</td><td>");
    esc_into(out, &c.profile);
    out.push_str("</td><td>");
    joined(out, &c.applies_to, ", ");
    out.push_str(r#"</td><td class="id">"#);
    joined(out, &c.checks, "<br>");
    out.push_str(r#"</td><td class="msg">"#);
    list(out, &c.negative_fixtures);
    out.push_str(r#"</td><td class="msg">"#);
    list(out, &c.positive_fixtures);
    out.push_str("</td></tr>\n");
}

/// The report as one self-contained HTML page, ending with `coverage`.
pub(crate) fn to_html(report: &ConformanceReport, coverage: &CoverageSection) -> String {
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let mut out = String::with_capacity(64 * 1024);
    let title = format!(
        "AI Manifest Contract {} conformance: {}",
        report.spec.version, report.target.reference
    );
    let _ = write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>
"##,
        title = esc(&title),
    );

    // What was judged, by what.
    let kind = serde_json::to_value(report.target.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        r##"<p class="meta" id="meta">Target <code>{reference}</code> ({kind}){digest} · claimed profile <code id="claimed">{profile}</code> · suite {suite} {version} (commit <code>{commit}</code>) · spec {spec}{upstream} · schemas <code>{schemas}</code>{fixtures} · run {started} – {finished}</p>"##,
        reference = esc(&report.target.reference),
        kind = esc(&kind),
        digest = report
            .target
            .manifest_digest
            .as_deref()
            .map(|d| format!(" · manifest <code>{}</code>", esc(d)))
            .unwrap_or_default(),
        profile = esc(&report.run.profile),
        suite = esc(&report.suite.name),
        version = esc(&report.suite.version),
        commit = esc(&report.suite.commit),
        spec = esc(&report.spec.version),
        upstream = report
            .spec
            .upstream
            .iter()
            .map(|u| format!(
                " (upstream: <code>{}</code> is {} at <code>{}</code>)",
                esc(&u.profile),
                esc(&u.document),
                esc(&u.revision)
            ))
            .collect::<String>(),
        schemas = esc(&report.spec.schemas_digest),
        fixtures = report
            .spec
            .fixtures_digest
            .as_deref()
            .map(|d| format!(" · fixtures <code>{}</code>", esc(d)))
            .unwrap_or_default(),
        started = esc(&report.run.started),
        finished = esc(&report.run.finished),
    );
    if !report.summary.trim().is_empty() {
        let _ = writeln!(
            out,
            r##"<div class="summary" id="summary">{}</div>"##,
            esc(report.summary.trim())
        );
    }

    // Profile roll-ups first.
    out.push_str("<h2>Profiles</h2>\n<div class=\"profiles\" id=\"profiles\">\n");
    if report.profiles.is_empty() {
        out.push_str("<p class=\"muted\">No profile was rolled up.</p>\n");
    }
    for p in &report.profiles {
        let _ = writeln!(
            out,
            r##"<div class="profile {class}" data-profile="{name}" data-result="{result}"><div class="name">{name}{claimed}</div><div class="result">{result}</div><div class="stats">{status} profile{extends}<br>{stats}</div></div>"##,
            class = rollup_class(p.result),
            name = esc(&p.name),
            claimed = if p.name == report.run.profile {
                r##"<span class="claimed">claimed</span>"##
            } else {
                ""
            },
            result = p.result.as_str(),
            status = match p.status {
                crate::spec::ProfileStatus::Complete => "complete",
                crate::spec::ProfileStatus::Provisional => "provisional",
            },
            extends = p
                .extends
                .as_deref()
                .map(|e| format!(", extends {}", esc(e)))
                .unwrap_or_default(),
            stats = stats_line(&p.statistics),
        );
    }
    out.push_str("</div>\n");

    // The status filter (shown by the script; without script everything is listed).
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    for r in &report.requirements {
        *counts.entry(r.status).or_default() += 1;
    }
    out.push_str("<div class=\"filter\" id=\"filter\" hidden><strong>Show</strong>\n");
    for s in STATUSES {
        let _ = writeln!(
            out,
            r##"<label><input type="checkbox" data-filter="{s}" checked> {pill} <span id="count-{s}">{n}</span></label>"##,
            s = s.as_str(),
            pill = pill(s),
            n = counts.get(&s).copied().unwrap_or(0),
        );
    }
    let _ = writeln!(
        out,
        r##"<span id="shown" data-total="{}"></span></div>"##,
        report.requirements.len()
    );

    // Findings, with where they point and what they are about.
    let by_id: BTreeMap<&str, &RequirementResult> = report
        .requirements
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let findings: Vec<(&TestResult, &Finding)> = report
        .tests
        .iter()
        .flat_map(|t| t.findings.iter().map(move |f| (t, f)))
        .collect();
    let _ = writeln!(
        out,
        r##"<h2>Findings <span class="muted" id="finding-count">({})</span></h2>"##,
        findings.len()
    );
    if findings.is_empty() {
        out.push_str("<p class=\"muted\">No findings.</p>\n");
    } else {
        out.push_str("<table id=\"findings\"><thead><tr><th>Requirement</th><th>Status</th><th>Test</th><th>Location</th><th>Finding and requirement</th></tr></thead><tbody>\n");
        for (t, f) in &findings {
            finding_row(&mut out, t, f, by_id.get(f.requirement.as_str()).copied());
        }
        out.push_str("</tbody></table>\n");
    }

    // Requirements by spec area, in catalog order.
    let _ = writeln!(
        out,
        r##"<h2>Requirements <span class="muted" id="requirement-count">({})</span></h2>"##,
        report.requirements.len()
    );
    let mut areas: Vec<(String, Vec<&RequirementResult>)> = Vec::new();
    for r in &report.requirements {
        let area = area_of(r);
        match areas.iter_mut().find(|(a, _)| *a == area) {
            Some((_, rs)) => rs.push(r),
            None => areas.push((area, vec![r])),
        }
    }
    for (area, rs) in &areas {
        let failing = rs.iter().filter(|r| r.status.breaks(r.level)).count();
        let _ = writeln!(
            out,
            r##"<section class="area" id="area-{slug}"><h3>{title} <span class="muted">— {n} requirements{failing}</span></h3>
<table><thead><tr><th>ID</th><th>Status</th><th>Profile</th><th>Requirement</th><th>Decided by</th></tr></thead><tbody>"##,
            slug = slug(area),
            title = esc(&area_title(area)),
            n = rs.len(),
            failing = if failing > 0 {
                format!(", {failing} breaking conformance")
            } else {
                String::new()
            },
        );
        for r in rs {
            let _ = writeln!(
                out,
                r##"<tr class="req" id="req-{anchor}" data-status="{st}"><td class="id">{id}<br>{level}{origin}</td><td>{pill}</td><td>{profile}</td><td class="text">{text}</td><td class="by">{tests}</td></tr>"##,
                anchor = slug(&r.id),
                st = r.status.as_str(),
                id = esc(&r.id),
                level = r.level,
                origin = r
                    .origin
                    .map(|o| format!(r#"<br><span class="muted">{}</span>"#, esc(o.label())))
                    .unwrap_or_default(),
                pill = pill(r.status),
                profile = esc(&r.profile),
                text = requirement_text(Some(r)),
                tests = id_list(&r.tests),
            );
        }
        out.push_str("</tbody></table></section>\n");
    }

    // Tests.
    let _ = writeln!(
        out,
        r##"<h2>Tests <span class="muted" id="test-count">({})</span></h2>
<table id="tests"><thead><tr><th>Test</th><th>Status</th><th>Title</th><th>Covers</th><th>Findings</th><th>ms</th></tr></thead><tbody>"##,
        report.tests.len()
    );
    for t in &report.tests {
        let _ = writeln!(
            out,
            r##"<tr class="test" data-status="{st}"><td class="id">{id}</td><td>{pill}</td><td>{title}</td><td class="id">{covers}</td><td>{n}</td><td>{ms}</td></tr>"##,
            st = t.status.as_str(),
            id = esc(&t.id),
            pill = pill(t.status),
            title = esc(&t.title),
            covers = t
                .covers
                .iter()
                .map(|c| esc(c))
                .collect::<Vec<_>>()
                .join(" "),
            n = t.findings.len(),
            ms = t.duration_ms,
        );
    }
    out.push_str("</tbody></table>\n");

    // Coverage for spec editors.
    out.push_str(coverage.as_str());
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;
    use crate::traceability::coverage_of_cases;

    /// The plain-text fast path and the careful path agree on every kind of character.
    #[test]
    fn escaping_plain_and_marked_text() {
        for (text, want) in [
            ("plain text, é ü ✓", "plain text, é ü ✓"),
            ("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;"),
            ("tab\tline\n", "tab\tline\n"),
            ("bell\u{7}del\u{7f}", "bell\u{FFFD}del\u{FFFD}"),
            ("nel\u{85}nbsp\u{a0}", "nel\u{FFFD}nbsp\u{a0}"),
        ] {
            assert_eq!(esc(text), want, "{text:?}");
        }
    }

    fn page(report: &ConformanceReport) -> String {
        to_html(
            report,
            &CoverageSection::render(&coverage_of_cases(&[]), Some("no fixtures in unit tests")),
        )
    }

    #[test]
    fn requirement_markdown_renders_and_locations_break_only_at_slashes() {
        assert_eq!(
            markdown_inline("The `artifactType` MUST be **set** <x>"),
            "The <code>artifactType</code> MUST be <strong>set</strong> &lt;x&gt;"
        );
        assert_eq!(markdown_inline("a ` b"), "a ` b");
        assert_eq!(markdown_inline("`<script>`"), "<code>&lt;script&gt;</code>");
        assert_eq!(
            location_html("manifest /layers/0/annotations"),
            "manifest /<wbr>layers/<wbr>0/<wbr>annotations"
        );
        let html = to_html(&sample_report(), &CoverageSection::render(&[], None));
        assert!(!html.contains("max-width:1280px"));
        let text = sample_report()
            .requirements
            .iter()
            .find(|r| r.text.contains('`'))
            .map(|r| r.text.clone());
        if let Some(t) = text {
            let raw = esc(&t);
            assert!(!html.contains(&raw), "raw backticks shown: {raw}");
        }
    }

    #[test]
    fn escapes_every_hostile_string() {
        let mut report = sample_report();
        let evil = r##"<script>alert(1)</script><img src=x onerror=alert(2)>"'&"##;
        report.target.reference = evil.into();
        report.run.profile = evil.into();
        report.summary = evil.into();
        report.profiles[0].name = evil.into();
        report.requirements[0].text = evil.into();
        report.requirements[0].source = "javascript:alert(3)".into();
        report.requirements[1].source = "spec/v1.0/x.md#a\"onmouseover=alert(4)".into();
        report.tests[1].findings[0].message = evil.into();
        report.tests[1].findings[0].location.entry = Some(evil.into());
        report.tests[1].id = evil.into();
        let html = page(&report);
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "only the page's own script"
        );
        assert!(!html.contains("<img"));
        assert!(!html.contains("href=\"javascript:"));
        assert!(!html.contains("onmouseover=alert(4)\""));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn script_is_allowed_by_its_hash_only() {
        let html = page(&sample_report());
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
        assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        // Requirement texts may name URIs (in-toto predicate types) as text; nothing may load one.
        for load in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!html.contains(load), "{load}");
        }
    }

    #[test]
    fn lists_every_requirement_finding_and_test() {
        let report = sample_report();
        let html = page(&report);
        assert_eq!(
            html.matches("<tr class=\"req\"").count(),
            report.requirements.len()
        );
        let findings: usize = report.tests.iter().map(|t| t.findings.len()).sum();
        assert_eq!(html.matches("<tr class=\"finding\"").count(), findings);
        assert_eq!(
            html.matches("<tr class=\"test\"").count(),
            report.tests.len()
        );
        for p in &report.profiles {
            assert!(html.contains(&format!(
                "data-profile=\"{}\" data-result=\"{}\"",
                p.name,
                p.result.as_str()
            )));
        }
        // Profiles come before requirements.
        assert!(html.find("id=\"profiles\"").unwrap() < html.find("class=\"req\"").unwrap());
    }

    #[test]
    fn spec_links_only_for_spec_paths() {
        assert_eq!(
            spec_href("spec/v1.0/manifest.md#the-manifest-document").as_deref(),
            Some("spec/v1.0/manifest.md#the-manifest-document")
        );
        assert_eq!(spec_href("https://evil.example/x.md"), None);
        assert_eq!(spec_href("spec/../../etc/passwd.md"), None);
        assert_eq!(spec_href("spec/v1.0/a.md#x y"), None);
    }
}
