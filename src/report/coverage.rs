//! One row of the traceability matrix, as the HTML report shows it. The matrix is computed
//! above the writers (`crate::traceability`, which runs the checks' and suites' tables and the
//! fixture cases) and handed to them by the caller.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub id: String,
    pub level: String,
    pub profile: String,
    /// Whose rule it is (`oci-image-spec`, `modelpack`, …, `contract`).
    pub origin: String,
    pub applies_to: Vec<String>,
    pub text: String,
    pub source: String,
    /// `spec/v1.0/<file>.md#<anchor>`, relative to the repository root.
    pub link: String,
    pub checks: Vec<String>,
    pub negative_fixtures: Vec<String>,
    pub positive_fixtures: Vec<String>,
}

impl Coverage {
    /// Registry requirements are exercised against live registries (fakes with scripted faults
    /// and Distribution), and tool requirements (packers, runtimes, transports) through
    /// adapters, not against golden layouts, so they need a check only.
    pub(crate) fn uncovered(&self) -> bool {
        let registry = self
            .applies_to
            .iter()
            .any(|a| matches!(a.as_str(), "registry" | "packer" | "runtime" | "transport"));
        self.checks.is_empty()
            || (!registry && self.negative_fixtures.is_empty() && self.positive_fixtures.is_empty())
    }
}
