//! What one file declares, as the crate model needs it: its inline modules with their imports
//! and `mod x;` declarations, its types with their fields, its statics and consts. The walker
//! fills this table as it passes the items; fns are recorded as [`FnSummary`]s beside it.
//!
//! Everything here is written as the code writes it (paths as segments, in the module they are
//! written in); [`crate::model::resolve`] turns it into items of the crate.
//!
//! [`FnSummary`]: crate::knowledge::FnSummary

use serde::{Deserialize, Serialize};

/// Index of a module in [`FileItems::modules`]: 0 is the file itself.
pub type ModuleIndex = u32;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileItems {
    pub modules: Vec<ModuleItems>,
    pub types: Vec<TypeDecl>,
    pub values: Vec<ValueDecl>,
    /// `impl Trait for Type` blocks, so a type is known to have the trait's default methods.
    pub impls: Vec<ImplDecl>,
    /// The calls that fns' call graphs and waiting findings name, by index.
    pub calls: Vec<CallRef>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImplDecl {
    pub module: ModuleIndex,
    pub self_ty: TypeRef,
    pub of_trait: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ModuleItems {
    /// The module's own name; empty for the file.
    pub name: String,
    pub parent: Option<ModuleIndex>,
    /// `#[path = ".."]` on the module.
    pub path_attr: Option<String>,
    pub uses: Vec<UseDecl>,
    /// `mod x;` declarations: the name and its `#[path = ".."]`.
    pub file_mods: Vec<(String, Option<String>)>,
    /// Names of the `mod x;` declarations under `#[cfg(test)]`.
    pub test_mods: Vec<String>,
    /// An inline module under `#[cfg(test)]`.
    pub cfg_test: bool,
}

/// One name a `use` brings in: `use a::b as c;` is alias `c`, path `a::b`; a glob has no alias.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct UseDecl {
    pub alias: Option<String>,
    pub path: Vec<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum TypeKind {
    Struct,
    Enum,
    Union,
    Alias,
    Trait,
}

/// A struct, enum, union, type alias or trait.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TypeDecl {
    pub name: String,
    pub module: ModuleIndex,
    pub kind: TypeKind,
    /// Named fields with their declared types (structs and unions).
    pub fields: Vec<(String, TypeRef)>,
    /// What a type alias stands for.
    pub alias_of: Option<TypeRef>,
}

/// A static or const.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ValueDecl {
    pub name: String,
    pub module: ModuleIndex,
    pub ty: Option<TypeRef>,
}

/// A type as the code states it, to be resolved once the crate is known. Wrappers that do not
/// change which methods a value answers to (`&`, `Arc`, `Rc`, `Box`, `Option`, `Result`, `Pin`)
/// are looked through.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum TypeRef {
    /// A type path written in a module of this file.
    Path { module: ModuleIndex, segs: Vec<String> },
    /// The declared type of a field of a value of the inner type.
    Field(Box<TypeRef>, String),
    /// The declared return type of the fn (or `Type::method`) a path (`a::b`, `::` between
    /// segments) names.
    Returns { module: ModuleIndex, path: String },
    /// The declared return type of a method called on a value of the inner type.
    MethodReturns(Box<TypeRef>, String),
    /// The declared type of the static or const a path names.
    ValueOf { module: ModuleIndex, segs: Vec<String> },
}

/// A call as the walk saw it: a path (`load(..)`, `crate::a::f(..)`, `Config::load(..)`) or a
/// method on a receiver whose type the code states.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub enum CallRef {
    /// The path as written, segments joined by `::` (a leading `::` for an absolute path).
    Path {
        module: ModuleIndex,
        path: String,
    },
    Method {
        receiver: TypeRef,
        method: String,
    },
    /// A fn declared inside a fn body of this module, called by its name.
    Nested {
        module: ModuleIndex,
        name: String,
    },
}

impl CallRef {
    /// The called fn's own name, as a finding shows it.
    pub fn name(&self) -> &str {
        match self {
            CallRef::Path { path, .. } => path.rsplit("::").next().unwrap_or(""),
            CallRef::Method { method, .. } | CallRef::Nested { name: method, .. } => method,
        }
    }
}

/// Wrappers a method call sees through (auto-deref and the common smart pointers), and the
/// `Option`/`Result` a value is usually unwrapped from before a method is called on it.
const TRANSPARENT: &[&str] = &["Arc", "Rc", "Box", "Option", "Result", "Pin", "RefMut", "Ref"];

