//! Regenerate the committed golden fixtures: `cargo run --example generate_fixtures`.
//!
//! Wipes `fixtures/v1.0/model/` and writes every case of `fixtures/v1.0/cases.yaml` into it.

use ai_interop::fixtures;

fn main() -> anyhow::Result<()> {
    let root = fixtures::fixtures_root();
    let defs = fixtures::load_definitions(&fixtures::definitions_path())?;
    let model = root.join("model");
    if model.exists() {
        std::fs::remove_dir_all(&model)?;
    }
    let cases = fixtures::generate(&defs, &root, &fixtures::declared_coverage)?;
    let negatives = cases.iter().filter(|c| !c.is_positive()).count();
    println!(
        "wrote {} cases ({} positive, {negatives} negative) to {}; tree digest {}",
        cases.len(),
        cases.len() - negatives,
        model.display(),
        fixtures::fixtures_digest(&model)?
    );
    Ok(())
}
