#!/usr/bin/env run-cargo-script
async fn f() { std::thread::sleep(d); } // async-lint: allow(blocking_call_in_async)
