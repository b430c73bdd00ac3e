//! PRM-*: prompt templates as OCI artifacts (provisional `agentic` extension).

use super::agentic::{
    FileAt, KindTypes, ambiguous_booleans, check_types, parse_or_fail, schema, unreadable,
};
use super::support::{config_value, is_kind, layer_count, layer_media_type};
use super::{Check, CheckContext, Marks};
use crate::artifact::CapturedFile;
use crate::frontmatter::parse_frontmatter;
use crate::inspect::MAX_CAPTURE_FILE_BYTES;
use crate::model::{Location, pointer_token};
use crate::schemas::SchemaKind;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

use crate::vocabulary::{PROMPT_CONFIG, PROMPT_MANIFEST, PROMPT_TEMPLATE_LAYER};

pub const CHECKS: &[Check] = &[
    Check {
        id: "prompts.types",
        title: "Prompt template artifactType, config media type and the one template layer",
        covers: &["PRM-001", "PRM-002", "PRM-003"],
        run: types,
    },
    Check {
        id: "prompts.template",
        title: "Template frontmatter, config, engine syntax, variables and samples",
        covers: TEMPLATE,
        run: template,
    },
];

/// The requirements decided on the template file; `ai-interop validate prompt` decides the
/// same ones on a plain file.
pub(crate) const TEMPLATE: &[&str] = &[
    "PRM-004", "PRM-005", "PRM-006", "PRM-007", "PRM-008", "PRM-009", "PRM-010", "PRM-011",
];

fn types(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "prompt-template", CHECKS[0].covers, m) {
        return;
    }
    check_types(
        a,
        m,
        &KindTypes {
            noun: "a prompt template",
            artifact: ("PRM-001", PROMPT_MANIFEST),
            config: ("PRM-002", PROMPT_CONFIG),
            layer: ("PRM-003", &[PROMPT_TEMPLATE_LAYER], "the template"),
            max_layer_bytes: Some(MAX_CAPTURE_FILE_BYTES as u64),
        },
    );
}

fn template(a: &CheckContext, m: &mut Marks) {
    if !is_kind(a, "prompt-template", TEMPLATE, m) {
        return;
    }
    let layer = (0..layer_count(a))
        .find(|i| layer_media_type(a, *i) == Some(PROMPT_TEMPLATE_LAYER))
        .and_then(|i| a.layers.get(i));
    let Some(layer) = layer else {
        m.all_not_applicable(TEMPLATE, "the artifact has no template layer (PRM-003)");
        return;
    };
    if let Some(reason) = unreadable(layer) {
        if layer.content.skipped.is_some() {
            for r in TEMPLATE {
                m.skip(r, reason.clone());
            }
        } else {
            m.all_not_applicable(TEMPLATE, &reason);
        }
        return;
    }
    let Some(file) = layer.content.files.first() else {
        for r in TEMPLATE {
            m.error(
                r,
                Location::layer(layer.index),
                "suite defect: the template was not captured",
            );
        }
        return;
    };
    if file.truncated {
        m.all_not_applicable(TEMPLATE, "the template is larger than 1 MiB (PRM-003)");
        return;
    }
    let config = match config_value(a) {
        Ok(v) => ConfigState::Present(v),
        Err(None) => ConfigState::Unavailable,
        Err(Some(e)) => ConfigState::NotJson(e),
    };
    check_template(Some(layer.index), file, config, m);
}

/// The artifact's config as PRM-007 sees it.
pub(crate) enum ConfigState<'a> {
    Present(&'a Value),
    NotJson(String),
    Unavailable,
    /// A plain file is validated: there is no config.
    None,
}

/// PRM-004 to PRM-011 on one template file.
pub(crate) fn check_template(
    layer: Option<usize>,
    captured: &CapturedFile,
    config: ConfigState<'_>,
    m: &mut Marks,
) {
    let file = FileAt {
        layer,
        path: captured.path.clone(),
    };
    let Some(fm) = parse_or_fail(
        m,
        "PRM-004",
        &file,
        "the frontmatter",
        parse_frontmatter(&captured.bytes),
    ) else {
        m.all_not_applicable(&TEMPLATE[1..], "the frontmatter does not read (PRM-004)");
        return;
    };
    ambiguous_booleans(m, "PRM-005", &file, &fm.ambiguous_booleans);
    schema(
        m,
        "PRM-006",
        SchemaKind::PromptFrontmatter,
        &fm.value,
        |p| file.at(p),
    );
    match config {
        ConfigState::None => m.not_applicable("PRM-007", "there is no config to compare"),
        ConfigState::Unavailable => m.not_applicable("PRM-007", "the config blob is not available"),
        ConfigState::NotJson(e) => m.fail(
            "PRM-007",
            Location::config(""),
            format!("the config is {e}"),
        ),
        ConfigState::Present(c) => compare_config(c, &fm.value, m),
    }

    let empty = Map::new();
    let inputs = fm
        .value
        .get("inputs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    match fm.value.get("engine").and_then(Value::as_str) {
        Some("jinja2") => match jinja_variables(&fm.body) {
            Err((line, message)) => {
                let at = line.map_or(String::new(), |l| {
                    format!("line {}: ", fm.body_line + l - 1)
                });
                m.fail(
                    "PRM-008",
                    file.location(),
                    format!("{at}the template does not parse as Jinja2: {message}"),
                );
                m.not_applicable("PRM-009", "the template does not parse (PRM-008)");
                m.not_applicable("PRM-010", "the template does not parse (PRM-008)");
            }
            Ok(used) => {
                for v in used.iter().filter(|v| !inputs.contains_key(*v)) {
                    m.fail(
                        "PRM-009",
                        file.at("/inputs"),
                        format!("the template uses {v:?}, which inputs does not declare"),
                    );
                }
                if inputs.is_empty() {
                    m.not_applicable("PRM-010", "the template declares no inputs");
                }
                for k in inputs.keys().filter(|k| !used.contains(*k)) {
                    m.fail(
                        "PRM-010",
                        file.at(format!("/inputs/{}", pointer_token(k))),
                        format!("the input {k:?} is declared but the template never uses it"),
                    );
                }
            }
        },
        other => {
            let why = format!(
                "the engine {} is not one the profile defines (PRM-006)",
                other.map_or("(absent)".to_string(), |e| format!("{e:?}"))
            );
            for r in ["PRM-008", "PRM-009", "PRM-010"] {
                m.not_applicable(r, why.clone());
            }
        }
    }
    check_sample(&file, &fm.value, inputs, m);
}

