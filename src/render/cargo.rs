//! `--message-format json`: cargo's JSON messages, one `compiler-message` line per finding, so
//! rust-analyzer and other cargo tooling read them like rustc's.

use crate::cargo::Workspace;
use crate::diagnostic::{LineIndex, Located};
use crate::engine::{FileReport, Report};
use crate::rule::Severity;
use serde_json::{Value, json};
use std::ops::Range;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A rustc span: 1-based lines and columns (end exclusive), with the source lines it covers.
fn span(
    file_name: &str,
    text: &str,
    lines: &LineIndex,
    range: Range<usize>,
    primary: bool,
    label: Option<&str>,
) -> Value {
    let (line_start, column_start) = lines.line_col(range.start);
    let (line_end, column_end) = lines.line_col(range.end);
    let text_lines: Vec<Value> = text
        .split('\n')
        .enumerate()
        .skip(line_start - 1)
        .take(line_end + 1 - line_start)
        .map(|(i, l)| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            let n = i + 1;
            let start = if n == line_start { column_start } else { 1 };
            let end = if n == line_end {
                column_end
            } else {
                l.chars().count() + 1
            };
            json!({ "text": l, "highlight_start": start, "highlight_end": end })
        })
        .collect();
    json!({
        "file_name": file_name,
        "byte_start": range.start,
        "byte_end": range.end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": primary,
        "text": text_lines,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

/// The rustc diagnostic of one finding.
pub fn diagnostic(file: &FileReport, d: &Located, file_name: &str) -> Value {
    let diag = &d.diagnostic;
    let text = file.source.as_deref().unwrap_or("");
    let lines = LineIndex::new(text);
    let primary_label = (!diag.primary_label.is_empty()).then_some(diag.primary_label.as_str());
    let mut spans = vec![span(file_name, text, &lines, diag.range.clone(), true, primary_label)];
    spans.extend(diag.labels.iter().map(|l| {
        span(
            file_name,
            text,
            &lines,
            l.range.clone(),
            false,
            Some(l.message.as_ref()),
        )
    }));
    let mut children = Vec::new();
    if let Some(help) = &diag.help {
        let mut child_spans = Vec::new();
        if let Some(s) = &diag.suggestion {
            let mut sp = span(file_name, text, &lines, s.range.clone(), true, None);
            sp["suggested_replacement"] = json!(s.replacement);
            sp["suggestion_applicability"] = json!(s.applicability.as_str());
            child_spans.push(sp);
        }
        children.push(json!({
            "message": help,
            "code": null,
            "level": "help",
            "spans": child_spans,
            "children": [],
            "rendered": null,
        }));
    }
    json!({
        "$message_type": "diagnostic",
        "message": diag.message,
        "code": { "code": format!("async_lint::{}", diag.rule), "explanation": null },
        "level": level(diag.severity),
        "spans": spans,
        "children": children,
        "rendered": crate::render::human::render_one(file, d),
    })
}

/// One line per finding, each carrying the package and target its file belongs to.
pub fn render(report: &Report, ws: &Workspace) -> String {
    let mut out = String::new();
    for (file, d) in report.diagnostics() {
        let Some(package) = ws.package_of(&file.path).or_else(|| ws.packages.first()) else {
            continue;
        };
        let file_name = ws.relative(&file.path).display().to_string();
        let line = json!({
            "reason": "compiler-message",
            "package_id": package.id,
            "manifest_path": package.manifest_path,
            "target": package.target_of(&file.path),
            "message": diagnostic(file, d, &file_name),
        });
        out.push_str(&serde_json::to_string(&line).expect("plain data serialises"));
        out.push('\n');
    }
    out
}
