//! `unused_suppression`: a suppression comment or attribute that suppresses nothing.
//!
//! The engine finds these once a file's findings are known (suppressions are the engine's, not
//! the walker's); this file gives the rule its name, level and docs.

use crate::rule::{Rule, RuleMeta, Severity};

pub struct UnusedSuppression;

pub(crate) static META: RuleMeta = RuleMeta {
    name: "unused_suppression",
    default_severity: Severity::Warning,
    summary: "a suppression that suppresses nothing",
    docs: include_str!("../../rules/unused_suppression.md"),
    // No hooks: the walker never needs to run it.
    needles: &["\u{0}"],
};

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn only_suppressions_that_cover_nothing() {
        let src = "async fn a() {\n    futures::executor::block_on(b()); // async-lint: allow(block_on_in_async) -- test\n    b().await; // async-lint: allow(block_on_in_async)\n}\n";
        assert_eq!(rule_lines(src, "unused_suppression"), vec![3]);
        assert!(rule_lines(src, "block_on_in_async").is_empty());
    }
}
