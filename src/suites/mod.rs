//! Suites: what is required of one kind of target. The tool suites (packer, runtime,
//! transport) run through the adapter target; the registry suite (`registry`) through the
//! registry client. Each is written as the common report.

pub mod files;
pub mod matrix;
pub mod packer;
pub mod registry;
pub mod report;
pub mod runtime;
pub mod tool;
pub mod transport;

/// The step families of the tool suites and the requirements each decides, for the
/// traceability matrix (`ai-interop requirements`) and its test.
pub const COVERAGE: &[(&str, &[&str])] = &[
    ("adapter.describe", &["ADP-001", "ADP-002"]),
    ("adapter.registry", &["ADP-003", "ADP-004"]),
    ("adapter.requests", &["ADP-003", "ADP-004"]),
    (
        "packer.pack-<kind>",
        &[
            "ADP-001", "ADP-003", "ADP-004", "PCK-001", "PCK-002", "PCK-003", "PCK-004",
        ],
    ),
    (
        "packer.reproducible",
        &["ADP-001", "ADP-003", "ADP-004", "PCK-005"],
    ),
    ("runtime.scope", &["RUN-011"]),
    (
        "runtime.unpack.<case>",
        &["ADP-001", "ADP-003", "ADP-004", "RUN-001", "RUN-002"],
    ),
    (
        "runtime.refuse.<case>",
        &[
            "ADP-001", "ADP-004", "RUN-003", "RUN-004", "RUN-005", "RUN-006", "RUN-007", "RUN-008",
            "RUN-009",
        ],
    ),
    (
        "runtime.signature-policy",
        &["ADP-001", "ADP-003", "ADP-004", "RUN-010", "RUN-009"],
    ),
    (
        "transport.roundtrip.<case>",
        &["ADP-001", "ADP-003", "ADP-004", "TRN-001", "TRN-002"],
    ),
];
