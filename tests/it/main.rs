//! The integration tests, as modules of one test binary: the crate and its dependencies are linked
//! once, not once per file. `cargo test --test it <filter>` runs a part (`cargo test --test it
//! cli_output::` one module). The golden fixture trials stay their own binary (`tests/fixtures.rs`,
//! libtest-mimic, one trial per fixture). A new integration test is a module here, not a file
//! beside `tests/fixtures.rs`.

mod support;

mod action;
mod adapter_protocol;
mod adapters_real;
mod attach;
mod cli;
mod cli_output;
mod cli_registry;
mod deploy_manifests;
mod evidence;
mod evidence_registry;
mod fixtures_regenerate;
mod hostile;
mod html_report;
mod inspect;
mod layering;
mod modelpack_variants;
mod offline;
mod oms_real_tools;
mod podman;
mod published_reports;
mod reference;
mod registry_distribution;
mod registry_fakes;
mod report_sign;
mod report_snapshot;
mod sbom_real_tools;
mod sigstore_genuine;
mod submissions;
mod ten_minute_flow;
mod traceability;
mod trust_real_tools;
mod verify_bundle;
mod vocabulary;
