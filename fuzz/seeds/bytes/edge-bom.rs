async fn f() { futures::executor::block_on(g()); }
