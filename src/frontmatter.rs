//! YAML frontmatter of agentic documents (`SKILL.md`, prompt templates) and YAML documents
//! (workflows), parsed the one strict way the profile defines.
//!
//! The bytes are hostile input: they are decoded as UTF-8 (a leading BOM is dropped), CRLF line
//! ends are read as LF, the frontmatter is capped at [`MAX_FRONTMATTER_BYTES`], and the YAML is
//! parsed by serde-saphyr with YAML 1.2 booleans, duplicate keys as errors and budgets on nodes,
//! aliases and depth, so that an alias bomb or a deep nest ends in an error, never a panic or an
//! exhausted machine. A second, YAML 1.1 reading of the same text finds the plain scalars whose
//! meaning depends on the reader (`yes`, `NO`, `on`…).

use serde_json::Value;
use std::fmt;

/// The largest frontmatter (the bytes between the `---` lines) that is parsed.
pub const MAX_FRONTMATTER_BYTES: usize = 64 * 1024;
/// The largest whole YAML document (a workflow) that is parsed.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Why a document's YAML could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlProblem {
    /// Not UTF-8; the offset is of the first invalid byte (after a BOM, if any).
    NotUtf8 { offset: usize },
    /// The first line is not `---`.
    NoOpening,
    /// No line `---` closes the frontmatter.
    NoClosing,
    /// The frontmatter or document is larger than the suite parses.
    TooLarge { bytes: usize, limit: usize },
    /// The YAML does not parse; `line` and `column` are 1-based and count from the first line
    /// of the file.
    Syntax {
        line: u64,
        column: u64,
        message: String,
    },
    /// The YAML parses but is not a mapping.
    NotMapping { found: &'static str },
}

impl fmt::Display for YamlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlProblem::NotUtf8 { offset } => {
                write!(
                    f,
                    "not valid UTF-8: invalid byte sequence at byte offset {offset}"
                )
            }
            YamlProblem::NoOpening => {
                f.write_str("the file does not start with YAML frontmatter (a first line `---`)")
            }
            YamlProblem::NoClosing => f.write_str("the frontmatter is not closed by a line `---`"),
            YamlProblem::TooLarge { bytes, limit } => {
                write!(
                    f,
                    "the YAML is {bytes} bytes, more than the {limit}-byte limit; not parsed"
                )
            }
            YamlProblem::Syntax {
                line,
                column,
                message,
            } => write!(f, "line {line}, column {column}: {message}"),
            YamlProblem::NotMapping { found } => {
                write!(f, "the YAML is {found}, not a mapping of keys to values")
            }
        }
    }
}

/// A plain scalar that YAML 1.2 reads as a string and YAML 1.1 as a boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmbiguousBoolean {
    /// JSON pointer into the parsed value.
    pub pointer: String,
    pub text: String,
}

/// A parsed frontmatter (or whole YAML document).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The YAML mapping as JSON.
    pub value: Value,
    /// The text after the closing `---` (LF line ends); empty for a whole document.
    pub body: String,
    /// 1-based line of the file on which the body starts.
    pub body_line: usize,
    pub ambiguous_booleans: Vec<AmbiguousBoolean>,
}

fn decode(bytes: &[u8]) -> Result<String, YamlProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| YamlProblem::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    Ok(text.replace("\r\n", "\n"))
}

fn is_fence(line: &str) -> bool {
    line.trim_end_matches([' ', '\t']) == "---"
}

/// Split `bytes` into frontmatter and body and parse the frontmatter.
pub fn parse_frontmatter(bytes: &[u8]) -> Result<Parsed, YamlProblem> {
    let text = decode(bytes)?;
    let mut lines = text.split_inclusive('\n');
    match lines.next() {
        Some(first) if is_fence(first.trim_end_matches('\n')) => {}
        _ => return Err(YamlProblem::NoOpening),
    }
    let start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = start;
    let mut line_no = 1;
    for line in lines {
        line_no += 1;
        if is_fence(line.trim_end_matches('\n')) {
            let yaml = &text[start..offset];
            if yaml.len() > MAX_FRONTMATTER_BYTES {
                return Err(YamlProblem::TooLarge {
                    bytes: yaml.len(),
                    limit: MAX_FRONTMATTER_BYTES,
                });
            }
            let value = parse_yaml(yaml, 1)?;
            let body = text[offset + line.len()..].to_string();
            return Ok(Parsed {
                ambiguous_booleans: ambiguous(yaml, &value),
                value,
                body,
                body_line: line_no + 1,
            });
        }
        offset += line.len();
        if offset - start > MAX_FRONTMATTER_BYTES {
            return Err(YamlProblem::TooLarge {
                bytes: offset - start,
                limit: MAX_FRONTMATTER_BYTES,
            });
        }
    }
    Err(YamlProblem::NoClosing)
}

