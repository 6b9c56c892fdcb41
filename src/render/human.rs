//! Human output through codespan-reporting.

use crate::diagnostic::Located;
use crate::engine::{FileReport, Report};
use crate::rule::Severity;
use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, WriteStyle};

fn to_codespan(d: &Located) -> CsDiagnostic<()> {
    let diag = &d.diagnostic;
    let severity = match diag.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    };
    let mut labels = vec![Label::primary((), diag.range.clone()).with_message(&diag.primary_label)];
    labels.extend(
        diag.labels
            .iter()
            .map(|l| Label::secondary((), l.range.clone()).with_message(l.message.as_ref())),
    );
    let mut out = CsDiagnostic::new(severity)
        .with_code(diag.rule)
        .with_message(&diag.message)
        .with_labels(labels);
    if let Some(help) = &diag.help {
        out = out.with_notes(vec![format!("help: {help}")]);
    }
    out
}

/// Renders one file's diagnostics into `out`.
pub fn render_file(out: &mut dyn WriteStyle, file: &FileReport) -> std::io::Result<()> {
    let Some(source) = &file.source else { return Ok(()) };
    let name = file.path.display().to_string();
    let files = SimpleFile::new(name, source.as_str());
    let config = Config::default();
    for d in &file.diagnostics {
        term::emit_to_write_style(out, &config, &files, &to_codespan(d)).map_err(std::io::Error::other)?;
    }
    Ok(())
}

/// The file errors and the closing summary line.
pub fn summary(report: &Report) -> (Vec<String>, String) {
    let errors: Vec<String> = report
        .errors()
        .map(|(p, m)| format!("error: cannot lint {}: {m}", p.display()))
        .collect();
    let mut counts = [0usize; 3];
    let mut files_with = 0;
    for f in &report.files {
        files_with += usize::from(!f.diagnostics.is_empty());
        for d in &f.diagnostics {
            counts[d.diagnostic.severity as usize] += 1;
        }
    }
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let linted = report.files_checked() - errors.len();
    let parts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ]
    .into_iter()
    .filter(|(s, _)| counts[*s as usize] > 0)
    .map(|(s, w)| plural(counts[s as usize], w))
    .collect();
    let mut line = if report.files.is_empty() {
        "no Rust files to lint: check the paths, `include`/`exclude` in the configuration and \
         .gitignore (`--no-ignore` lints ignored files)"
            .to_string()
    } else if parts.is_empty() {
        format!("no findings in {}", plural(linted, "file"))
    } else {
        format!(
            "found {} in {} ({} checked)",
            parts.join(", "),
            plural(files_with, "file"),
            linted
        )
    };
    if !errors.is_empty() {
        line.push_str(&format!("; {} could not be linted", plural(errors.len(), "file")));
    }
    (errors, line)
}

/// One file's diagnostics as plain text, as the terminal shows them without colour.
pub fn render_file_to_string(file: &FileReport) -> String {
    let Some(source) = &file.source else {
        return String::new();
    };
    let files = SimpleFile::new(file.path.display().to_string(), source.as_str());
    let config = Config::default();
    let mut out = String::new();
    for d in &file.diagnostics {
        if let Ok(s) = term::emit_into_string(&config, &files, &to_codespan(d)) {
            out.push_str(&s);
        }
    }
    out
}

/// One diagnostic as plain text, as rustc's `rendered` field carries it.
pub fn render_one(file: &FileReport, d: &Located) -> String {
    let Some(source) = &file.source else {
        return String::new();
    };
    let files = SimpleFile::new(file.path.display().to_string(), source.as_str());
    term::emit_into_string(&Config::default(), &files, &to_codespan(d)).unwrap_or_default()
}
