//! Suppressions written in the code: `// async-lint: allow(rule) -- reason` on or above a
//! line, `// async-lint: allow-file(rule)`, and `#[cfg_attr(async_lint, allow(rule))]` on an
//! item. Read from the raw text (comments are not tokens) and the parsed file (attributes).

use crate::context::span_range;
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::tokens::Leaves;
use proc_macro2::TokenTree;
use std::ops::Range;
use std::str::FromStr;
use syn::spanned::Spanned;
use syn::visit::Visit;

/// What a suppression covers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    /// Findings that start on this 1-based line.
    Line(usize),
    /// The whole file.
    File,
    /// Findings inside this byte range (an item with the attribute).
    Item(Range<usize>),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Suppression {
    /// Rule names as written, each with its byte range.
    pub rules: Vec<(String, Range<usize>)>,
    pub reason: Option<String>,
    /// The comment or attribute.
    pub range: Range<usize>,
    pub scope: Scope,
}

/// Every suppression of a file, and the comments that look like one but cannot be read.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Suppressions {
    pub list: Vec<Suppression>,
    pub malformed: Vec<Range<usize>>,
}

const MARKER: &str = "async-lint:";
/// The attribute's spelling, accepted in comments too.
const MARKER_UNDERSCORE: &str = "async_lint:";

impl Suppressions {
    /// Reads the suppressions of `text`, parsed as `file`.
    pub fn collect(text: &str, file: &syn::File) -> Self {
        let mut out = Suppressions::default();
        if text.contains(MARKER) || text.contains(MARKER_UNDERSCORE) {
            comments(text, &mut out);
        }
        if text.contains("async_lint") {
            let mut v = Attributes { out: &mut out };
            v.visit_file(file);
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.malformed.is_empty()
    }
}

/// The byte ranges of string and character literals (and doc comments, which are literals to
/// the lexer): a `//` inside one starts no comment.
fn literal_ranges(text: &str) -> Vec<Range<usize>> {
    let Ok(tokens) = proc_macro2::TokenStream::from_str(text) else {
        return Vec::new();
    };
    let mut ranges: Vec<Range<usize>> = Leaves::new(tokens)
        .filter_map(|t| match t {
            TokenTree::Literal(l) => Some(l.span().byte_range()),
            _ => None,
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    ranges
}

fn comments(text: &str, out: &mut Suppressions) {
    let literals = literal_ranges(text);
    let in_literal = |at: usize| {
        let i = literals.partition_point(|r| r.start <= at);
        i > 0 && literals[i - 1].end > at
    };
    let lines = LineIndex::new(text);
    let mut from = 0;
    while let Some(found) = [MARKER, MARKER_UNDERSCORE]
        .iter()
        .filter_map(|m| text[from..].find(m))
        .min()
    {
        let marker = from + found;
        from = marker + MARKER.len();
        let line_start = text[..marker].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..marker];
        // `// async-lint:` with only spaces between: a plain line comment (not `///` or `//!`).
        let Some(slashes) = before.trim_end().strip_suffix("//").map(|b| line_start + b.len()) else {
            continue;
        };
        if text[..slashes].ends_with('/') || in_literal(slashes) {
            continue;
        }
        // Not inside an earlier comment on the same line (`// see // async-lint: ..`).
        let earlier_comment = text[line_start..slashes]
            .match_indices("//")
            .any(|(i, _)| !in_literal(line_start + i));
        if earlier_comment {
            continue;
        }
        let line_end = text[marker..].find('\n').map_or(text.len(), |i| marker + i);
        let body = &text[from..line_end];
        let comment = slashes..line_end;
        let Some((file_wide, rules, reason)) = parse_body(body, from) else {
            out.malformed.push(comment);
            continue;
        };
        let (line, _) = lines.line_col(slashes);
        let scope = if file_wide {
            Scope::File
        } else if text[line_start..slashes].trim().is_empty() {
            Scope::Line(next_code_line(text, line_end))
        } else {
            Scope::Line(line)
        };
        out.list.push(Suppression {
            rules,
            reason,
            range: comment,
            scope,
        });
    }
}

type Parsed = (bool, Vec<(String, Range<usize>)>, Option<String>);

/// `allow(a, b) -- reason` or `allow-file(a)`; `offset` is where `body` starts in the file.
fn parse_body(body: &str, offset: usize) -> Option<Parsed> {
    let trimmed = body.trim_start();
    let mut at = offset + body.len() - trimmed.len();
    let (file_wide, rest) = if let Some(r) = trimmed.strip_prefix("allow-file(") {
        (true, r)
    } else {
        (false, trimmed.strip_prefix("allow(")?)
    };
    at += trimmed.len() - rest.len();
    let close = rest.find(')')?;
    let mut rules = Vec::new();
    let mut pos = at;
    for part in rest[..close].split(',') {
        let name = part.trim();
        let start = pos + (part.len() - part.trim_start().len());
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        rules.push((name.to_string(), start..start + name.len()));
        pos += part.len() + 1;
    }
    let tail = rest[close + 1..].trim();
    let reason = tail.strip_prefix("--").unwrap_or(tail).trim();
    Some((file_wide, rules, (!reason.is_empty()).then(|| reason.to_string())))
}

/// The 1-based line of the first line after `from` that holds code (not blank, not a comment).
fn next_code_line(text: &str, from: usize) -> usize {
    let mut line = text[..from].matches('\n').count() + 1;
    for l in text[from..].split('\n').skip(1) {
        line += 1;
        let t = l.trim();
        if !t.is_empty() && !t.starts_with("//") {
            return line;
        }
    }
    line
}

struct Attributes<'a> {
    out: &'a mut Suppressions,
}

impl Attributes<'_> {
    fn check(&mut self, attrs: &[syn::Attribute], node: &dyn Spanned) {
        self.check_scoped(attrs, || Scope::Item(span_range(node.span())));
    }

