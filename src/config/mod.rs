//! Configuration, parsed only (no network): AWS config and credentials files, the environment,
//! and (with feature `client`) pixi's `s3-options` and the rattler authentication file.

pub mod endpoint;
pub mod env;
pub mod load;
pub mod location;
pub mod profile;
pub mod resolve;
pub mod source;

#[cfg(feature = "client")]
pub mod auth_file;
#[cfg(feature = "client")]
pub mod pixi;
