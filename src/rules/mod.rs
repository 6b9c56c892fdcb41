//! The explicit list of every rule.

pub mod helpers;

mod block_on_in_async;
mod dropped_cancellation_token;
mod fire_and_forget_spawn;
mod sequential_awaits;

use crate::rule::Rule;

/// Every rule, in the order `--list-rules` prints them.
pub static ALL: &[&dyn Rule] = &[
    &block_on_in_async::BlockOnInAsync,
    &dropped_cancellation_token::DroppedCancellationToken,
    &fire_and_forget_spawn::FireAndForgetSpawn,
    &sequential_awaits::SequentialAwaits,
];

pub fn by_name(name: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().name == name)
}