/// The type path a declared type names, looking through references and [`TRANSPARENT`]
/// wrappers: `&Arc<crate::db::Pool>` gives `crate::db::Pool`. Generic arguments are dropped.
pub fn type_segments(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Reference(r) => type_segments(&r.elem),
        syn::Type::Paren(p) => type_segments(&p.elem),
        syn::Type::Group(g) => type_segments(&g.elem),
        syn::Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if TRANSPARENT.iter().any(|w| last.ident == w)
                && let syn::PathArguments::AngleBracketed(args) = &last.arguments
                && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
            {
                return type_segments(inner);
            }
            let mut segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
            if p.path.leading_colon.is_some() {
                segs.insert(0, String::new());
            }
            Some(segs)
        }
        syn::Type::ImplTrait(_) | syn::Type::TraitObject(_) => None,
        _ => None,
    }
}

/// A `use` tree as the names it brings in.
pub fn use_decls(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseDecl>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_decls(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            if n.ident == "self" {
                if let Some(last) = prefix.last() {
                    out.push(UseDecl {
                        alias: Some(last.clone()),
                        path: prefix.clone(),
                    });
                }
            } else {
                let mut path = prefix.clone();
                path.push(n.ident.to_string());
                out.push(UseDecl {
                    alias: Some(n.ident.to_string()),
                    path,
                });
            }
        }
        syn::UseTree::Rename(r) => {
            let alias = r.rename.to_string();
            if alias == "_" {
                return;
            }
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push(UseDecl {
                alias: Some(alias),
                path,
            });
        }
        syn::UseTree::Glob(_) => out.push(UseDecl {
            alias: None,
            path: prefix.clone(),
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_decls(t, prefix, out);
            }
        }
    }
}

/// Whether the attributes hold `#[cfg(test)]` or `#[cfg(all(test, ..))]`.
pub fn cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.meta.require_list().is_ok_and(|l| {
                let text = l.tokens.to_string();
                text == "test" || (text.starts_with("all (") && text[5..].split([',', ' ', ')']).any(|w| w == "test"))
            })
    })
}

/// The `#[path = ".."]` of a module, if any.
pub fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// `mod x;` declarations at the top level of an item macro's tokens (`cfg_rt! { mod runtime; }`),
/// found by a scan of the tokens rather than a parse: such macros wrap most of a large crate's
/// modules. A `mod x;` nested deeper (inside a fn body or an inline module) is not looked for.
pub fn macro_file_mods(tokens: &proc_macro2::TokenStream, out: &mut Vec<(String, Option<String>)>) {
    use proc_macro2::TokenTree;
    let mut window: [Option<TokenTree>; 2] = [None, None];
    for tt in tokens.clone() {
        if let TokenTree::Punct(p) = &tt
            && p.as_char() == ';'
            && let [Some(TokenTree::Ident(kw)), Some(TokenTree::Ident(name))] = &window
            && kw == "mod"
        {
            out.push((name.to_string(), None));
        }
        window = [window[1].take(), Some(tt)];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Option<Vec<String>> {
        type_segments(&syn::parse_str(text).unwrap())
    }

    #[test]
    fn declared_types_look_through_wrappers() {
        assert_eq!(
            ty("&Arc<crate::db::Pool>"),
            Some(vec!["crate".into(), "db".into(), "Pool".into()])
        );
        assert_eq!(ty("Option<Box<Client>>"), Some(vec!["Client".into()]));
        assert_eq!(
            ty("std::sync::Mutex<u8>"),
            Some(vec!["std".into(), "sync".into(), "Mutex".into()])
        );
        assert_eq!(ty("impl Fn()"), None);
    }

    #[test]
    fn use_trees_become_names() {
        let item: syn::ItemUse = syn::parse_str("use a::{b, c as d, e::*, f::{self}, g as _};").unwrap();
        let mut out = Vec::new();
        use_decls(&item.tree, &mut Vec::new(), &mut out);
        let shown: Vec<(Option<&str>, String)> = out.iter().map(|u| (u.alias.as_deref(), u.path.join("::"))).collect();
        assert_eq!(
            shown,
            vec![
                (Some("b"), "a::b".to_string()),
                (Some("d"), "a::c".to_string()),
                (None, "a::e".to_string()),
                (Some("f"), "a::f".to_string()),
            ]
        );
    }

    #[test]
    fn mod_declarations_inside_macros() {
        let tokens: proc_macro2::TokenStream =
            "pub(crate) mod runtime; mod x { mod inner; } #[cfg(unix)] mod io; fn f() { mod no; }"
                .parse()
                .unwrap();
        let mut out = Vec::new();
        macro_file_mods(&tokens, &mut out);
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["runtime", "io"]);
    }
}