fn compare_config(config: &Value, fm: &Value, m: &mut Marks) {
    let (Some(c), Some(f)) = (config.as_object(), fm.as_object()) else {
        m.fail(
            "PRM-007",
            Location::config(""),
            "the config is not a JSON object",
        );
        return;
    };
    let keys: BTreeSet<&String> = c.keys().chain(f.keys()).collect();
    for k in keys {
        let (x, y) = (c.get(k), f.get(k));
        if x != y {
            let show = |v: Option<&Value>| v.map_or("absent".to_string(), Value::to_string);
            m.fail(
                "PRM-007",
                Location::config(format!("/{}", pointer_token(k))),
                format!(
                    "the config's {k} is {} but the frontmatter's is {}",
                    show(x),
                    show(y)
                ),
            );
        }
    }
}

/// The top-level variables a Jinja2 template reads, less the engine's globals; or the parse
/// error's 1-based template line and message.
pub(crate) fn jinja_variables(source: &str) -> Result<BTreeSet<String>, (Option<usize>, String)> {
    let env = minijinja::Environment::new();
    let globals: BTreeSet<String> = env.globals().map(|(k, _)| k.to_string()).collect();
    let t = env.template_from_str(source).map_err(|e| {
        let message = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        };
        (e.line(), message)
    })?;
    Ok(t.undeclared_variables(false)
        .into_iter()
        .filter(|v| !globals.contains(v))
        .collect())
}

fn type_matches(ty: &str, v: &Value) -> bool {
    match ty {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn check_sample(file: &FileAt, fm: &Value, inputs: &Map<String, Value>, m: &mut Marks) {
    let Some(sample) = fm.get("sample") else {
        m.not_applicable("PRM-011", "the frontmatter has no sample");
        return;
    };
    let Some(sample) = sample.as_object() else {
        m.not_applicable("PRM-011", "sample is not a mapping (PRM-006)");
        return;
    };
    for (k, v) in sample {
        let at = file.at(format!("/sample/{}", pointer_token(k)));
        match inputs.get(k) {
            None => m.fail(
                "PRM-011",
                at,
                format!("the sample sets {k:?}, which inputs does not declare"),
            ),
            Some(decl) => {
                if let Some(ty) = decl.get("type").and_then(Value::as_str)
                    && !type_matches(ty, v)
                {
                    m.fail(
                        "PRM-011",
                        at,
                        format!("the sample value {v} of {k:?} is not of its declared type {ty}"),
                    );
                }
            }
        }
    }
    for (k, decl) in inputs {
        let required = decl
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if required && decl.get("default").is_none() && !sample.contains_key(k) {
            m.fail(
                "PRM-011",
                file.at("/sample"),
                format!("the required input {k:?} has no default and no sample value"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jinja_variables_are_the_undeclared_top_level_names() {
        let v = jinja_variables(
            "{% set greeting = 'Hi' %}{{ greeting }} {{ user.name }}{% for d in docs %}{{ loop.index }} {{ d }}{% endfor %}{{ range(3) | list }}",
        )
        .unwrap();
        assert_eq!(
            v.into_iter().collect::<Vec<_>>(),
            vec!["docs".to_string(), "user".to_string()]
        );
    }

    #[test]
    fn jinja_syntax_errors_have_a_line() {
        let (line, message) = jinja_variables("Hello\n{{ name }\n").unwrap_err();
        assert_eq!(line, Some(2), "{message}");
        assert!(message.contains("syntax error"), "{message}");
    }

    #[test]
    fn types() {
        assert!(type_matches("integer", &serde_json::json!(3)));
        assert!(!type_matches("integer", &serde_json::json!(3.5)));
        assert!(!type_matches("string", &serde_json::json!(3)));
        assert!(type_matches("number", &serde_json::json!(3.5)));
    }
}
