//! What the parser sees of a file, and how untrusted files are read. Every change keeps each byte
//! where it was, so spans of the parsed tree are offsets into the text as read.

use std::borrow::Cow;

/// Whether `needle` occurs in `haystack`: a vectorised search, several times faster than
/// `str::contains` for the short words rules look for in whole files.
pub fn contains(haystack: &str, needle: &str) -> bool {
    memchr::memmem::find(haystack.as_bytes(), needle.as_bytes()).is_some()
}

/// Drops a leading byte-order mark (offsets then count from after it, as editors show them).
pub fn strip_bom(text: &mut String) {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
}

/// The text with a `#!` interpreter line blanked: it is not Rust (`#![attr]` is kept).
pub fn without_shebang(text: &str) -> Cow<'_, str> {
    if text.starts_with("#!") && !text[2..].trim_start().starts_with('[') {
        let end = text.find('\n').unwrap_or(text.len());
        Cow::Owned(format!("{}{}", " ".repeat(end), &text[end..]))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text with doc comments (`///`, `//!`, `/** */`, `/*! */`) turned into plain comments of
/// the same length. The parser would turn each doc line into a `#[doc = "..."]` attribute, which
/// in documented code costs a third of the parse; no rule reads documentation.
///
/// The scan does not track string literals: a `///` inside one changes the literal's content as
/// syn sees it, never where it ends. Rules read source text from the original, not from this.
pub fn without_docs(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut blank = Vec::new();
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'/', &bytes[i..]) {
        let at = i + p;
        let next = |k: usize| bytes.get(at + k).copied();
        match (next(1), next(2), next(3)) {
            // A line comment: `///x` and `//!x` are docs, `////x` is not. Nothing after it on
            // its line can start another comment.
            (Some(b'/'), third, fourth) => {
                if (third == Some(b'/') && fourth != Some(b'/')) || third == Some(b'!') {
                    blank.push(at + 2);
                }
                i = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
                continue;
            }
            // `/** x */` and `/*! x */`, but not `/***`, nor the empty comment `/**/`.
            (Some(b'*'), Some(b'*'), n) if n != Some(b'*') && n != Some(b'/') => blank.push(at + 2),
            (Some(b'*'), Some(b'!'), _) => blank.push(at + 2),
            _ => {}
        }
        i = at + 1;
    }
    if blank.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = text.as_bytes().to_vec();
    for at in blank {
        out[at] = b' ';
    }
    // Only ASCII `/`, `!` and `*` bytes were replaced by spaces.
    Cow::Owned(String::from_utf8(out).expect("replacing ASCII bytes keeps UTF-8 valid"))
}

/// Reads a regular file of at most `cap` bytes without blocking on a FIFO or device: opened
/// non-blocking, checked to be a regular file on the open handle, read through the cap.
pub fn read_capped(path: &std::path::Path, cap: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > cap {
        return Err(Error::new(ErrorKind::InvalidData, format!("larger than {cap} bytes")));
    }
    let mut text = String::new();
    file.take(cap + 1).read_to_string(&mut text)?;
    if text.len() as u64 > cap {
        return Err(Error::new(ErrorKind::InvalidData, format!("larger than {cap} bytes")));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> usize {
        syn::parse_file(text).map(|f| f.items.len()).unwrap_or(usize::MAX)
    }

    #[test]
    fn doc_comments_become_plain_comments_of_the_same_length() {
        let src = "//! crate docs\n/// a fn\n/** block */\nfn a() {}\n/*! inner */\n//// plain\n/*** plain */\n/**/\nfn b() { let s = \"http:///x\"; }\n///";
        let out = without_docs(src);
        assert_eq!(out.len(), src.len());
        assert_eq!(
            out,
            "//  crate docs\n//  a fn\n/*  block */\nfn a() {}\n/*  inner */\n//// plain\n/*** plain */\n/**/\nfn b() { let s = \"http:// x\"; }\n// "
        );
        let file = syn::parse_file(&out).unwrap();
        assert_eq!(file.items.len(), 2);
        assert!(file.attrs.is_empty());
        assert!(matches!(&file.items[0], syn::Item::Fn(f) if f.attrs.is_empty()));
    }

    #[test]
    fn text_without_docs_is_borrowed_and_nested_comments_still_close() {
        assert!(matches!(without_docs("fn a() {} // x\n/* y */"), Cow::Borrowed(_)));
        let nested = "/* outer /** inner */ still outer */ fn a() {}";
        assert_eq!(items(&without_docs(nested)), 1);
        assert_eq!(items(&without_docs("fn a() { let _ = 1 /**/ + 2; }")), 1);
        assert_eq!(items(&without_docs("fn a() {}\n/**/")), 1);
    }

    #[test]
    fn findings_after_doc_comments_keep_their_lines_and_columns() {
        let src = "//! Crate docs with a \"quote and `use futures::executor::block_on;`\n\
                   /// Docs: é → ü, and a suppression-looking line:\n\
                   /// async-lint: allow(block_on_in_async)\n\
                   /** block docs */\n\
                   async fn handler() {\n\
                   \x20   let url = \"http:///x\"; /**/\n\
                   \x20   futures::executor::block_on(fetch(url));\n\
                   }\n";
        let found = crate::lint_source(src).unwrap();
        let at: Vec<(&str, usize, usize)> = found.iter().map(|d| (d.diagnostic.rule, d.line, d.column)).collect();
        assert_eq!(at, vec![("block_on_in_async", 7, 5)]);
    }

    #[test]
    fn shebang_is_blanked_but_inner_attributes_are_not() {
        assert_eq!(
            without_shebang("#!/usr/bin/env run\nfn a() {}"),
            "                  \nfn a() {}"
        );
        assert!(matches!(
            without_shebang("#![allow(dead_code)]\nfn a() {}"),
            Cow::Borrowed(_)
        ));
        let mut bom = "\u{feff}fn a() {}".to_string();
        strip_bom(&mut bom);
        assert_eq!(bom, "fn a() {}");
    }
}
