//! pixi's S3 configuration: the per-bucket `s3-options` tables of its configuration files and
//! manifests, and the layering that decides which entry applies.
//!
//! What pixi itself does (prefix-dev/pixi, `crates/pixi_config/src/lib.rs`,
//! `crates/pixi_manifest/src/discovery.rs`, `crates/pixi_manifest/src/toml/s3_options.rs`) is
//! described on [`layers`]; minis3 follows it, except that a file that fails to parse is an
//! error here rather than a logged and skipped layer.

pub mod channels;
pub mod layers;
pub mod s3_options;

pub use channels::{channel_url, manifest_channels, DEFAULT_CHANNEL_ALIAS};
pub use layers::{
    default_system_config_path, manifest_s3_options, pixi_home, GlobalConfigSource, LayerKind, Manifest, ManifestKind,
    PixiConfig, PixiConfigLoader, S3OptionsEntry, Sourced,
};
pub use s3_options::{
    parse_config_file, parse_s3_options_table, ConfigFileContents, ParsedS3Options, PixiConfigError, S3Options,
    S3_OPTION_KEYS,
};
