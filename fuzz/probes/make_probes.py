#!/usr/bin/env python3
"""Writes, into the current directory, hand-made inputs that crash or hang async-lint.

They are chains that nest the syntax tree without any bracket, operator or keyword that
src/nesting.rs counts, so the MAX_NESTING guard lets them through to syn, which recurses
once per link:
  - `yield yield ... x;` and `become become ... x;`      (expressions)
  - `let a @ a @ ... a = 1;` and `let box box ... x = 1;`  (patterns)
Long enough, they overflow the 256 MiB worker stack (the process aborts). For `box` and
`become` syn keeps the text as Verbatim, built once per level (`verbatim::between`), which
is quadratic: a hang long before the overflow.

The *-asan files are sized for the ASan fuzz build (replay with the `bytes` target); the
others for a release build of the CLI (`async-lint FILE`).
"""


def write(name, text):
    with open(name, "w") as f:
        f.write(text)
    print(f"{name}: {len(text)} bytes")


def yield_chain(n):
    return "fn f() { " + "yield " * n + "x; }\n"


def become_chain(n):
    return "fn f() { " + "become " * n + "x; }\n"


def at_chain(n):
    return "fn f() { let " + "a @ " * n + "a = 1; }\n"


def box_chain(n):
    return "fn f() { let " + "box " * n + "x = 1; }\n"


# ASan fuzz build (lint_source): overflows at yield x40000 (x35000 passes), `a @` x50000
# (x40000 passes); box x8000 takes ~25 s, past libFuzzer's -timeout=20.
write("overflow-yield-asan.rs", yield_chain(40_000))
write("overflow-at-asan.rs", at_chain(50_000))
write("timeout-box-asan.rs", box_chain(8_000))
# Release CLI: overflows at yield x120000 (x60000 passes), become x250000, `a @` x500000
# (x250000 passes), box x500000; box x20000 takes ~25 s, become x20000 ~47 s.
write("overflow-yield.rs", yield_chain(120_000))
write("overflow-become.rs", become_chain(250_000))
write("overflow-at.rs", at_chain(500_000))
write("overflow-box.rs", box_chain(500_000))
write("hang-box.rs", box_chain(20_000))
write("hang-become.rs", become_chain(20_000))
