//! shields.io endpoint badges, one per profile in the report (`badge-<profile>.json`).
//!
//! ```json
//! {"schemaVersion":1,"label":"AI Manifest Contract 1.0 · core","message":"partial (41/45)","color":"orange"}
//! ```
//!
//! The message is the profile's rollup (`success`, `partial`, `failure`); `partial` and `failure`
//! carry `(P/T)`:
//!
//! - **T** counts the report's requirement results that belong to the profile — introduced by
//!   the profile itself or by a profile it extends, transitively (`RequirementResult::profile`
//!   is in the profile's lineage) — at every level (MUST, SHOULD and MAY), except those whose
//!   status is `not-applicable`. Skipped, errored, xfail and xpass requirements stay in T.
//! - **P** counts those of T whose status is `pass`. An `xfail` is not a pass.
//!
//! Requirements absent from the report are not counted; the engine decides which requirements a
//! report lists. The lineage follows `extends` as the report records it, falling back to the
//! embedded catalog for a profile the report does not list.

use super::model::{ConformanceReport, ProfileResult, RequirementResult, Rollup};
use crate::model::Status;
use crate::spec::Catalog;
use serde::Serialize;

/// The product name in every badge label.
pub(crate) const BADGE_PRODUCT: &str = "AI Manifest Contract";

/// A shields.io endpoint document (<https://shields.io/badges/endpoint-badge>).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Badge {
    pub schema_version: u8,
    pub label: String,
    pub message: String,
    pub color: String,
}

impl Badge {
    /// Compact JSON with a trailing newline.
    pub(crate) fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).expect("a badge serialises infallibly");
        s.push('\n');
        s
    }
}

/// The profile and every profile it extends, `name` first.
pub(crate) fn lineage(report: &ConformanceReport, name: &str) -> Vec<String> {
    let catalog = Catalog::embedded();
    let mut out: Vec<String> = Vec::new();
    let mut next = Some(name.to_string());
    while let Some(n) = next.take() {
        if out.contains(&n) {
            break;
        }
        next = match report.profile(&n) {
            Some(p) => p.extends.clone(),
            None => catalog.profile(&n).and_then(|p| p.extends.clone()),
        };
        out.push(n);
    }
    out
}

/// The requirement results that belong to a profile (directly or by inheritance).
pub(crate) fn requirements_of<'a>(
    report: &'a ConformanceReport,
    profile: &str,
) -> impl Iterator<Item = &'a RequirementResult> {
    let lineage = lineage(report, profile);
    report
        .requirements
        .iter()
        .filter(move |r| lineage.contains(&r.profile))
}

/// `(P, T)` as defined in the module documentation.
pub(crate) fn passed_of_applicable(report: &ConformanceReport, profile: &str) -> (usize, usize) {
    requirements_of(report, profile)
        .filter(|r| r.status != Status::NotApplicable)
        .fold((0, 0), |(p, t), r| {
            (p + usize::from(r.status == Status::Pass), t + 1)
        })
}

pub(crate) fn color(result: Rollup) -> &'static str {
    match result {
        Rollup::Success => "brightgreen",
        Rollup::Partial => "orange",
        Rollup::Failure => "red",
    }
}

/// The badge of one profile result.
pub(crate) fn badge(report: &ConformanceReport, profile: &ProfileResult) -> Badge {
    let message = match profile.result {
        Rollup::Success => Rollup::Success.as_str().to_string(),
        r => {
            let (p, t) = passed_of_applicable(report, &profile.name);
            format!("{} ({p}/{t})", r.as_str())
        }
    };
    Badge {
        schema_version: 1,
        label: format!("{BADGE_PRODUCT} {} · {}", report.spec.version, profile.name),
        message,
        color: color(profile.result).to_string(),
    }
}

/// Approximate advance of one character in 11px Verdana, in tenths of a pixel. Badges are drawn
/// offline, so text is measured from this table rather than from a font file; wide enough that
/// the text never overflows its box in the common sans-serif fallbacks.
fn char_width(c: char) -> u32 {
    match c {
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' => 35,
        ' ' | 'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '/' => 47,
        'm' | 'w' | 'M' | 'W' => 105,
        '·' => 45,
        c if c.is_ascii_uppercase() => 78,
        c if c.is_ascii_digit() => 70,
        c if c.is_ascii_lowercase() => 66,
        _ => 80,
    }
}

/// Width of a text in whole pixels.
fn text_width(s: &str) -> u32 {
    s.chars().map(char_width).sum::<u32>().div_ceil(10)
}

/// Text safe inside SVG (XML) content and attributes.
fn xml(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c if c.is_control() => "\u{FFFD}".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// The fill of each shields.io colour name the badges use.
fn hex(color: &str) -> &'static str {
    match color {
        "brightgreen" => "#2c9c3a",
        "orange" => "#d9630f",
        "red" => "#d4382c",
        _ => "#6e7781",
    }
}

