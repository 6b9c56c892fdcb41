//! Fixture for `unforwarded_cancellation_token`.
//!
//! A line that ends in the expectation marker (two slashes, a tilde, the rule name) is where
//! exactly one diagnostic must start: the line of the fresh token expression. Every other line
//! must produce no diagnostic of any rule.
//!
//! To keep the other rules quiet: every token parameter of an async fn is used, spawned async
//! blocks in fns that hold a token either mention it or are short (no loop, fewer than three
//! awaits), every spawned handle is kept, and no block has two consecutive `let`s initialised by
//! an awaited call.


use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

