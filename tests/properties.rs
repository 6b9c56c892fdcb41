//! Property tests of the per-file pipeline, with a fixed budget so CI stays fast: whatever the
//! input, linting returns findings or a clean error, never panics, hangs or overflows, and every
//! finding points inside the text. Longer runs: `PROPTEST_CASES=20000 cargo test --test properties`.

use proptest::prelude::*;

/// Checks one input the way the engine treats a file.
fn check(text: &str) -> Result<(), TestCaseError> {
    let Ok(found) = async_lint::lint_source(text) else {
        return Ok(());
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = text.split('\n').count();
    for d in &found {
        let r = &d.diagnostic.range;
        prop_assert!(
            r.start <= r.end && r.end <= text.len(),
            "range {r:?} outside {} bytes",
            text.len()
        );
        prop_assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        prop_assert!(
            d.line >= 1 && d.line <= lines && d.column >= 1,
            "{}:{}",
            d.line,
            d.column
        );
        prop_assert!((d.end_line, d.end_column) >= (d.line, d.column));
        for l in &d.diagnostic.labels {
            prop_assert!(l.range.end <= text.len());
        }
        if let Some(s) = &d.diagnostic.suggestion {
            prop_assert!(s.range.end <= text.len());
        }
    }
    Ok(())
}

/// Pieces of Rust that reach the linter's interesting paths.
const ATOMS: &[&str] = &[
    "async fn f() {",
    "fn g() {",
    "}",
    "{",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    ".await",
    "async move {",
    "|| ",
    "async || ",
    "move |x| ",
    "let _ = ",
    "let g = ",
    "m.lock().unwrap()",
    "futures::executor::block_on(",
    "block_on(",
    "tokio::spawn(",
    "tokio::task::spawn_blocking(",
    "std::thread::sleep(d)",
    "std::fs::read(p)",
    "token.drop_guard()",
    "token.cancelled()",
    "CancellationToken::new()",
    "tokio::select! {",
    "join!(",
    "try_join!(",
    "assert!(",
    "format!(\"{x}\", ",
    "println!(",
    "tracing::info!(%x, ",
    "use futures::executor::block_on as wait;",
    "use super::*;",
    "mod m {",
    "impl X {",
    "trait T {",
    "#[tokio::test]",
    "#[cfg(test)]",
    "#[tokio::main]",
    "// async-lint: allow(block_on_in_async) -- r\n",
    "// async-lint: allow(",
    "/* c */",
    "\"s\"",
    "r#\"raw\"#",
    "'c'",
    "b'x'",
    "1u8",
    "x",
    "self",
    "Self::new()",
    "?",
    "=>",
    "match x {",
    "if let Some(y) = x {",
    "loop {",
    "return ",
    "break;",
    "\n",
    "\r\n",
    "\t",
    " ",
    "#![cfg_attr(async_lint, allow(lock_across_await))]",
    "#[cfg_attr(async_lint, allow(",
    "macro_rules! mm { () => {} }",
    "stream! {",
    "é",
    "\u{feff}",
    "\0",
];

fn atoms() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ATOMS), 0..120).prop_map(|v| v.concat())
}

/// Well-formed async Rust built from a small grammar, so most cases get past the parser.
fn program() -> impl Strategy<Value = String> {
    let stmt = prop::sample::select(
        &[
            "let a = fetch().await;",
            "let b = fetch().await?;",
            "futures::executor::block_on(fetch());",
            "std::thread::sleep(std::time::Duration::from_millis(1));",
            "let g = m.lock().unwrap(); fetch().await; drop(g);",
            "let _ = token.drop_guard();",
            "token.cancelled();",
            "tokio::spawn(async move { work().await?; Ok::<_, E>(()) });",
            "tokio::task::spawn_blocking(move || std::fs::read(p));",
            "tokio::select! { _ = token.cancelled() => {}, v = rx.recv() => { let _ = v; } }",
            "let (x, y) = tokio::join!(a(), b());",
            "helper(CancellationToken::new()).await;",
            "std::thread::spawn(|| async { work().await });",
            "tokio::task::block_in_place(|| heavy());",
            "fire();",
            "assert_eq!(fetch().await, 1);",
            "if ok { fetch().await; } else { futures::executor::block_on(fetch()); }",
            "for i in 0..3 { let _ = i; fetch().await; }",
            "let c = |x: u8| x + 1; c(1);",
            "fn nested() { futures::executor::block_on(fetch()); }",
            "x; // async-lint: allow(block_on_in_async) -- reason",
        ][..],
    );
    let body = prop::collection::vec(stmt, 0..12).prop_map(|v| v.join("\n    "));
    let header = prop::sample::select(
        &[
            "async fn f(token: CancellationToken, m: &std::sync::Mutex<u8>)",
            "fn f(token: CancellationToken, m: &std::sync::Mutex<u8>)",
            "#[tokio::test]\nasync fn f()",
            "#[tokio::main(flavor = \"current_thread\")]\nasync fn f()",
            "pub(crate) async fn f(&self)",
        ][..],
    );
    let wrap = prop::sample::select(
        &[
            "",
            "impl Svc {",
            "mod inner { use super::*;",
            "#[cfg(test)]\nmod tests {",
        ][..],
    );
    prop::collection::vec((wrap, header, body), 1..6).prop_map(|fns| {
        let mut out = String::from("use tokio_util::sync::CancellationToken;\nasync fn fire() {}\n");
        for (w, h, b) in fns {
            let close = if w.is_empty() { "" } else { "}" };
            out.push_str(&format!("{w}\n{h} {{\n    {b}\n}}\n{close}\n"));
        }
        out
    })
}

/// A fixture with a slice cut out and some bytes spliced in.
fn mutated_fixture() -> impl Strategy<Value = String> {
    let mut fixtures: Vec<String> = std::fs::read_dir("fixtures")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    fixtures.sort();
    (
        prop::sample::select(fixtures),
        any::<prop::sample::Index>(),
        0usize..400,
        atoms(),
    )
        .prop_map(|(text, at, cut, insert)| {
            let mut start = at.index(text.len().max(1)).min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{insert}{}", &text[..start], &text[end..])
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn token_soup_never_crashes(text in atoms()) {
        check(&text)?;
    }

    #[test]
    fn arbitrary_text_never_crashes(text in "\\PC{0,400}") {
        check(&text)?;
    }

    #[test]
    fn generated_programs_parse_and_stay_in_bounds(text in program()) {
        prop_assert!(syn::parse_file(&text).is_ok(), "the generator writes valid Rust:\n{text}");
        check(&text)?;
    }

    #[test]
    fn mutated_fixtures_never_crash(text in mutated_fixture()) {
        check(&text)?;
    }
}