    fn check_scoped(&mut self, attrs: &[syn::Attribute], scope: impl Fn() -> Scope) {
        for attr in attrs {
            if !attr.path().is_ident("cfg_attr") {
                continue;
            }
            let Ok(list) = attr.meta.require_list() else { continue };
            let mut tokens = list.tokens.clone().into_iter();
            if !matches!(tokens.next(), Some(TokenTree::Ident(i)) if i == "async_lint") {
                continue;
            }
            let rest: proc_macro2::TokenStream = tokens.collect();
            let range = span_range(attr.span());
            let mut found = false;
            let mut iter = rest.into_iter().peekable();
            while let Some(t) = iter.next() {
                if let TokenTree::Ident(i) = &t
                    && i == "allow"
                    && let Some(TokenTree::Group(g)) = iter.peek()
                {
                    let (rules, reason) = allow_list(g.stream());
                    self.out.list.push(Suppression {
                        rules,
                        reason,
                        range: range.clone(),
                        scope: scope(),
                    });
                    found = true;
                }
            }
            if !found {
                self.out.malformed.push(range);
            }
        }
    }
}

/// The rules of `allow(a, b, reason = "..")` and its reason, as rustc's lint attributes write it.
fn allow_list(tokens: proc_macro2::TokenStream) -> (Vec<(String, Range<usize>)>, Option<String>) {
    let mut rules = Vec::new();
    let mut reason = None;
    let mut iter = tokens.into_iter().peekable();
    while let Some(t) = iter.next() {
        let TokenTree::Ident(i) = t else { continue };
        if i == "reason" && matches!(iter.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '=') {
            iter.next();
            if let Some(TokenTree::Literal(l)) = iter.next() {
                let text = l.to_string();
                reason = Some(text.trim_matches('"').to_string()).filter(|r| !r.trim().is_empty());
            }
            continue;
        }
        rules.push((i.to_string(), i.span().byte_range()));
    }
    (rules, reason)
}

impl<'ast> Visit<'ast> for Attributes<'_> {
    fn visit_file(&mut self, f: &'ast syn::File) {
        // `#![cfg_attr(async_lint, allow(rule))]` at the top covers the whole file.
        self.check_scoped(&f.attrs, || Scope::File);
        for item in &f.items {
            self.visit_item(item);
        }
    }
    fn visit_item(&mut self, i: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match i {
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(x) => &x.attrs,
            syn::Item::Mod(x) => &x.attrs,
            syn::Item::Trait(x) => &x.attrs,
            syn::Item::Static(x) => &x.attrs,
            syn::Item::Const(x) => &x.attrs,
            syn::Item::Struct(x) => &x.attrs,
            syn::Item::Enum(x) => &x.attrs,
            syn::Item::Macro(x) => &x.attrs,
            _ => &[],
        };
        self.check(attrs, i);
        syn::visit::visit_item(self, i);
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.check(&f.attrs, f);
        syn::visit::visit_impl_item_fn(self, f);
    }
    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        self.check(&f.attrs, f);
        syn::visit::visit_trait_item_fn(self, f);
    }
    fn visit_local(&mut self, l: &'ast syn::Local) {
        self.check(&l.attrs, l);
        syn::visit::visit_local(self, l);
    }
    fn visit_expr(&mut self, _: &'ast syn::Expr) {
        // Expressions hold no items worth a separate visit except blocks, reached below.
    }
    fn visit_block(&mut self, b: &'ast syn::Block) {
        for s in &b.stmts {
            match s {
                syn::Stmt::Item(i) => self.visit_item(i),
                syn::Stmt::Local(l) => self.visit_local(l),
                syn::Stmt::Expr(e, _) => visit_blocks_in(self, e),
                syn::Stmt::Macro(_) => {}
            }
        }
    }
}

