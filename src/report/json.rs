//! The canonical JSON rendering of a [`ConformanceReport`].

use super::model::ConformanceReport;

/// The report as pretty-printed JSON with a trailing newline. Keys appear in the order the model
/// declares its fields (`serde_json` keeps struct order, and `preserve_order` keeps the order of
/// free-form values such as `run.options`).
pub(crate) fn to_json(report: &ConformanceReport) -> String {
    let mut out = serde_json::to_string_pretty(report)
        .expect("the report model serialises infallibly (string keys, no custom serialisers)");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample::sample_report;

    #[test]
    fn json_snapshot() {
        let text = to_json(&sample_report());
        assert!(text.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        insta::assert_json_snapshot!("report_json", value, {
            ".run.started" => "[timestamp]",
            ".run.finished" => "[timestamp]",
            ".tests[].durationMs" => "[duration]",
        });
    }

    #[test]
    fn key_order_follows_the_model() {
        let text = to_json(&sample_report());
        let keys: Vec<usize> = [
            "\"apiVersion\"",
            "\"kind\"",
            "\"suite\"",
            "\"spec\"",
            "\"target\"",
            "\"run\"",
            "\"profiles\"",
            "\"requirements\"",
            "\"tests\"",
            "\"summary\"",
        ]
        .iter()
        .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} missing")))
        .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }
}