/// Parse a whole YAML (or JSON) document that must be a mapping.
pub fn parse_document(bytes: &[u8]) -> Result<Parsed, YamlProblem> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(YamlProblem::TooLarge {
            bytes: bytes.len(),
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    let text = decode(bytes)?;
    let value = parse_yaml(&text, 0)?;
    Ok(Parsed {
        ambiguous_booleans: ambiguous(&text, &value),
        value,
        body: String::new(),
        body_line: 0,
    })
}

fn options(strict_booleans: bool) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 20_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_depth = 32;
    budget.max_documents = 1;
    budget.max_events = 100_000;
    budget.max_total_scalar_bytes = MAX_DOCUMENT_BYTES;
    budget.max_reader_input_bytes = Some(MAX_DOCUMENT_BYTES);
    let mut o = serde_saphyr::Options::default();
    o.budget = Some(budget);
    o.strict_booleans = strict_booleans;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    o
}

/// Parse YAML into JSON under the profile's rules; `line_offset` is the number of file lines
/// before the YAML text.
fn parse_yaml(yaml: &str, line_offset: u64) -> Result<Value, YamlProblem> {
    let value: Value = serde_saphyr::from_str_with_options(yaml, options(true)).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((0, 0), |l| (l.line() + line_offset, l.column()));
        YamlProblem::Syntax {
            line,
            column,
            message: explain(&e.to_string()),
        }
    })?;
    match &value {
        Value::Object(_) => Ok(value),
        Value::Null => Err(YamlProblem::NotMapping { found: "empty" }),
        Value::Array(_) => Err(YamlProblem::NotMapping {
            found: "a sequence",
        }),
        _ => Err(YamlProblem::NotMapping { found: "a scalar" }),
    }
}

/// The first line of a parser message, cut, with a hint for the classic slips.
fn explain(message: &str) -> String {
    let mut first = message.lines().next().unwrap_or("").trim();
    // The parser repeats its own (YAML-relative) position; the caller gives the file's.
    first = first.strip_prefix("error:").unwrap_or(first).trim_start();
    if let Some(rest) = first.strip_prefix("line ")
        && let Some((pos, tail)) = rest.split_once(": ")
        && pos
            .split(" column ")
            .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
    {
        first = tail;
    }
    // Advice to the parser's API user, not to the author of the document.
    if let Some((head, _)) = first.split_once(", set DuplicateKeyPolicy") {
        first = head;
    }
    let worded = budget_words(first);
    let first = worded.as_str();
    let mut out: String = first.chars().take(300).collect();
    let lower = first.to_ascii_lowercase();
    if lower.contains("mapping values are not allowed") || lower.contains("mapping value") {
        out.push_str(
            " (a plain scalar cannot contain \": \"; quote the value, e.g. description: \"Use this: for PDFs\")",
        );
    }
    out
}

/// The parser names a breached budget by its debug form (`Documents { documents: 2 }`): say it
/// in words, with the bound of [`options`].
fn budget_words(message: &str) -> String {
    static BREACH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"([A-Z][A-Za-z]*) \{ ([a-z_]+): (\d+) \}").expect("valid regex")
    });
    BREACH
        .replace_all(message, |c: &regex::Captures<'_>| {
            let n = &c[3];
            match &c[1] {
                "Documents" => format!("{n} YAML documents, where one is allowed"),
                "Nodes" => format!("more than 20000 YAML nodes ({n} read)"),
                "Depth" => format!("nesting {n} levels deep, more than 32"),
                "Aliases" => format!("more than 1000 aliases ({n})"),
                "Anchors" => format!("more than 1000 anchors ({n})"),
                "Events" => format!("more than 100000 YAML events ({n})"),
                _ => format!("too many {} ({n})", c[2].replace('_', " ")),
            }
        })
        .into_owned()
}

