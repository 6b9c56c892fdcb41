// Fixture for `fire_and_forget_spawn`.
//
// A line that ends in the expectation marker for `fire_and_forget_spawn` must report exactly that rule;
// every other line must report nothing, for any rule. Cases live in inline modules so that
// each has its own imports: a `mod` does not see its parent's `use` lines unless it says
// `use super::*;`.


// ===========================================================================================
// POSITIVES: a detached task whose error (or whose whole work, for smol) is lost
// ===========================================================================================

// axum handlers: `tokio::spawn` of a same-file fn declared to return `Result`, of an async block
// whose tail awaits one, `let _ =`, and `drop(..)`.
mod order_handlers {
    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::Json;

    async fn sync_orders(db: Db) -> anyhow::Result<()> {
        let orders = db.pending_orders().await?;
        db.mark_synced(&orders).await?;
        Ok(())
    }

    async fn send_receipt(mailer: &Mailer, order: &Order) -> Result<(), MailError> {
        mailer.send(order.email(), render_receipt(order)).await
    }

    pub async fn create_order(State(app): State<App>, Json(req): Json<NewOrder>) -> Result<Json<Order>, AppError> {
        let order = app.db.insert_order(req).await?;
        tokio::spawn(sync_orders(app.db.clone())); //~ fire_and_forget_spawn
        Ok(Json(order))
    }

    pub async fn pay(State(app): State<App>, Json(req): Json<Payment>) -> Result<Json<Order>, AppError> {
        let order = app.db.mark_paid(req.order_id).await?;
        let (mailer, paid) = (app.mailer.clone(), order.clone());
        tokio::spawn(async move { send_receipt(&mailer, &paid).await }); //~ fire_and_forget_spawn
        Ok(Json(order))
    }

    pub async fn refund(State(app): State<App>, Path(id): Path<u64>) -> StatusCode {
        let _ = tokio::spawn(async move { app.payments.refund(id).await?; app.db.mark_refunded(id).await?; Ok::<_, AppError>(()) }); //~ fire_and_forget_spawn
        StatusCode::ACCEPTED
    }

    pub async fn resync(State(app): State<App>) -> StatusCode {
        drop(tokio::spawn(sync_orders(app.db.clone()))); //~ fire_and_forget_spawn
        StatusCode::ACCEPTED
    }
}

// `tokio::task::spawn` by full path and through `use tokio::task;`.
mod price_refresher {
    use tokio::task;

    async fn refresh_prices(api: PriceApi, cache: PriceCache) -> Result<(), ApiError> {
        let prices = api.fetch_all().await?;
        cache.replace(prices);
        Ok(())
    }

    pub async fn on_startup(api: &PriceApi, cache: &PriceCache) {
        cache.load_snapshot().await;
        tokio::task::spawn(refresh_prices(api.clone(), cache.clone())); //~ fire_and_forget_spawn
    }

    pub async fn on_tick(api: &PriceApi, cache: &PriceCache) {
        if cache.is_stale() {
            task::spawn(refresh_prices(api.clone(), cache.clone())); //~ fire_and_forget_spawn
        }
    }
}

