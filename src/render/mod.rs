//! Output formats. Only the CLI renders.

pub mod human;
pub mod json;
