async fn é() { let s = "// async-lint: allow(x)"; tokio::spawn(async {}); /* 😀 */ } // async-lint: allow(fire_and_forget_spawn)
