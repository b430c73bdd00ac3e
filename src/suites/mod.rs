//! Suites: what is required of one kind of target. The tool suites (packer, runtime,
//! transport) run through the adapter target; the registry suite (`registry`) through the
//! registry client. Each is written as the common report.

pub(crate) mod files;
pub mod matrix;
pub mod packer;
pub mod registry;
pub mod report;
pub mod runtime;
pub(crate) mod tool;
pub mod transport;

/// Every step (family) of the tool suites, read from the tables the suites run: the
/// traceability matrix (`ai-interop requirements`) and its test see exactly what the steps
/// cover, so a requirement a step stops covering is uncovered there too.
pub fn steps() -> impl Iterator<Item = &'static report::Step> {
    [tool::STEPS, packer::STEPS, runtime::STEPS, transport::STEPS]
        .into_iter()
        .flatten()
        .copied()
}
