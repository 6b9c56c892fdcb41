//! Walking raw token streams (macro bodies, rendered syntax) without recursion: groups can nest
//! as deep as the input does.

use proc_macro2::{TokenStream, TokenTree, token_stream::IntoIter};

/// The identifiers, punctuation and literals of a stream, depth first, groups opened.
pub struct Leaves {
    stack: Vec<IntoIter>,
}

impl Leaves {
    pub fn new(tokens: TokenStream) -> Self {
        Leaves {
            stack: vec![tokens.into_iter()],
        }
    }
}

impl Iterator for Leaves {
    type Item = TokenTree;

    fn next(&mut self) -> Option<TokenTree> {
        loop {
            match self.stack.last_mut()?.next() {
                None => {
                    self.stack.pop();
                }
                Some(TokenTree::Group(g)) => self.stack.push(g.stream().into_iter()),
                Some(leaf) => return Some(leaf),
            }
        }
    }
}

/// Whether the stream contains one of `names` as an identifier, at any depth.
pub fn contains_ident(tokens: &TokenStream, names: &[&str]) -> bool {
    Leaves::new(tokens.clone()).any(|t| matches!(t, TokenTree::Ident(i) if names.iter().any(|n| i == n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_open_groups_in_order() {
        let ts: TokenStream = "a.b(c, [d]) { e }".parse().unwrap();
        let s: Vec<String> = Leaves::new(ts).map(|t| t.to_string()).collect();
        assert_eq!(s, ["a", ".", "b", "c", ",", "d", "e"]);
        let deep: TokenStream = format!("{}x{}", "(".repeat(5000), ")".repeat(5000)).parse().unwrap();
        assert!(contains_ident(&deep, &["x"]));
        assert!(!contains_ident(&deep, &["y"]));
    }
}
