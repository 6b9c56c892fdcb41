//! Unit-test helpers shared by the rule files.

/// The 1-based lines where `rule` reports in `src`.
pub fn rule_lines(src: &str, rule: &str) -> Vec<usize> {
    crate::lint_source(src)
        .expect("test source parses")
        .into_iter()
        .filter(|d| d.diagnostic.rule == rule)
        .map(|d| d.line)
        .collect()
}
