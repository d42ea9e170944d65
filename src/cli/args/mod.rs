//! Command-line parsing with `lexopt`. Every flag is defined once, in [`FLAGS`](flags::FLAGS),
//! with its documentation next to it; `--help` is generated from that table, so the two cannot
//! drift.
//!
//! Global flags may appear anywhere on the line; a command's flags are accepted anywhere
//! too (before or after its operands) but only for the commands that define them.
//!
//! The flag table and the command list are in [`flags`] (other code looks a flag's name up
//! there, by its [`FlagId`](flags::FlagId)), the parsed forms in `command`, the reading of the
//! line in `parse` (one builder per command in `build`), and `--help` in `help`.

mod build;
mod command;
pub mod flags;
mod help;
mod parse;

pub use command::{Command, Global, Operand, Parsed, PresignMethod, TransferOptions};
#[cfg(feature = "channel")]
pub use command::{CondaOptions, S3ToolFlags};
pub use help::help;
#[cfg(feature = "channel")]
pub use parse::parse_s3 as parse_s3_location;
pub use parse::{parse, UsageError};

#[cfg(test)]
mod tests;
