//! `unforwarded_cancellation_token`: a fresh token passed on where the caller's own belongs.

use crate::context::Context;
use crate::rule::{Rule, RuleMeta, Severity};
use crate::rules::helpers::unparen;
use syn::Expr;

pub struct UnforwardedCancellationToken;

static META: RuleMeta = RuleMeta {
    name: "unforwarded_cancellation_token",
    default_severity: Severity::Warning,
    summary: "a fresh `CancellationToken` passed on where the caller's own token belongs",
    docs: include_str!("../../rules/unforwarded_cancellation_token.md"),
    needles: &["CancellationToken"],
};

impl Rule for UnforwardedCancellationToken {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_call(&self, expr: &Expr, cx: &mut Context) {
        let args = match expr {
            Expr::Call(c) => &c.args,
            Expr::MethodCall(m) => &m.args,
            _ => return,
        };
        if !cx.facts().mentions_token {
            return;
        }
        for arg in args {
            let Some(fresh) = fresh_token(arg, cx) else { continue };
            let Some(held) = held_token(cx, cx.range(fresh).start) else {
                return;
            };
            let d = cx
                .diagnostic(
                    cx.range(fresh),
                    "a new cancellation token is passed on instead of the one this fn holds",
                )
                .with_primary_label("cancelling the caller will not reach this")
                .with_help(format!("pass `{held}.child_token()` (or `{held}.clone()`) instead"));
            cx.report(d);
        }
    }
}

/// `CancellationToken::new()` / `CancellationToken::default()`, possibly inside `Some(..)`.
fn fresh_token<'e>(arg: &'e Expr, cx: &Context) -> Option<&'e Expr> {
    match unparen(arg) {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let segs = &p.path.segments;
                let n = segs.len();
                let ctor = n >= 2 && (segs[n - 1].ident == "new" || segs[n - 1].ident == "default");
                // `CancellationToken::new()`, or through a renaming import (`StopSignal::new()`).
                if ctor
                    && (cx.with_ident_text(&segs[n - 2].ident, |t| cx.options().is_token_type(t))
                        || cx.may_be_renamed(&segs[0].ident)
                            && cx.resolve_path(&p.path).first().is_some_and(|r| {
                                r.rsplit_once("::")
                                    .is_some_and(|(ty, _)| cx.options().is_token_path(ty))
                            }))
                {
                    Some(arg)
                } else if n == 1 && segs[0].ident == "Some" && c.args.len() == 1 {
                    fresh_token(&c.args[0], cx)
                } else {
                    None
                }
            }
            _ => None,
        },
        _ => None,
    }
}

/// The token the current fn holds: a parameter of that type, or a token field of `self`.
fn held_token(cx: &Context, at: usize) -> Option<String> {
    let is_token = |t: &str| {
        cx.options().is_token_type(t)
            || cx
                .resolve_name(t)
                .first()
                .is_some_and(|r| cx.options().is_token_path(r))
    };
    let mut params = cx
        .visible_locals(at)
        .filter(|l| l.type_name.as_deref().is_some_and(is_token));
    if let Some(p) = params.next() {
        return Some(p.name.clone());
    }
    // A method of a type of this file that has a token field.
    if cx.fn_has_self() {
        let ty = cx.impl_type()?;
        let mut fields: Vec<&String> = cx
            .facts()
            .token_fields
            .iter()
            .filter(|(s, _)| s == ty)
            .map(|(_, f)| f)
            .collect();
        fields.sort();
        return fields.first().map(|f| format!("self.{f}"));
    }
    None
}
