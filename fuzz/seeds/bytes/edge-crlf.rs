async fn f() {
    // async-lint: allow(lock_across_await) -- ok
    let g = m.lock().unwrap();
    x().await;
}