impl Badge {
    /// The same badge as a self-contained flat SVG (no fonts, scripts or links to fetch).
    pub(crate) fn to_svg(&self) -> String {
        const PAD: u32 = 6;
        let lw = text_width(&self.label) + 2 * PAD;
        let mw = text_width(&self.message) + 2 * PAD;
        let w = lw + mw;
        let title = xml(&format!("{}: {}", self.label, self.message));
        let (label, message) = (xml(&self.label), xml(&self.message));
        let fill = hex(&self.color);
        let (lx, mx) = (lw * 5, lw * 10 + mw * 5);
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{title}"><title>{title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{mw}" height="20" fill="{fill}"/><rect width="{w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110" text-rendering="geometricPrecision"><text x="{lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{label}</text><text x="{lx}" y="140" transform="scale(.1)">{label}</text><text x="{mx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{message}</text><text x="{mx}" y="140" transform="scale(.1)">{message}</text></g></svg>
"##
        )
    }
}

/// `badge-<profile>.svg`, sanitised like [`badge_file_name`].
pub(crate) fn svg_file_name(profile: &str) -> String {
    badge_file_name(profile).replace(".json", ".svg")
}

/// `badge-<profile>.json`. Characters outside `[A-Za-z0-9_-]` become `_`, so the name is always
/// one plain file name (never a path).
pub(crate) fn badge_file_name(profile: &str) -> String {
    let safe: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("badge-{safe}.json")
}

/// Every profile's badge with its file name, in report order.
pub(crate) fn badges(report: &ConformanceReport) -> Vec<(String, Badge)> {
    report
        .profiles
        .iter()
        .map(|p| (badge_file_name(&p.name), badge(report, p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn badge_snapshots() {
        let report = sample_report();
        for p in &report.profiles {
            insta::assert_snapshot!(format!("badge_{}", p.name), badge(&report, p).to_json());
        }
    }

    #[test]
    fn counts() {
        let report = sample_report();
        // core: 7 requirements, MAN-010 not applicable, MAN-003 and MAN-004 pass.
        assert_eq!(passed_of_applicable(&report, "core"), (2, 6));
        // trusted adds ANN-019 (xfail) and ANN-020 (xpass).
        assert_eq!(passed_of_applicable(&report, "trusted"), (2, 8));
        assert_eq!(lineage(&report, "trusted"), ["trusted", "core"]);
        // A profile the report does not list: lineage from the catalog.
        assert_eq!(
            lineage(&report, "regulated"),
            ["regulated", "trusted", "core"]
        );
    }

    #[test]
    fn colours_and_messages() {
        let mut report = sample_report();
        report.profiles[0].result = Rollup::Success;
        report.profiles[1].result = Rollup::Partial;
        let b = badges(&report);
        assert_eq!(b[0].1.message, "success");
        assert_eq!(b[0].1.color, "brightgreen");
        assert_eq!(b[1].1.message, "partial (2/8)");
        assert_eq!(b[1].1.color, "orange");
        assert_eq!(b[1].1.label, "AI Manifest Contract 1.0 · trusted");
    }

    #[test]
    fn svg_names_profile_spec_and_verdict() {
        let report = sample_report();
        for p in &report.profiles {
            let b = badge(&report, p);
            let svg = b.to_svg();
            assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
            let shown = format!(">{}</text>", b.label);
            assert!(svg.contains(&shown), "{svg}");
            assert!(svg.contains(&format!("{} ·", report.spec.version)));
            assert!(svg.contains(&format!(">{}</text>", b.message)));
            assert!(svg.contains(p.name.as_str()));
            // Nothing to fetch: the only URL is the SVG namespace.
            assert_eq!(svg.matches("http").count(), 1);
        }
        insta::assert_snapshot!(
            "badge_core_svg",
            badge(&report, &report.profiles[0]).to_svg()
        );
    }

    #[test]
    fn svg_escapes_hostile_profile_names() {
        let mut report = sample_report();
        report.profiles[0].name = "<script>&\"x".into();
        let svg = badge(&report, &report.profiles[0]).to_svg();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;x"));
        assert_eq!(svg_file_name("../a b"), "badge-___a_b.svg");
    }

    #[test]
    fn wider_text_makes_a_wider_badge() {
        assert!(text_width("partial (41/45)") > text_width("success"));
        assert!(text_width("WWW") > text_width("iii"));
    }

    #[test]
    fn file_names_stay_plain() {
        assert_eq!(badge_file_name("core"), "badge-core.json");
        assert_eq!(badge_file_name("../x/y"), "badge-___x_y.json");
    }
}
