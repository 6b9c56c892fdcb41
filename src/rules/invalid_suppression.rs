//! `invalid_suppression`: a suppression that names an unknown rule or cannot be read, or (with
//! `--require-reason`) gives no reason.
//!
//! The engine finds these while it applies suppressions; this file gives the rule its name,
//! level and docs.

use crate::rule::{Rule, RuleMeta, Severity};

pub struct InvalidSuppression;

pub(crate) static META: RuleMeta = RuleMeta {
    name: "invalid_suppression",
    default_severity: Severity::Error,
    summary: "a suppression that names an unknown rule, cannot be read, or lacks a required reason",
    docs: include_str!("../../rules/invalid_suppression.md"),
    // No hooks: the walker never needs to run it.
    needles: &["\u{0}"],
};

impl Rule for InvalidSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::rule_lines;

    #[test]
    fn unknown_rules_and_unreadable_comments() {
        let src = "fn a() {} // async-lint: allow(block_on_in_asink)\nfn b() {} // async-lint: allow block_on_in_async\nfn c() {} // async-lint: allow-file(lock_across_await)\n";
        assert_eq!(rule_lines(src, "invalid_suppression"), vec![1, 2]);
    }
}
