//! Owned diagnostics: byte ranges, never spans, so they cross threads.

use crate::rule::Severity;
use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Label {
    pub range: Range<usize>,
    /// Most labels are fixed words ("async context starts here"): no allocation for those.
    pub message: std::borrow::Cow<'static, str>,
}

/// How sure a suggested rewrite is, in rustc's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Applicability {
    /// Correct as written; a tool may apply it.
    MachineApplicable,
    /// Probably right, but the surrounding code may need changes too.
    MaybeIncorrect,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

/// A concrete rewrite of part of the file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Suggestion {
    pub range: Range<usize>,
    pub replacement: String,
    pub applicability: Applicability,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    #[serde(with = "crate::rule::rule_name")]
    pub rule: crate::rule::RuleName,
    pub severity: Severity,
    pub message: String,
    /// Byte range of the primary location in the file's text.
    pub range: Range<usize>,
    /// Text of the primary label; empty means "use the message".
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// The help as a rewrite, where there is one.
    pub suggestion: Option<Suggestion>,
    /// The enclosing fn (`Worker::run`, `handler`), empty at module level; part of a finding's
    /// identity in baselines, which must survive line moves.
    pub scope: String,
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, message: impl Into<String>, range: Range<usize>) -> Self {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            range,
            primary_label: String::new(),
            labels: Vec::new(),
            help: None,
            suggestion: None,
            scope: String::new(),
        }
    }
}

/// A diagnostic placed in its file, with 1-based line and character columns.
#[derive(Clone, Debug)]
pub struct Located {
    pub diagnostic: Diagnostic,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Maps byte offsets to 1-based lines and character columns.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

/// The byte offset where each line of `text` starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            starts: line_starts(text),
        }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    pub fn locate(&self, diagnostic: Diagnostic) -> Located {
        let (line, column) = self.line_col(diagnostic.range.start);
        let (end_line, end_column) = self.line_col(diagnostic.range.end);
        Located {
            diagnostic,
            line,
            column,
            end_line,
            end_column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "fn a() {}\nlet é = 1;\r\n\tx";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(text.find('=').unwrap()), (2, 7));
        assert_eq!(idx.line_col(text.find('x').unwrap()), (3, 2));
        assert_eq!(idx.line_col(text.len() + 10), (3, 3));
    }
}
