//! `--format gitlab`: a GitLab Code Quality report (a JSON array of CodeClimate issues).

use crate::baseline;
use crate::engine::Report;
use crate::rule::Severity;
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// Renders `report`; paths are relative to `root` (the repository checkout).
pub fn render(report: &Report, root: &Path) -> String {
    let root = crate::config::normalize(root);
    // GitLab needs unique fingerprints; identical findings in one fn are numbered.
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let issues: Vec<Issue> = report
        .diagnostics()
        .map(|(file, d)| {
            let base = baseline::fingerprint(file, d, &root);
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let fingerprint = if *n == 1 { base } else { format!("{base}-{n}") };
            let abs = std::path::absolute(&file.path)
                .map(|p| crate::config::normalize(&p))
                .unwrap_or_else(|_| file.path.clone());
            let rel = abs.strip_prefix(&root).unwrap_or(&file.path);
            Issue {
                description: d.diagnostic.message.clone(),
                check_name: d.diagnostic.rule,
                fingerprint,
                severity: match d.diagnostic.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "major",
                    Severity::Note => "info",
                },
                location: Location {
                    path: rel.display().to_string().replace('\\', "/"),
                    lines: Lines {
                        begin: d.line,
                        end: d.end_line,
                    },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).expect("plain data serialises");
    s.push('\n');
    s
}
