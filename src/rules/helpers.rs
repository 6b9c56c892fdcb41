//! Small syntax questions several rules ask.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::Expr;

/// Whether `node` contains the identifier `name` anywhere, macro bodies included.
pub fn mentions(node: &impl ToTokens, name: &str) -> bool {
    tokens_mention(node.to_token_stream(), &|i| i == name)
}

/// Whether `node` contains any of `names`.
pub fn mentions_any(node: &impl ToTokens, names: &[String]) -> bool {
    !names.is_empty() && tokens_mention(node.to_token_stream(), &|i| names.iter().any(|n| i == n))
}

fn tokens_mention(tokens: TokenStream, hit: &dyn Fn(&proc_macro2::Ident) -> bool) -> bool {
    // Iterative: macro bodies can nest groups deeply.
    let mut stack = vec![tokens.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some(TokenTree::Ident(i)) if hit(&i) => return true,
            Some(TokenTree::Group(g)) => stack.push(g.stream().into_iter()),
            Some(_) => {}
        }
    }
    false
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
