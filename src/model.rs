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
    pub(crate) fn parse(s: &str) -> Option<Level> {
        match s {
            "MUST" => Some(Level::Must),
            "SHOULD" => Some(Level::Should),
            "MAY" => Some(Level::May),
            _ => None,
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn breaks(self, level: Level) -> bool {
        matches!(self, Status::Error | Status::Xpass)
            || (self == Status::Fail && level == Level::Must)
    }

    /// How grave a verdict on one requirement is, the one order in which verdicts on the same
    /// requirement combine — marks of one check, the tests of a suite that cover it, the
    /// manifests of an image index: error, xpass, fail, xfail, skip (not looked at somewhere),
    /// pass, not-applicable. A pass outranks not-applicable: that the requirement held for one
    /// item is not hidden by another item it did not apply to.
    pub(crate) fn gravity(self) -> u8 {
        match self {
            Status::Error => 6,
            Status::Xpass => 5,
            Status::Fail => 4,
            Status::Xfail => 3,
            Status::Skip => 2,
            Status::Pass => 1,
            Status::NotApplicable => 0,
        }
    }

    /// The graver of two verdicts on one requirement ([`Status::gravity`]).
    pub(crate) fn graver(self, other: Status) -> Status {
        if other.gravity() > self.gravity() {
            other
        } else {
            self
        }
    }

    /// The gravest of several verdicts on one requirement; `None` when there are none.
    pub(crate) fn gravest(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        statuses.into_iter().reduce(Status::graver)
    }

    /// One status for a *test* from the verdicts on the requirements it decided. It differs from
    /// the requirement order ([`Status::gravity`]) in one place only: a pass outranks a skip. A
    /// requirement's skip means it was not looked at, which must not be hidden by a pass on it
    /// elsewhere; a test that decided one requirement and skipped another did run, and what it
    /// decided passed, so it is a pass (its skip stays visible as a finding). Only a test that
    /// skipped everything it covers is a skip.
    pub(crate) fn of_test(statuses: impl IntoIterator<Item = Status>) -> Status {
        let rank = |s: Status| match s {
            Status::Pass => Status::Skip.gravity(),
            Status::Skip => Status::Pass.gravity(),
            s => s.gravity(),
        };
        statuses
            .into_iter()
            .max_by_key(|s| rank(*s))
            .unwrap_or(Status::NotApplicable)
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
    pub(crate) fn manifest(pointer: impl Into<String>) -> Self {
        Location {
            document: Some("manifest".into()),
            pointer: Some(pointer.into()),
            ..Default::default()
        }
    }
    pub(crate) fn config(pointer: impl Into<String>) -> Self {
        Location {
            document: Some("config".into()),
            pointer: Some(pointer.into()),
            ..Default::default()
        }
    }
    pub(crate) fn document(name: &str) -> Self {
        Location {
            document: Some(name.into()),
            ..Default::default()
        }
    }
    pub(crate) fn layer(index: usize) -> Self {
        Location {
            document: Some("layer".into()),
            layer: Some(index),
            ..Default::default()
        }
    }
    pub(crate) fn layer_entry(index: usize, entry: impl Into<String>) -> Self {
        Location {
            entry: Some(entry.into()),
            ..Location::layer(index)
        }
    }
    pub(crate) fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
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
pub(crate) fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    const ALL: [Status; 7] = [Pass, Fail, Error, Skip, NotApplicable, Xfail, Xpass];

    #[test]
    fn one_order_of_verdicts() {
        let mut by_gravity = ALL;
        by_gravity.sort_by_key(|s| std::cmp::Reverse(s.gravity()));
        assert_eq!(
            by_gravity,
            [Error, Xpass, Fail, Xfail, Skip, Pass, NotApplicable]
        );
        assert_eq!(Status::gravest([Pass, NotApplicable]), Some(Pass));
        assert_eq!(Status::gravest([Pass, Skip, Fail]), Some(Fail));
        assert_eq!(Status::gravest([]), None);
        assert_eq!(Xfail.graver(Xpass), Xpass);
    }

    #[test]
    fn a_test_passes_beside_a_skip() {
        // The one place the test fold differs from the requirement order.
        assert_eq!(Status::of_test([Skip, Pass]), Pass);
        assert_eq!(Status::of_test([Skip, NotApplicable]), Skip);
        assert_eq!(Status::of_test([]), NotApplicable);
        for a in ALL {
            for b in ALL {
                if [a, b] != [Pass, Skip] && [a, b] != [Skip, Pass] {
                    assert_eq!(Status::of_test([a, b]), a.graver(b), "{a} {b}");
                }
            }
        }
    }
}