/// Blocks nested in an expression (`async { .. }`, closures, `if`, loops), where items and
/// `let`s with attributes may sit.
fn visit_blocks_in(v: &mut Attributes<'_>, e: &syn::Expr) {
    struct Blocks<'v, 'a> {
        v: &'v mut Attributes<'a>,
    }
    impl<'ast> Visit<'ast> for Blocks<'_, '_> {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            self.v.visit_block(b);
        }
    }
    Blocks { v }.visit_expr(e);
}

/// Which suppressions were needed, once the file's findings are known.
pub struct Outcome {
    /// Findings that no suppression covers.
    pub kept: Vec<Diagnostic>,
    /// `(suppression, rule index)` pairs that covered nothing.
    pub unused: Vec<(usize, usize)>,
}

/// Splits `diags` into kept and suppressed findings.
pub fn apply(sup: &Suppressions, diags: Vec<Diagnostic>, lines: &LineIndex<'_>) -> Outcome {
    let mut used: Vec<Vec<bool>> = sup.list.iter().map(|s| vec![false; s.rules.len()]).collect();
    let mut kept = Vec::new();
    for d in diags {
        let line = lines.line_col(d.range.start).0;
        let mut covered = false;
        for (si, s) in sup.list.iter().enumerate() {
            let applies = match &s.scope {
                Scope::Line(l) => *l == line,
                Scope::File => true,
                Scope::Item(r) => r.start <= d.range.start && d.range.start < r.end,
            };
            if !applies {
                continue;
            }
            for (ri, (name, _)) in s.rules.iter().enumerate() {
                if name == d.rule {
                    used[si][ri] = true;
                    covered = true;
                }
            }
        }
        if !covered {
            kept.push(d);
        }
    }
    let unused = used
        .iter()
        .enumerate()
        .flat_map(|(si, u)| u.iter().enumerate().filter(|(_, u)| !**u).map(move |(ri, _)| (si, ri)))
        .collect();
    Outcome { kept, unused }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Suppressions {
        Suppressions::collect(text, &syn::parse_file(text).unwrap())
    }

    #[test]
    fn comments_on_above_and_file_wide() {
        let text = "// async-lint: allow-file(sequential_awaits)\nfn a() {\n    x(); // async-lint: allow(block_on_in_async) -- startup only\n    // async-lint: allow(a, b)\n\n    // more words\n    y();\n}\n";
        let s = collect(text);
        assert!(s.malformed.is_empty());
        assert_eq!(s.list.len(), 3);
        assert_eq!(s.list[0].scope, Scope::File);
        assert_eq!(s.list[1].scope, Scope::Line(3));
        assert_eq!(s.list[1].reason.as_deref(), Some("startup only"));
        assert_eq!(s.list[2].scope, Scope::Line(7));
        let names: Vec<&str> = s.list[2].rules.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(&text[s.list[2].rules[1].1.clone()], "b");
    }

    #[test]
    fn strings_and_doc_comments_are_not_suppressions() {
        let text = "/// // async-lint: allow(x)\nfn a() { let s = \"// async-lint: allow(y)\"; let r = r#\"\n// async-lint: allow(z)\n\"#; }\n// see // async-lint: allow(w)\n";
        assert!(collect(text).is_empty());
        let url = collect("fn a() { let u = \"http://x\"; } // async-lint: allow(x)\n");
        assert_eq!(url.list.len(), 1);
    }

    #[test]
    fn malformed_comments_are_kept_apart() {
        let s = collect("fn a() {} // async-lint: alow(x)\nfn b() {} // async-lint: allow(x y)\n");
        assert_eq!(s.malformed.len(), 2);
        assert!(s.list.is_empty());
    }

    #[test]
    fn file_attributes_underscore_marker_and_reasons() {
        let text = "#![cfg_attr(async_lint, allow(lock_across_await))]\nfn a() {} // async_lint: allow(x) -- ok\n#[cfg_attr(async_lint, allow(y, reason = \"legacy\"))]\nfn b() {}\n";
        let s = collect(text);
        assert_eq!(s.list.len(), 3, "{s:?}");
        assert_eq!(s.list[0].scope, Scope::Line(2));
        assert_eq!(s.list[1].scope, Scope::File);
        assert_eq!(s.list[2].reason.as_deref(), Some("legacy"));
        assert_eq!(s.list[2].rules.len(), 1);
    }

    #[test]
    fn attributes_cover_their_item() {
        let text = "#[cfg_attr(async_lint, allow(block_on_in_async))]\nfn a() { b(); }\nimpl X {\n    #[cfg_attr(async_lint, allow(lock_across_await, sequential_awaits))]\n    async fn m(&self) {}\n}\n";
        let s = collect(text);
        assert_eq!(s.list.len(), 2);
        let Scope::Item(r) = &s.list[0].scope else { panic!() };
        assert!(text[r.clone()].starts_with("#[cfg_attr") && text[r.clone()].ends_with("b(); }"));
        assert_eq!(s.list[1].rules.len(), 2);
    }
}
