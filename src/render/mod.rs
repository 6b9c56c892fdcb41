//! Output formats. Only the CLI renders.

pub mod cargo;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;
