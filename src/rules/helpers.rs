//! Small syntax questions several rules ask.

use crate::tokens::Leaves;
use proc_macro2::{TokenStream, TokenTree};
use syn::Expr;
use syn::visit::Visit;

/// Syntax nodes the mention helpers search.
pub trait Node {
    fn accept<'a, V: Visit<'a>>(&'a self, v: &mut V);
}

impl Node for Expr {
    fn accept<'a, V: Visit<'a>>(&'a self, v: &mut V) {
        v.visit_expr(self);
    }
}

impl Node for syn::Block {
    fn accept<'a, V: Visit<'a>>(&'a self, v: &mut V) {
        v.visit_block(self);
    }
}

impl Node for syn::ExprAsync {
    fn accept<'a, V: Visit<'a>>(&'a self, v: &mut V) {
        v.visit_expr_async(self);
    }
}

impl Node for syn::Type {
    fn accept<'a, V: Visit<'a>>(&'a self, v: &mut V) {
        v.visit_type(self);
    }
}

/// Whether `node` contains the identifier `name` anywhere, macro bodies included.
pub fn mentions(node: &impl Node, name: &str) -> bool {
    count_mentions(node, &[name], true) > 0
}

/// Whether `node` contains any of `names`.
pub fn mentions_any(node: &impl Node, names: &[String]) -> bool {
    !names.is_empty() && count_mentions(node, names, true) > 0
}

/// How often `node` names one of `names` (once at most with `first_only`). Walks the syntax
/// tree rather than its tokens: rendering a node into tokens copies all of it.
pub fn count_mentions<S: AsRef<str>>(node: &impl Node, names: &[S], first_only: bool) -> usize {
    struct Count<'n, S> {
        names: &'n [S],
        first_only: bool,
        found: usize,
    }
    impl<S: AsRef<str>> Count<'_, S> {
        fn done(&self) -> bool {
            self.first_only && self.found > 0
        }
    }
    impl<'ast, S: AsRef<str>> Visit<'ast> for Count<'_, S> {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.found += usize::from(self.names.iter().any(|n| i == n.as_ref()));
        }
        // `x.user` names a field, not the variable `user`.
        fn visit_member(&mut self, _: &'ast syn::Member) {}
        fn visit_expr(&mut self, e: &'ast Expr) {
            if !self.done() {
                syn::visit::visit_expr(self, e);
            }
        }
        // `x.user()` calls a method, not the variable `user`.
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.visit_expr(&m.receiver);
            if let Some(t) = &m.turbofish {
                self.visit_angle_bracketed_generic_arguments(t);
            }
            for a in &m.args {
                self.visit_expr(a);
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.visit_path(&m.path);
            if !self.done() {
                let hit = |i: &str| self.names.iter().any(|n| n.as_ref() == i);
                self.found += tokens_mention(m.tokens.clone(), &hit, self.first_only);
            }
        }
    }
    let mut count = Count {
        names,
        first_only,
        found: 0,
    };
    node.accept(&mut count);
    count.found
}

fn tokens_mention(tokens: TokenStream, hit: &dyn Fn(&str) -> bool, first_only: bool) -> usize {
    // `x.user` names a field and `x.user()` a method, not the variable `user`.
    let mut after_dot = false;
    let mut found = 0;
    for t in Leaves::new(tokens) {
        let was_after_dot = std::mem::replace(&mut after_dot, matches!(&t, TokenTree::Punct(p) if p.as_char() == '.'));
        found += match t {
            TokenTree::Ident(i) => usize::from(!was_after_dot && hit(&i.to_string())),
            // `format!("{name}")` and `"{name:?}"` capture `name` inside the string.
            TokenTree::Literal(l) => format_captures(&l.to_string()).filter(|c| hit(c)).count(),
            _ => 0,
        };
        if first_only && found > 0 {
            break;
        }
    }
    found
}

/// The names a format string captures: `user` and `id` in `"{user} #{id:>4}"`.
fn format_captures(lit: &str) -> impl Iterator<Item = &str> {
    let is_str = lit.ends_with('"') && (lit.starts_with('"') || lit.starts_with('r'));
    let body = if is_str && lit.contains('{') { lit } else { "" };
    body.split('{').skip(1).filter_map(|part| {
        let end = part.find(['}', ':']).unwrap_or(0);
        let name = &part[..end];
        (!name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !name.starts_with(char::is_numeric))
        .then_some(name)
    })
}

