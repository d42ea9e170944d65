//! What settings are resolved from: the caller's [`Overrides`] and the machine ([`Inputs`]).

use std::path::{Path, PathBuf};

use crate::config::env::Environment;

/// Settings the caller gives explicitly; each wins over pixi's `s3-options`, the environment and
/// the AWS configuration. A value shown as coming from the caller has the source
/// [`Source::Caller`](crate::config::source::Source::Caller) with the
/// [`Setting`](crate::config::source::Setting) named here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The region ([`Setting::Region`](crate::config::source::Setting::Region)); blank is unset.
    pub region: Option<String>,
    /// The endpoint URL ([`Setting::EndpointUrl`](crate::config::source::Setting::EndpointUrl)).
    pub endpoint_url: Option<String>,
    /// Force path-style addressing
    /// ([`Setting::AddressingStyle`](crate::config::source::Setting::AddressingStyle)).
    pub force_path_style: bool,
    /// The AWS profile ([`Setting::Profile`](crate::config::source::Setting::Profile)).
    pub profile: Option<String>,
    /// Send requests unsigned, without looking for credentials
    /// ([`Setting::Unsigned`](crate::config::source::Setting::Unsigned)).
    pub unsigned: bool,
    /// The pixi manifest (or the directory holding one) to read instead of searching from the
    /// current directory.
    pub manifest_path: Option<PathBuf>,
}

/// What settings are resolved from.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The caller's settings.
    pub overrides: &'a Overrides,
    /// The environment (injected: [`Environment::from_process`] in a program,
    /// [`Environment::from_pairs`] in a test).
    pub env: &'a Environment,
    /// The current directory (where the pixi manifest is searched from).
    pub cwd: &'a Path,
    /// The bucket, and the key or prefix, the work is on; `None` for no bucket (listing the
    /// buckets), in which case pixi's configuration is not read.
    pub target: Option<(&'a str, &'a str)>,
}
