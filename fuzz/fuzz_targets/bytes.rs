//! Arbitrary bytes into `lint_source`: it must never panic, hang or overflow the stack.
//! Valid UTF-8 is linted as is; every input is also linted after a lossy conversion.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    // Err is a fine answer for a bad file; a panic (even one async-lint catches itself) is not:
    // libfuzzer-sys' panic hook aborts on it, so it is reported as a crash.
    let Ok(found) = async_lint::lint_source(text) else { return };
    for l in &found {
        assert!(
            l.line >= 1 && l.column >= 1 && l.end_line >= 1 && l.end_column >= 1,
            "diagnostic placed at line/column 0: {l:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    } else {
        check(&String::from_utf8_lossy(data));
    }
});