/// How a statement throws a value away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discard {
    /// `x;`
    Statement,
    /// `drop(x);`
    Dropped,
    /// `let _ = x;`
    BoundToWildcard,
    /// `_ = x;`
    AssignedToWildcard,
}

impl Discard {
    pub fn describe(self) -> &'static str {
        match self {
            Discard::Statement => "discarded",
            Discard::Dropped => "dropped",
            Discard::BoundToWildcard => "bound to `_`",
            Discard::AssignedToWildcard => "assigned to `_`",
        }
    }
}

/// The value a statement throws away at once, if it does: `x;`, `drop(x);`, `let _ = x;`,
/// `_ = x;`. (`let _x = x;` keeps the value to the end of the scope.)
pub fn discarded(stmt: &syn::Stmt) -> Option<(&Expr, Discard)> {
    match stmt {
        syn::Stmt::Expr(e, Some(_)) => Some(match unparen(e) {
            Expr::Assign(a) if matches!(&*a.left, Expr::Infer(_)) => (&*a.right, Discard::AssignedToWildcard),
            Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "drop")) =>
            {
                (&c.args[0], Discard::Dropped)
            }
            e => (e, Discard::Statement),
        }),
        syn::Stmt::Local(l) if matches!(l.pat, syn::Pat::Wild(_)) => {
            l.init.as_ref().map(|i| (&*i.expr, Discard::BoundToWildcard))
        }
        _ => None,
    }
}

/// `(x)` is `x`.
pub fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

/// The identifier at the root of a receiver chain: `conn` in `conn.lock().unwrap()`,
/// `self` in `self.db.query()`; with the field path for `self.db`.
pub fn receiver_root(e: &Expr) -> Option<String> {
    match unparen(e) {
        Expr::Path(p) => p
            .path
            .get_ident()
            .map(|i| i.to_string())
            .or_else(|| (p.path.segments.len() == 1).then(|| p.path.segments[0].ident.to_string())),
        Expr::Field(f) => {
            let base = receiver_root(&f.base)?;
            match &f.member {
                syn::Member::Named(n) => Some(format!("{base}.{n}")),
                syn::Member::Unnamed(i) => Some(format!("{base}.{}", i.index)),
            }
        }
        Expr::Reference(r) => receiver_root(&r.expr),
        Expr::Index(i) => receiver_root(&i.expr),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => receiver_root(&u.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "clone"
                        | "as_ref"
                        | "as_mut"
                        | "borrow"
                        | "borrow_mut"
                        | "deref"
                        | "deref_mut"
                        | "get_mut"
                        | "lock"
                        | "unwrap"
                ) =>
        {
            receiver_root(&m.receiver)
        }
        _ => None,
    }
}

/// The callee part of a call, for a compact primary label: `tokio::spawn` in
/// `tokio::spawn(async move { .. })`, `rt.spawn` in `rt.spawn(fut)`.
pub fn callee_range(e: &Expr) -> std::ops::Range<usize> {
    use syn::spanned::Spanned;
    let whole = crate::context::span_range(e.span());
    match unparen(e) {
        Expr::Call(c) => whole.start..crate::context::span_range(c.func.span()).end,
        Expr::MethodCall(m) => whole.start..crate::context::span_range(m.method.span()).end,
        _ => whole,
    }
}

/// From the callee to the closing parenthesis, without re-tokenising the arguments:
/// `load(path)`, `self.load(path)` (from the method name).
pub fn call_range(e: &Expr) -> std::ops::Range<usize> {
    use crate::context::span_range;
    match unparen(e) {
        Expr::Call(c) => {
            let start = match &*c.func {
                Expr::Path(p) => p.path.segments.first().map_or(0, |s| span_range(s.ident.span()).start),
                _ => span_range(c.paren_token.span.open()).start,
            };
            start..span_range(c.paren_token.span.close()).end
        }
        Expr::MethodCall(m) => span_range(m.method.span()).start..span_range(m.paren_token.span.close()).end,
        _ => 0..0,
    }
}

/// The name a call expression calls: the last path segment, or the method name.
pub fn call_name(e: &Expr) -> Option<String> {
    match unparen(e) {
        Expr::Call(c) => match unparen(&c.func) {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        Expr::MethodCall(m) => Some(m.method.to_string()),
        _ => None,
    }
}