/// The YAML 1.1 plain scalars `y|n|yes|no|on|off` in any of their spellings, read as strings
/// under YAML 1.2 but as booleans by a YAML 1.1 reader.
fn ambiguous(yaml: &str, strict: &Value) -> Vec<AmbiguousBoolean> {
    let Ok(lax) = serde_saphyr::from_str_with_options::<Value>(yaml, options(false)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    diff(strict, &lax, String::new(), &mut out);
    out
}

fn diff(strict: &Value, lax: &Value, at: String, out: &mut Vec<AmbiguousBoolean>) {
    match (strict, lax) {
        (Value::String(s), Value::Bool(_)) => out.push(AmbiguousBoolean {
            pointer: at,
            text: s.clone(),
        }),
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    diff(
                        v,
                        w,
                        format!("{at}/{}", crate::model::pointer_token(k)),
                        out,
                    );
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                diff(v, w, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every string value that starts with `oci://`, with its JSON pointer, in document order.
pub fn oci_references(v: &Value, at: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) if s.starts_with("oci://") => out.push((at, s.clone())),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                oci_references(x, format!("{at}/{i}"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                oci_references(x, format!("{at}/{}", crate::model::pointer_token(k)), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_breaches_are_said_in_words() {
        let e = budget_words("budget breached: Documents { documents: 2 }");
        assert_eq!(e, "budget breached: 2 YAML documents, where one is allowed");
        assert!(!budget_words("Nodes { nodes: 20001 }").contains('{'));
        assert!(!budget_words("MergeKeys { merge_keys: 9 }").contains('{'));
    }

    #[test]
    fn references_are_found_anywhere() {
        let doc = serde_json::json!({"do": [{"a": {"with": {"model": "oci://r/m:v1", "n": 3}}}], "x": "https://oci://no"});
        let mut out = Vec::new();
        oci_references(&doc, String::new(), &mut out);
        assert_eq!(
            out,
            vec![("/do/0/a/with/model".to_string(), "oci://r/m:v1".to_string())]
        );
    }

    fn fm(s: &str) -> Result<Parsed, YamlProblem> {
        parse_frontmatter(s.as_bytes())
    }

    #[test]
    fn splits_and_parses() {
        let p = fm("---\nname: pdf-tools\ndescription: Reads PDFs.\n---\n# Body\n").unwrap();
        assert_eq!(p.value["name"], "pdf-tools");
        assert_eq!(p.body, "# Body\n");
        assert_eq!(p.body_line, 5);
        assert!(p.ambiguous_booleans.is_empty());
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let p = parse_frontmatter(b"\xEF\xBB\xBF---\r\nname: a\r\ndescription: b\r\n---\r\nx\r\n")
            .unwrap();
        assert_eq!(p.value["name"], "a");
        assert_eq!(p.value["description"], "b");
        assert_eq!(p.body, "x\n");
    }

    #[test]
    fn missing_fences() {
        assert_eq!(fm("name: a\n").unwrap_err(), YamlProblem::NoOpening);
        assert_eq!(fm("---\nname: a\n").unwrap_err(), YamlProblem::NoClosing);
        assert_eq!(fm("").unwrap_err(), YamlProblem::NoOpening);
    }

    #[test]
    fn not_utf8() {
        let e = parse_frontmatter(b"---\nname: caf\xe9\n---\n").unwrap_err();
        assert_eq!(e, YamlProblem::NotUtf8 { offset: 13 });
    }

    #[test]
    fn unquoted_colon_names_the_line() {
        let e = fm("---\nname: a\ndescription: Use this: for PDFs\n---\n").unwrap_err();
        match e {
            YamlProblem::Syntax { line, message, .. } => {
                assert_eq!(line, 3, "{message}");
                assert!(message.contains("quote"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = fm("---\nname: a\nname: b\n---\n").unwrap_err();
        assert!(matches!(e, YamlProblem::Syntax { line: 3, .. }), "{e:?}");
    }

    #[test]
    fn yaml11_booleans_are_found() {
        let p = fm("---\nname: a\nmetadata:\n  beta: yes\n  quoted: \"no\"\n  real: true\n---\n")
            .unwrap();
        assert_eq!(p.value["metadata"]["beta"], "yes");
        assert_eq!(p.value["metadata"]["real"], true);
        assert_eq!(
            p.ambiguous_booleans,
            vec![AmbiguousBoolean {
                pointer: "/metadata/beta".into(),
                text: "yes".into()
            }]
        );
    }

    #[test]
    fn alias_bomb_is_stopped() {
        let mut y = String::from(
            "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, c) in "bcdefghi".chars().enumerate() {
            let prev = (b'a' + i as u8) as char;
            y.push_str(&format!("{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        y.push_str("---\n");
        let e = fm(&y).unwrap_err();
        assert!(matches!(e, YamlProblem::Syntax { .. }), "{e:?}");
    }

    #[test]
    fn huge_frontmatter_is_not_parsed() {
        let big = format!("---\nname: a\ndescription: {}\n---\n", "x".repeat(70_000));
        assert!(matches!(
            fm(&big).unwrap_err(),
            YamlProblem::TooLarge { .. }
        ));
        // Unterminated and huge: stops at the limit rather than scanning for ever.
        let open = format!("---\n{}", "k: v\n".repeat(20_000));
        assert!(matches!(
            fm(&open).unwrap_err(),
            YamlProblem::TooLarge { .. }
        ));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let y = format!(
            "---\na: {}{}\n---\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(fm(&y).is_err());
    }

    #[test]
    fn not_a_mapping() {
        assert_eq!(
            fm("---\n---\n").unwrap_err(),
            YamlProblem::NotMapping { found: "empty" }
        );
        assert_eq!(
            fm("---\n- a\n---\n").unwrap_err(),
            YamlProblem::NotMapping {
                found: "a sequence"
            }
        );
    }

    #[test]
    fn documents() {
        let p = parse_document(b"{\"document\": {\"dsl\": \"1.0.0\"}}").unwrap();
        assert_eq!(p.value["document"]["dsl"], "1.0.0");
        assert!(parse_document(b"a: 1\na: 2\n").is_err());
    }
}
