//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning reads it.

use crate::baseline;
use crate::engine::Report;
use crate::rule::Severity;
use crate::rules;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Value,
    original_uri_base_ids: Value,
    column_kind: &'static str,
    results: Vec<Value>,
    invocations: Vec<Value>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The text of one `## Heading` section of a rule's docs.
fn section<'a>(docs: &'a str, heading: &str) -> &'a str {
    let Some(start) = docs.find(heading) else { return "" };
    let rest = &docs[start + heading.len()..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].trim()
}

fn upper_camel(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect()
}

/// Characters a path segment of a URI reference must escape (RFC 3986 `pchar`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A URI reference for `path`: relative to `root` (`src/a.rs`) when below it, else a `file:` URI.
fn uri(path: &Path, root: &Path) -> String {
    let abs = std::path::absolute(path)
        .map(|p| crate::config::normalize(&p))
        .unwrap_or_else(|_| path.to_path_buf());
    match abs.strip_prefix(root) {
        Ok(rel) => encode(rel),
        Err(_) => format!("file:///{}", encode(&abs)),
    }
}

/// The normal components of `path`, each percent-encoded, joined with `/`.
fn encode(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(utf8_percent_encode(&s.to_string_lossy(), SEGMENT).to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Renders `report`; paths are relative to `root` (the `%SRCROOT%` base, normally the
/// repository checkout the run started in).
pub fn render(report: &Report, root: &Path) -> String {
    let root = crate::config::normalize(root);
    let all = rules::ALL;
    let rule_objects: Vec<Value> = all
        .iter()
        .map(|r| {
            let m = r.meta();
            let what = section(m.docs, "## What it does");
            json!({
                "id": m.name,
                "name": upper_camel(m.name),
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": what.chars().take(1000).collect::<String>() },
                "help": { "text": m.docs, "markdown": m.docs },
                "defaultConfiguration": { "level": level(m.default_severity) },
                "properties": { "tags": ["async", "correctness"], "precision": "high" },
            })
        })
        .collect();
    let mut results = Vec::new();
    for (file, d) in report.diagnostics() {
        let diag = &d.diagnostic;
        let index = all.iter().position(|r| r.meta().name == diag.rule);
        let location = |line: usize, col: usize, end_line: usize, end_col: usize| {
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&file.path, &root), "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col },
                }
            })
        };
        let related: Vec<Value> = diag
            .labels
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let text = file.source.as_deref()?;
                let lines = crate::diagnostic::LineIndex::new(text);
                let (sl, sc) = lines.line_col(l.range.start);
                let (el, ec) = lines.line_col(l.range.end);
                let mut loc = location(sl, sc, el, ec);
                loc["id"] = json!(i);
                loc["message"] = json!({ "text": l.message });
                Some(loc)
            })
            .collect();
        let mut message = diag.message.clone();
        if let Some(help) = &diag.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let mut result = json!({
            "ruleId": diag.rule,
            "level": level(diag.severity),
            "message": { "text": message },
            "locations": [location(d.line, d.column, d.end_line, d.end_column)],
            "partialFingerprints": { "asyncLintFingerprint/v1": baseline::fingerprint(file, d, &root) },
        });
        if let Some(i) = index {
            result["ruleIndex"] = json!(i);
        }
        if !related.is_empty() {
            result["relatedLocations"] = json!(related);
        }
        results.push(result);
    }
    let notifications: Vec<Value> = report
        .errors()
        .map(|(p, m)| {
            json!({
                "level": "error",
                "message": { "text": format!("cannot lint this file: {m}") },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(p, &root), "uriBaseId": "%SRCROOT%" } } }],
            })
        })
        .collect();
    let root_uri = format!("file:///{}/", encode(&root)).replace("file:////", "file:///");
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: json!({
                "driver": {
                    "name": "async-lint",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                }
            }),
            original_uri_base_ids: json!({ "%SRCROOT%": { "uri": root_uri } }),
            column_kind: "unicodeCodePoints",
            results,
            invocations: vec![json!({
                "executionSuccessful": report.errors().next().is_none(),
                "toolExecutionNotifications": notifications,
            })],
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).expect("plain data serialises");
    s.push('\n');
    s
}
