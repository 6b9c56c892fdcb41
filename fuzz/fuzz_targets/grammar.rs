//! Grammar-aware fuzzing: builds syntactically valid Rust aimed at async-lint's rules (see
//! `grammar_gen.rs`) and lints it. `lint_source` must not panic, hang or overflow; text that
//! `syn` parses must lint (Ok), and every finding must sit inside the text.
#![no_main]

mod grammar_gen;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

static RUNS: AtomicU64 = AtomicU64::new(0);
static PARSED: AtomicU64 = AtomicU64::new(0);
static FINDINGS: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let text = grammar_gen::Gen::new(&mut u).file();
    if std::env::var_os("GRAMMAR_PRINT").is_some() {
        eprintln!("--- generated ---\n{text}\n---");
    }

    let result = async_lint::lint_source(&text);
    // Sanity statistic: how often the generator's output is valid Rust. `lint_source` parses with
    // the same `syn`, so Ok means it parsed; parse again only to judge an Err (halves the cost).
    let parses = result.is_ok() || parse_or_report(&text);
    let runs = RUNS.fetch_add(1, Relaxed) + 1;
    if parses {
        PARSED.fetch_add(1, Relaxed);
    }
    match &result {
        Ok(found) => {
            FINDINGS.fetch_add(found.len() as u64, Relaxed);
            for l in found {
                let r = &l.diagnostic.range;
                assert!(
                    l.line >= 1 && l.column >= 1 && l.end_line >= 1 && l.end_column >= 1,
                    "diagnostic placed at line/column 0: {l:?}"
                );
                assert!(
                    r.start <= r.end && r.end <= text.len(),
                    "diagnostic range outside the text ({} bytes): {l:?}",
                    text.len()
                );
                assert!(
                    text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
                    "diagnostic range splits a character: {l:?}"
                );
            }
        }
        Err(e) => {
            // Only unparsable text may be refused, or text past the nesting limit (which the
            // generator is meant to stay far below).
            assert!(
                !parses || e.starts_with("nesting is too deep"),
                "syn parses this text but lint_source refused it: {e}"
            );
        }
    }

    if runs.is_power_of_two() || runs % 2_000 == 0 {
        let p = PARSED.load(Relaxed);
        eprintln!(
            "grammar stats: {runs} generated, {p} parse ({:.1}%), {} findings",
            100.0 * p as f64 / runs as f64,
            FINDINGS.load(Relaxed)
        );
    }
});

fn parse_or_report(text: &str) -> bool {
    match syn::parse_file(text) {
        Ok(_) => true,
        Err(e) => {
            if std::env::var_os("GRAMMAR_DEBUG").is_some() {
                let at = e.span().start();
                eprintln!("--- unparsable ({e} at {}:{}) ---\n{text}\n---", at.line, at.column + 1);
            }
            false
        }
    }
}
