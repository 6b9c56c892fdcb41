//! A cheap, conservative estimate of how deep a file's syntax tree can get, computed on the raw
//! text before parsing: the parser, the walker and the tree's destructor all recurse once per
//! level, so pathological input must be refused before it reaches them.
//!
//! Brackets add a level each. So do chains that nest without brackets (`a.b().c()`, `!!!x`,
//! `&&&&x`, `a + b + c`, `x as T as U`, `else if` ladders, `return return`, `yield yield`,
//! `become`, `box` patterns, `a @ b @ c` bindings): every operator-like
//! token since the last `,` `;` or `=>` at the same bracket level counts as one more level.

/// Whether the first token at or after `i` continues an expression that ended at a `}`.
fn continues_expression(bytes: &[u8], mut i: usize) -> bool {
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b'/'), Some(b'/')) => i = memchr(b'\n', bytes, i).unwrap_or(bytes.len()),
            (Some(b'/'), Some(b'*')) => i = skip_block_comment(bytes, i),
            _ => break,
        }
    }
    let rest = &bytes[i.min(bytes.len())..];
    match rest.first() {
        None => false,
        Some(b'.' | b'?' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|' | b'<' | b'>' | b'=' | b'!') => true,
        Some(_) => {
            let end = rest
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                .unwrap_or(rest.len());
            matches!(&rest[..end], b"else" | b"as")
        }
    }
}

pub fn estimate_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut max = 0usize;
    // (depth at which the level was opened, chain length of the parent level)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut base = 0usize;
    let mut chain = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        // Whitespace, digits and non-ASCII bytes outside strings never change the depth.
        if BORING[b as usize] {
            i += 1;
            while i < bytes.len() && BORING[bytes[i] as usize] {
                i += 1;
            }
            continue;
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr(b'\n', bytes, i).unwrap_or(bytes.len());
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                continue;
            }
            b'"' => {
                i = skip_string(bytes, i + 1);
                continue;
            }
            b'r' | b'b' | b'c' if is_raw_string_start(bytes, i) => {
                i = skip_raw_string(bytes, i);
                continue;
            }
            b'\'' => {
                i = skip_char_or_lifetime(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => {
                stack.push((base, chain));
                base += chain + 1;
                chain = 0;
                max = max.max(base);
            }
            b')' | b']' | b'}' => {
                if let Some((b0, c0)) = stack.pop() {
                    base = b0;
                    chain = c0;
                }
                // A block ends an item or a statement unless something continues the expression
                // (`} else`, `}.map(..)`, `}?`, `} + 1`, `} as T`): siblings do not nest.
                if b == b'}' && !continues_expression(bytes, i + 1) {
                    chain = 0;
                }
            }
            b',' | b';' => chain = 0,
            b'=' if bytes.get(i + 1) == Some(&b'>') => {
                chain = 0;
                i += 2;
                continue;
            }
            b'.' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'!' | b'&' | b'|' | b'<' | b'>' | b'?' | b'=' | b'@' => {
                chain += 1;
                max = max.max(base + chain);
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while i < bytes.len() && IDENT[bytes[i] as usize] {
                    i += 1;
                }
                // Every keyword below is 2 to 6 bytes long and starts with a lowercase letter.
                if (2..=6).contains(&(i - start))
                    && bytes[start].is_ascii_lowercase()
                    && matches!(
                        &bytes[start..i],
                        b"as" | b"else" | b"return" | b"break" | b"move" | b"async" | b"yield" | b"become" | b"box"
                    )
                {
                    chain += 1;
                    max = max.max(base + chain);
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    max
}

/// Bytes that continue an identifier.
static IDENT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || b == b'_';
        i += 1;
    }
    t
};

/// Bytes the scanner can step over without looking closer.
static BORING: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_whitespace()
            || b.is_ascii_digit()
            || b >= 0x80
            || b == b':'
            || b == b'#'
            || b == b'$'
            || b == b'~'
            || b == b'\\';
        i += 1;
    }
    t
};

fn memchr(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..].iter().position(|&b| b == needle).map(|p| from + p)
}

fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    i
}

fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn is_raw_string_start(bytes: &[u8], i: usize) -> bool {
    if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
        return false;
    }
    let mut j = i;
    if matches!(bytes[j], b'b' | b'c') {
        j += 1;
    }
    if bytes.get(j) != Some(&b'r') {
        return false;
    }
    j += 1;
    while bytes.get(j) == Some(&b'#') {
        j += 1;
    }
    bytes.get(j) == Some(&b'"')
}

fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    while bytes[i] != b'r' {
        i += 1;
    }
    i += 1;
    let mut hashes = 0;
    while bytes[i] == b'#' {
        hashes += 1;
        i += 1;
    }
    i += 1; // opening quote
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..].iter().take(hashes).filter(|&&b| b == b'#').count() == hashes
            && bytes.len() >= i + 1 + hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// `'a'`, `'\n'`, `'\u{1F600}'` are chars; `'a` is a lifetime or label.
fn skip_char_or_lifetime(bytes: &[u8], i: usize) -> usize {
    if bytes.get(i + 1) == Some(&b'\\') {
        let mut j = i + 2;
        while j < bytes.len() && bytes[j] != b'\'' && j < i + 12 {
            j += 1;
        }
        return j + 1;
    }
    // One (possibly multi-byte) char followed by a quote.
    let mut j = i + 1;
    if j < bytes.len() {
        j += utf8_len(bytes[j]);
    }
    if bytes.get(j) == Some(&b'\'') { j + 1 } else { i + 1 }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::estimate_depth;

    #[test]
    fn ordinary_code_is_shallow() {
        let src = "fn main() { let v = vec![1, 2, 3]; for x in v.iter() { if *x > 1 { println!(\"{x}\"); } } }";
        assert!(estimate_depth(src) < 12, "{}", estimate_depth(src));
    }

    #[test]
    fn brackets_and_chains_count() {
        assert_eq!(estimate_depth(&"(".repeat(500)), 500);
        assert!(estimate_depth(&format!("fn f() {{ x{} }}", ".a()".repeat(300))) > 300);
        assert!(estimate_depth(&format!("fn f() {{ {}x }}", "!".repeat(400))) > 400);
    }

    #[test]
    fn strings_comments_and_chars_do_not_count() {
        let src = format!(
            "// {}\n/* {} */ const S: &str = \"{}\"; const R: &str = r#\"{}\"#; const C: char = '(';",
            "(".repeat(900),
            "{".repeat(900),
            "[".repeat(900),
            "(".repeat(900)
        );
        assert!(estimate_depth(&src) < 10, "{}", estimate_depth(&src));
    }

    #[test]
    fn every_chaining_keyword_counts_once_and_lookalikes_do_not() {
        for kw in [
            "as", "else", "return", "break", "move", "async", "yield", "become", "box",
        ] {
            let chain = format!("fn f() {{ {} x }}", format!("{kw} ").repeat(50));
            assert_eq!(estimate_depth(&chain), 51, "{kw}");
        }
        // The same letters in other cases or inside longer words, and a one-letter prefix.
        for word in ["As", "BOX", "boxed", "asyncs", "x_as", "become1", "b"] {
            let chain = format!("fn f() {{ {} x }}", format!("{word} ").repeat(50));
            assert_eq!(estimate_depth(&chain), 1, "{word}");
        }
    }

    #[test]
    fn separators_reset_chains() {
        let src = format!("fn f() {{ {} }}", "a.b(); ".repeat(2000));
        assert!(estimate_depth(&src) < 10);
    }

    #[test]
    fn sibling_items_and_blocks_do_not_add_up() {
        let fns = "pub fn f(x: u64) -> u64 { x.wrapping_mul(31) } // done\n".repeat(5000);
        assert!(estimate_depth(&fns) < 10, "{}", estimate_depth(&fns));
        let stmts = format!("fn f() {{ {} }}", "if a > b { c() } ".repeat(5000));
        assert!(estimate_depth(&stmts) < 10);
        // An `else if` ladder and a chain after a block do nest.
        let ladder = format!("fn f() {{ if a {{}} {} }}", "else if a {} ".repeat(600));
        assert!(estimate_depth(&ladder) > 600);
        let chained = format!("fn f() {{ {}x }}", "{ 1 } + ".repeat(600));
        assert!(estimate_depth(&chained) > 600);
    }
}
