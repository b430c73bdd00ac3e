//! The plain data every writer shares: levels, statuses, locations and findings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// BCP 14 requirement level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Must,
    Should,
    May,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "MUST" => Some(Level::Must),
            "SHOULD" => Some(Level::Should),
            "MAY" => Some(Level::May),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outcome of one requirement or one test.
///
/// `XFail` is a failure that an expectations file announced; `XPass` is an announced failure that
/// did not happen, which fails the run (strict expected-failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Skip,
    NotApplicable,
    Xfail,
    Xpass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
            Status::NotApplicable => "not-applicable",
            Status::Xfail => "xfail",
            Status::Xpass => "xpass",
        }
    }

    /// Whether this outcome, on a requirement of the given level, breaks conformance.
    pub fn breaks(self, level: Level) -> bool {
        matches!(self, Status::Error | Status::Xpass)
            || (self == Status::Fail && level == Level::Must)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points: any combination of a document, a JSON pointer, a layer and a tar entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// `manifest`, `config`, `index`, `oci-layout`, `layer` or `blob`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// RFC 6901 pointer into the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl Location {
    pub fn manifest(pointer: impl Into<String>) -> Self {
        Location {
            document: Some("manifest".into()),
            pointer: Some(pointer.into()),
            ..Default::default()
        }
    }
    pub fn config(pointer: impl Into<String>) -> Self {
        Location {
            document: Some("config".into()),
            pointer: Some(pointer.into()),
            ..Default::default()
        }
    }
    pub fn document(name: &str) -> Self {
        Location {
            document: Some(name.into()),
            ..Default::default()
        }
    }
    pub fn layer(index: usize) -> Self {
        Location {
            document: Some("layer".into()),
            layer: Some(index),
            ..Default::default()
        }
    }
    pub fn layer_entry(index: usize, entry: impl Into<String>) -> Self {
        Location {
            entry: Some(entry.into()),
            ..Location::layer(index)
        }
    }
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(d) = &self.document {
            match self.layer {
                Some(i) if d == "layer" => parts.push(format!("layer {i}")),
                _ => parts.push(d.clone()),
            }
        } else if let Some(i) = self.layer {
            parts.push(format!("layer {i}"));
        }
        if let Some(p) = &self.pointer {
            parts.push(if p.is_empty() {
                "/".to_string()
            } else {
                p.clone()
            });
        }
        if let Some(e) = &self.entry {
            parts.push(format!("entry {e:?}"));
        }
        f.write_str(&parts.join(" "))
    }
}

/// One observation that a requirement is not met (status `fail`) or could not be decided
/// (status `error`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub requirement: String,
    pub level: Level,
    pub status: Status,
    pub location: Location,
    pub message: String,
    /// The known producer variant the finding names (`checks::variants`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// Escape one JSON-pointer reference token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
