//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use crate::engine::Report;
use crate::rule::Severity;
use std::fmt::Write;

/// Escapes a command's message, as the actions toolkit does (`%` first).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: as data, and `:` and `,` too.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for (file, d) in report.diagnostics() {
        let diag = &d.diagnostic;
        let command = match diag.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let path = escape_property(&file.path.display().to_string().replace('\\', "/"));
        let _ = write!(out, "::{command} file={path},line={},endLine={}", d.line, d.end_line);
        // Columns are only accepted on a single-line range.
        if d.line == d.end_line {
            let _ = write!(out, ",col={},endColumn={}", d.column, d.end_column);
        }
        let mut message = diag.message.clone();
        if let Some(help) = &diag.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let title = escape_property(&format!("async-lint {}", diag.rule));
        let _ = writeln!(out, ",title={title}::{}", escape_data(&message));
    }
    for (path, message) in report.errors() {
        let path = escape_property(&path.display().to_string().replace('\\', "/"));
        let _ = writeln!(
            out,
            "::error file={path},title={}::{}",
            escape_property("async-lint: file not linted"),
            escape_data(message)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // `%` is escaped first, so an escape sequence in the input survives as text.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
