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
            .map(|l| Label::secondary((), l.range.clone()).with_message(&l.message)),
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
    let (mut n_err, mut n_warn, mut n_note) = (0, 0, 0);
    let mut files_with = 0;
    for f in &report.files {
        if !f.diagnostics.is_empty() {
            files_with += 1;
        }
        for d in &f.diagnostics {
            match d.diagnostic.severity {
                Severity::Error => n_err += 1,
                Severity::Warning => n_warn += 1,
                Severity::Note => n_note += 1,
            }
        }
    }
    let checked = report.files_checked();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let line = if n_err + n_warn + n_note == 0 {
        format!("no findings in {}", plural(checked, "file"))
    } else {
        let mut parts = Vec::new();
        for (n, w) in [(n_err, "error"), (n_warn, "warning"), (n_note, "note")] {
            if n > 0 {
                parts.push(plural(n, w));
            }
        }
        format!(
            "found {} in {} ({} checked)",
            parts.join(", "),
            plural(files_with, "file"),
            checked
        )
    };
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
