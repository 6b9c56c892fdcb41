//! The explicit list of every rule.

pub mod helpers;

mod async_closure_in_sync_spawn;
mod block_in_place_on_current_thread;
mod block_on_in_async;
pub(crate) mod blocking_call_in_async;
mod dropped_cancellation_token;
mod fire_and_forget_spawn;
pub(crate) mod invalid_suppression;
mod lock_across_await;
mod sequential_awaits;
mod unawaited_future;
mod unforwarded_cancellation_token;
pub(crate) mod unused_suppression;

use crate::rule::Rule;

/// Every rule, in the order `--list-rules` prints them.
pub static ALL: &[&dyn Rule] = &[
    &block_on_in_async::BlockOnInAsync,
    &blocking_call_in_async::BlockingCallInAsync,
    &dropped_cancellation_token::DroppedCancellationToken,
    &fire_and_forget_spawn::FireAndForgetSpawn,
    &lock_across_await::LockAcrossAwait,
    &sequential_awaits::SequentialAwaits,
    &block_in_place_on_current_thread::BlockInPlaceOnCurrentThread,
    &async_closure_in_sync_spawn::AsyncClosureInSyncSpawn,
    &unforwarded_cancellation_token::UnforwardedCancellationToken,
    &unawaited_future::UnawaitedFuture,
    &unused_suppression::UnusedSuppression,
    &invalid_suppression::InvalidSuppression,
];

pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().name == name)
}
