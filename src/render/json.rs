//! `--format json`: one document on stdout.

use crate::engine::Report;
use serde::Serialize;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files_checked: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: Vec<JsonError<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: String,
    message: &'a str,
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        version: 1,
        files_checked: report.files_checked(),
        diagnostics: report
            .diagnostics()
            .map(|(f, d)| JsonDiagnostic {
                rule: d.diagnostic.rule,
                severity: d.diagnostic.severity.as_str(),
                message: &d.diagnostic.message,
                path: f.path.display().to_string(),
                line: d.line,
                column: d.column,
                end_line: d.end_line,
                end_column: d.end_column,
                help: d.diagnostic.help.as_deref(),
            })
            .collect(),
        errors: report
            .errors()
            .map(|(p, m)| JsonError {
                path: p.display().to_string(),
                message: m,
            })
            .collect(),
    };
    let mut s = serde_json::to_string(&doc).expect("plain data serialises");
    s.push('\n');
    s
}
