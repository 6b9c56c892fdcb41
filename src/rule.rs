//! The contract between the engine and a rule.

use crate::context::Context;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the engine and the docs know about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    /// snake_case name used in output, config and suppression comments.
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line, lower-case, no trailing period.
    pub summary: &'static str,
    /// The rule's user documentation (`rules/<name>.md`).
    pub docs: &'static str,
    /// Words without which a file cannot hold a finding of this rule; the rule is skipped for
    /// files that contain none of them. Empty: the rule runs on every file (crate-wide rules
    /// need every file's calls).
    pub needles: &'static [&'static str],
}

/// A fn-like item with a body: free fn, method, or trait method with a default body.
pub struct FnItem<'a> {
    pub sig: &'a syn::Signature,
    pub block: &'a syn::Block,
    /// A method of `impl Trait for Type`, or a trait's default method: the trait dictates the
    /// signature, so an unused parameter is not the body's choice.
    pub signature_from_trait: bool,
}

/// A rule detects and describes; the engine decides severity, enablement and rendering.
///
/// The walker calls the hooks in source order with the [`Context`] positioned at the node.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    /// Called for every call (`f(..)`, `a::f(..)`, `(f)(..)`) and method call (`x.m(..)`): an
    /// [`syn::Expr::Call`] or [`syn::Expr::MethodCall`]. Other expressions are seen through
    /// [`Rule::check_block`] and [`Rule::check_fn`], which can walk what they need.
    fn check_call(&self, _call: &syn::Expr, _cx: &mut Context) {}

    /// Called for every block (fn bodies, async blocks, closures' blocks, nested blocks) after
    /// its statements were walked, so the block's own bindings are visible to [`Context::local`].
    fn check_block(&self, _block: &syn::Block, _cx: &mut Context) {}

    /// Called for every fn-like item with a body, before its body is walked.
    fn check_fn(&self, _item: &FnItem<'_>, _cx: &mut Context) {}
}

/// A rule's name. An alias, not `&'static str` written out, so serde does not try to borrow it
/// from the input: it is read back through [`rule_name`].
pub type RuleName = &'static str;

/// Rule names as `&'static str` through serde: read back only if the rule exists, so a cache
/// written by another version of the tool cannot name a rule this one lacks.
pub(crate) mod rule_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(name: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        let name = String::deserialize(d)?;
        crate::rules::by_name(&name)
            .map(|r| r.meta().name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule `{name}`")))
    }
}
