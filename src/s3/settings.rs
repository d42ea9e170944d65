//! How per-bucket settings resolve, each value with where it came from, in one place so that
//! every user of the library (the `minis3` commands and `config show`, a conda channel)
//! agrees.
//!
//! Endpoint, region and addressing style, highest first:
//!
//! 1. flags ([`Flags`]: `--endpoint-url`, `--region`, `--force-path-style`);
//! 2. pixi `s3-options` for the bucket, when there are any: they give all three, as rattler
//!    uses them (DESIGN.md: "with `s3-options` for the bucket, endpoint, region and path style
//!    come from them");
//! 3. the environment and the AWS config (`config::resolve::resolve_s3`);
//! 4. defaults: the AWS endpoint of the region, `us-east-1`, `auto`.
//!
//! Credentials: none with `--no-sign-request`; with pixi `s3-options` for the bucket, the
//! rattler authentication storage (`RATTLER_AUTH_FILE`, pixi's `authentication-override-file`,
//! `~/.rattler/credentials.json`), and only when it has no entry for the bucket the AWS chain;
//! without `s3-options`, the AWS chain alone (the storage is not read).
//!
//! [`Settings::client_config`] turns the result into a [`ClientConfig`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::address::{AddressingStyle, DEFAULT_REGION};
use crate::config::auth_file::{redact, AuthFileError, AuthFiles, FoundCredentials};
use crate::config::endpoint::EndpointOverrides;
use crate::config::env::Environment;
use crate::config::load::{load, LoadError};
use crate::config::pixi::{PixiConfig, PixiConfigError, PixiConfigLoader, S3OptionsEntry};
use crate::config::profile::ProfileSet;
use crate::config::resolve::{self, Overrides, ResolveError, S3Settings};
use crate::http::HttpConfig;
use crate::sigv4::Credentials;

use super::aws_chain;
pub use super::aws_chain::AwsKeys;
use super::{Auth, ClientConfig, StaticCredentials};

/// The flags settings are resolved from (the `minis3` command line's global flags; the
/// sources they give, `--region` and so on, name those flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--force-path-style`.
    pub force_path_style: bool,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--no-sign-request`.
    pub no_sign_request: bool,
    /// `--manifest-path`: the pixi manifest to read instead of searching from the current
    /// directory.
    pub manifest_path: Option<PathBuf>,
}

/// A value and a description of where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value<T> {
    /// The value.
    pub value: T,
    /// Where it came from, for people (`--region`, `environment variable AWS_REGION`, ...).
    pub source: String,
}

impl<T> Value<T> {
    fn new(value: T, source: impl Into<String>) -> Self {
        Value { value, source: source.into() }
    }
}

/// Where the credentials come from.
#[derive(Clone, Debug)]
pub enum CredentialPlan {
    /// `--no-sign-request`.
    Anonymous,
    /// The rattler authentication storage (the bucket has pixi `s3-options`).
    AuthFile(Box<FoundCredentials>),
    /// The AWS chain found keys.
    Aws(AwsKeys),
    /// Nothing found; `why` says what was searched and what to do.
    Missing {
        /// One line.
        why: String,
    },
}

impl CredentialPlan {
    /// The keys to sign with, if any.
    pub fn credentials(&self) -> Option<Credentials> {
        match self {
            CredentialPlan::AuthFile(found) => Some(auth_file_credentials(found)),
            CredentialPlan::Aws(keys) => Some(keys.credentials.clone()),
            CredentialPlan::Anonymous | CredentialPlan::Missing { .. } => None,
        }
    }

    /// The access key id shown as `****` + its last 4 characters.
    pub fn redacted_access_key(&self) -> Option<String> {
        self.credentials().map(|c| redact(c.access_key_id()))
    }

    /// Where they came from, for people.
    pub fn source(&self) -> String {
        match self {
            CredentialPlan::Anonymous => "--no-sign-request (requests are not signed)".into(),
            CredentialPlan::AuthFile(found) => format!(
                "rattler auth file {} ({}), entry \"{}\"",
                found.file.path.display(),
                found.file.origin,
                found.key
            ),
            CredentialPlan::Aws(keys) => keys.source.clone(),
            CredentialPlan::Missing { why } => why.clone(),
        }
    }

    /// Whether a session token is present.
    pub fn has_session_token(&self) -> bool {
        self.credentials().is_some_and(|c| c.session_token().is_some())
    }
}

fn auth_file_credentials(found: &FoundCredentials) -> Credentials {
    let c = &found.credentials;
    Credentials::new(c.access_key_id.clone(), c.secret_access_key().to_string()).with_session_token(c.session_token())
}

/// Every resolved setting for one bucket (or none). Its `Debug` output leaves out the
/// secrets.
#[derive(Clone)]
pub struct Settings {
    /// The selected AWS profile and how it was chosen.
    pub profile: Value<String>,
    /// The endpoint URL (`None`: the AWS endpoint of the region).
    pub endpoint_url: Option<Value<String>>,
    /// The region.
    pub region: Value<String>,
    /// Path or virtual-host style.
    pub addressing_style: Value<AddressingStyle>,
    /// The CA bundle, if configured.
    pub ca_bundle: Option<Value<PathBuf>>,
    /// Maximum attempts, if configured.
    pub max_attempts: Option<Value<u32>>,
    /// Multipart threshold in bytes (`s3 = multipart_threshold`), if configured.
    pub multipart_threshold: Option<Value<u64>>,
    /// Part size in bytes (`s3 = multipart_chunksize`), if configured.
    pub part_size: Option<Value<u64>>,
    /// Parallel requests (`s3 = max_concurrent_requests`), if configured.
    pub concurrency: Option<Value<u32>>,
    /// The rate downloads aim at, bytes per second (`s3 = target_bandwidth`), if configured.
    pub target_bandwidth: Option<Value<u64>>,
    /// The bucket's pixi `s3-options` entry, if any.
    pub pixi: Option<S3OptionsEntry>,
    /// Credentials.
    pub credentials: CredentialPlan,
    /// Secrets to scrub from anything printed (secret key, session token).
    pub secrets: Vec<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("profile", &self.profile)
            .field("endpoint_url", &self.endpoint_url)
            .field("region", &self.region)
            .field("addressing_style", &self.addressing_style)
            .field("ca_bundle", &self.ca_bundle)
            .field("max_attempts", &self.max_attempts)
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("target_bandwidth", &self.target_bandwidth)
            .field("pixi", &self.pixi)
            .field("credentials", &self.credentials)
            .field("secrets", &format_args!("[{} redacted]", self.secrets.len()))
            .finish()
    }
}

/// Settings could not be resolved.
#[derive(Debug)]
pub enum SettingsError {
    /// The AWS config or credentials file is unreadable or malformed.
    Load(LoadError),
    /// A configured value is invalid.
    Resolve(ResolveError),
    /// A pixi configuration file or manifest is wrong.
    Pixi(PixiConfigError),
    /// The rattler authentication file is unreadable or has a non-S3 entry for the bucket.
    AuthFile(AuthFileError),
    /// No credentials were found ([`CredentialPlan::Missing`]): a client cannot be built.
    NoCredentials {
        /// One line: what was searched and what to do.
        why: String,
    },
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::Load(e) => e.fmt(f),
            SettingsError::Resolve(e) => e.fmt(f),
            SettingsError::Pixi(e) => e.fmt(f),
            SettingsError::AuthFile(e) => e.fmt(f),
            SettingsError::NoCredentials { why } => f.write_str(why),
        }
    }
}

impl std::error::Error for SettingsError {}

/// What settings are resolved from.
pub struct Inputs<'a> {
    /// The flags.
    pub flags: &'a Flags,
    /// The environment.
    pub env: &'a Environment,
    /// The current directory (where the pixi manifest is searched from).
    pub cwd: &'a Path,
    /// The bucket, and the key or prefix, the command works on.
    pub target: Option<(&'a str, &'a str)>,
}

/// Loads pixi's configuration (global files, workspace, manifest) as it applies here.
pub fn load_pixi(inputs: &Inputs<'_>) -> Result<PixiConfig, SettingsError> {
    let mut loader = PixiConfigLoader::new(inputs.env, inputs.cwd);
    if let Some(m) = &inputs.flags.manifest_path {
        loader = loader.manifest_path(m);
    }
    loader.load().map_err(SettingsError::Pixi)
}

/// Resolves every setting.
pub fn resolve(inputs: &Inputs<'_>) -> Result<Settings, SettingsError> {
    let g = inputs.flags;
    let set: ProfileSet = load(inputs.env, g.profile.as_deref()).map_err(SettingsError::Load)?;
    let overrides = Overrides {
        region: g.region.clone(),
        endpoint: EndpointOverrides { endpoint_url: g.endpoint_url.clone(), ..Default::default() },
        addressing_style: g.force_path_style.then_some(resolve::AddressingStyle::Path),
        ca_bundle: None,
    };
    let aws: S3Settings = resolve::resolve_s3(inputs.env, &set, &overrides).map_err(SettingsError::Resolve)?;

    let pixi_config = match inputs.target {
        Some(_) => Some(load_pixi(inputs)?),
        None => None,
    };
    let pixi = match (inputs.target, &pixi_config) {
        (Some((bucket, _)), Some(cfg)) => cfg.s3_options(bucket).cloned(),
        _ => None,
    };
    let pixi_source =
        |what: &str, e: &S3OptionsEntry| format!("pixi s3-options {}:{} ({what})", e.file.display(), e.line);
    let aws_source = |s: &resolve::Source| match s {
        resolve::Source::Explicit => "flag".to_string(),
        other => other.to_string(),
    };

    let endpoint_url = match (&g.endpoint_url, &pixi, &aws.endpoint_url) {
        (Some(u), _, _) => Some(Value::new(u.clone(), "--endpoint-url")),
        (None, Some(e), _) => Some(Value::new(
            e.options.endpoint_url.as_str().trim_end_matches('/').to_string(),
            pixi_source("endpoint-url", e),
        )),
        (None, None, Some(v)) => Some(Value::new(v.value.clone(), aws_source(&v.source))),
        (None, None, None) => None,
    };
    let region = match (&g.region, &pixi, &aws.region) {
        (Some(r), _, _) if !r.trim().is_empty() => Value::new(r.trim().to_string(), "--region"),
        (_, Some(e), _) => Value::new(e.options.region.clone(), pixi_source("region", e)),
        (_, None, Some(v)) => Value::new(v.value.clone(), aws_source(&v.source)),
        _ => Value::new(DEFAULT_REGION.to_string(), "default"),
    };
    let addressing_style = match (g.force_path_style, &pixi) {
        (true, _) => Value::new(AddressingStyle::Path, "--force-path-style"),
        (false, Some(e)) => Value::new(
            AddressingStyle::from_force_path_style(e.options.force_path_style),
            pixi_source(&format!("force-path-style = {}", e.options.force_path_style), e),
        ),
        (false, None) => Value::new(aws.addressing_style.value, aws_source(&aws.addressing_style.source)),
    };
    let profile = Value::new(aws.profile.0.clone(), aws.profile.1.to_string());
    let ca_bundle = aws.ca_bundle.as_ref().map(|v| Value::new(v.value.clone(), aws_source(&v.source)));
    let max_attempts = aws.max_attempts.as_ref().map(|v| Value::new(v.value, aws_source(&v.source)));
    let multipart_threshold = aws.multipart_threshold.as_ref().map(|v| Value::new(v.value, aws_source(&v.source)));
    let part_size = aws.multipart_chunksize.as_ref().map(|v| Value::new(v.value, aws_source(&v.source)));
    let concurrency = aws.max_concurrent_requests.as_ref().map(|v| Value::new(v.value, aws_source(&v.source)));
    let target_bandwidth = aws.target_bandwidth.as_ref().map(|v| Value::new(v.value, aws_source(&v.source)));

    let credentials = if g.no_sign_request {
        CredentialPlan::Anonymous
    } else {
        let from_storage = match (&pixi, inputs.target) {
            (Some(_), Some((bucket, key))) => {
                let override_file = pixi_config
                    .as_ref()
                    .and_then(|c| c.authentication_override_file.as_ref())
                    .map(|s| s.value.as_path());
                let files = AuthFiles::resolve(inputs.env, override_file);
                let url = if key.is_empty() { format!("s3://{bucket}") } else { format!("s3://{bucket}/{key}") };
                files.find_s3(&url).map_err(SettingsError::AuthFile)?
            }
            _ => None,
        };
        match from_storage {
            Some(found) => CredentialPlan::AuthFile(Box::new(found)),
            None => match aws_chain::find(inputs.env, &set) {
                Ok(Some(keys)) => CredentialPlan::Aws(keys),
                Ok(None) => CredentialPlan::Missing {
                    why: if pixi.is_some() {
                        "no credentials for this bucket in the rattler auth file (minis3 does not read the OS \
                         keyring) nor in the AWS chain: run `minis3 auth login s3://BUCKET ...`, set \
                         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --no-sign-request"
                            .into()
                    } else {
                        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, configure a \
                         profile (--profile), or use --no-sign-request for a public bucket"
                            .into()
                    },
                },
                Err(why) if pixi.is_some() => CredentialPlan::Missing {
                    why: format!(
                        "no keys for this bucket in the rattler auth file (minis3 does not read the OS keyring; \
                         run `minis3 auth login s3://BUCKET ...`), and {why}"
                    ),
                },
                Err(why) => {
                    CredentialPlan::Missing { why: format!("{why}; for a public bucket use --no-sign-request") }
                }
            },
        }
    };
    let mut secrets = Vec::new();
    if let Some(c) = credentials.credentials() {
        secrets.push(c.secret_access_key().to_string());
        if let Some(t) = c.session_token() {
            secrets.push(t.to_string());
        }
    }
    Ok(Settings {
        profile,
        endpoint_url,
        region,
        addressing_style,
        ca_bundle,
        max_attempts,
        multipart_threshold,
        part_size,
        concurrency,
        target_bandwidth,
        pixi,
        credentials,
        secrets,
    })
}

impl Settings {
    /// The client configuration these settings describe: region, endpoint, addressing style,
    /// the HTTP configuration of `env` (its CA bundle, else the configured one), maximum
    /// attempts, multipart threshold (a configured one also turns off the single-PUT loopback
    /// shortcut), part size, concurrency, target rate, and what to sign with. Progress, debug
    /// and notices are left at their defaults for the caller to set.
    ///
    /// Fails with [`SettingsError::NoCredentials`] when the credentials are
    /// [`CredentialPlan::Missing`].
    pub fn client_config(&self, env: &Environment) -> Result<ClientConfig, SettingsError> {
        let auth = match &self.credentials {
            CredentialPlan::Anonymous => Auth::Anonymous,
            CredentialPlan::Missing { why } => return Err(SettingsError::NoCredentials { why: why.clone() }),
            CredentialPlan::Aws(keys) => Auth::Signed(keys.provider.clone()),
            CredentialPlan::AuthFile(found) => {
                Auth::Signed(Arc::new(StaticCredentials::from_credentials(auth_file_credentials(found))))
            }
        };
        let mut cfg = ClientConfig::new(self.region.value.clone(), auth);
        cfg.endpoint_url = self.endpoint_url.as_ref().map(|v| v.value.clone());
        cfg.addressing_style = self.addressing_style.value;
        cfg.http = HttpConfig::from_env(env);
        if cfg.http.ca_bundle.is_none() {
            cfg.http.ca_bundle = self.ca_bundle.as_ref().map(|v| v.value.clone());
        }
        if let Some(n) = &self.max_attempts {
            cfg.max_attempts = n.value;
        }
        if let Some(v) = &self.multipart_threshold {
            cfg.multipart_threshold = v.value;
            cfg.loopback_single_put = false;
        }
        if let Some(v) = &self.part_size {
            cfg.part_size = v.value;
        }
        if let Some(v) = &self.concurrency {
            cfg.concurrency = v.value as usize;
        }
        if let Some(v) = &self.target_bandwidth {
            cfg.target_throughput = v.value;
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn env(dir: &Path, extra: &[(&str, &str)]) -> Environment {
        let mut pairs: Vec<(String, String)> = vec![
            ("HOME".into(), dir.join("home").display().to_string()),
            ("AWS_CONFIG_FILE".into(), dir.join("aws-config").display().to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), dir.join("aws-creds").display().to_string()),
            ("PIXI_NO_CONFIG".into(), "true".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ];
        pairs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Environment::from_pairs(pairs)
    }

    const MANIFEST: &str = r#"
[workspace]
name = "x"
channels = []
platforms = []

[workspace.s3-options.pixi-bucket]
endpoint-url = "http://127.0.0.1:9999"
region = "WEUR"
force-path-style = true
"#;

    #[test]
    fn flags_then_pixi_then_aws() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        write(&work, "pixi.toml", MANIFEST);
        write(dir.path(), "aws-config", "[default]\nregion = eu-central-1\n");
        let e = env(dir.path(), &[("AWS_ACCESS_KEY_ID", "AKIAENV0001"), ("AWS_SECRET_ACCESS_KEY", "envsecret")]);
        let g = Flags::default();
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("pixi-bucket", "k")) }).unwrap();
        assert_eq!(s.region.value, "WEUR");
        assert!(s.region.source.contains("pixi.toml"), "{}", s.region.source);
        assert_eq!(s.endpoint_url.as_ref().unwrap().value, "http://127.0.0.1:9999");
        assert_eq!(s.addressing_style.value, AddressingStyle::Path);
        // No auth-file entry: the AWS chain (environment).
        assert!(matches!(s.credentials, CredentialPlan::Aws(_)));
        assert_eq!(s.credentials.redacted_access_key().as_deref(), Some("****0001"));

        // Another bucket: the AWS config decides.
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("other", "")) }).unwrap();
        assert_eq!(s.region.value, "eu-central-1");
        assert!(s.endpoint_url.is_none());
        assert!(s.pixi.is_none());

        // Flags win over both.
        let g = Flags { region: Some("us-west-2".into()), endpoint_url: Some("http://h:1".into()), ..Flags::default() };
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("pixi-bucket", "")) }).unwrap();
        assert_eq!((s.region.value.as_str(), s.region.source.as_str()), ("us-west-2", "--region"));
        assert_eq!(s.endpoint_url.unwrap().value, "http://h:1");
    }

    /// A workspace (`DIR/work`) whose manifest has s3-options for the bucket `bkt`, and an auth
    /// file (returned) with keys `AKIAFILE9999` / `filesecret` and `session_token` (JSON) for it.
    fn pixi_bucket_with_keys(dir: &Path, session_token: &str) -> (PathBuf, PathBuf) {
        let work = dir.join("work");
        write(&work, "pixi.toml", MANIFEST.replace("pixi-bucket", "bkt").as_str());
        let keys = format!(
            r#"{{"bkt":{{"S3Credentials":{{"access_key_id":"AKIAFILE9999","secret_access_key":"filesecret","session_token":{session_token}}}}}}}"#
        );
        (work, write(dir, "auth.json", &keys))
    }

    #[test]
    fn auth_file_wins_for_pixi_buckets_only() {
        let dir = tempfile::tempdir().unwrap();
        let (work, auth) = pixi_bucket_with_keys(dir.path(), "null");
        let e = env(
            dir.path(),
            &[
                ("RATTLER_AUTH_FILE", auth.to_str().unwrap()),
                ("AWS_ACCESS_KEY_ID", "AKIAENV0001"),
                ("AWS_SECRET_ACCESS_KEY", "envsecret"),
            ],
        );
        let g = Flags::default();
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
        assert!(matches!(s.credentials, CredentialPlan::AuthFile(_)), "{:?}", s.credentials.source());
        assert_eq!(s.credentials.redacted_access_key().as_deref(), Some("****9999"));
        assert_eq!(s.secrets, ["filesecret"]);
        let debug = format!("{s:?}");
        assert!(!debug.contains("filesecret") && debug.contains("[1 redacted]"), "{debug}");
        // Without s3-options for the bucket, the storage is not read.
        std::fs::remove_file(work.join("pixi.toml")).unwrap();
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
        assert!(matches!(s.credentials, CredentialPlan::Aws(_)));
        // --no-sign-request: nothing.
        let g = Flags { no_sign_request: true, ..Flags::default() };
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
        assert!(matches!(s.credentials, CredentialPlan::Anonymous));
        assert!(s.secrets.is_empty());
    }

    #[test]
    fn missing_credentials_say_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let e = env(dir.path(), &[]);
        let g = Flags::default();
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: dir.path(), target: None }).unwrap();
        assert!(s.credentials.source().contains("--no-sign-request"), "{}", s.credentials.source());
        assert_eq!(s.region.value, DEFAULT_REGION);
        assert_eq!(s.region.source, "default");
    }

    #[test]
    fn client_config_maps_every_setting() {
        let dir = tempfile::tempdir().unwrap();
        let (work, auth) = pixi_bucket_with_keys(dir.path(), "\"tok\"");
        write(
            dir.path(),
            "aws-config",
            "[default]\nmax_attempts = 7\nca_bundle = /ca.pem\ns3 =\n  multipart_threshold = 5MB\n  \
             multipart_chunksize = 6MiB\n  max_concurrent_requests = 3\n  target_bandwidth = 100\n",
        );
        let e = env(dir.path(), &[("RATTLER_AUTH_FILE", auth.to_str().unwrap())]);
        let g = Flags::default();
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
        assert!(!format!("{s:?}").contains("filesecret") && !format!("{s:?}").contains("\"tok\""));
        let cfg = s.client_config(&e).unwrap();
        assert!(!format!("{cfg:?}").contains("filesecret"));
        assert_eq!(cfg.region, "WEUR");
        assert_eq!(cfg.endpoint_url.as_deref(), Some("http://127.0.0.1:9999"));
        assert_eq!(cfg.addressing_style, AddressingStyle::Path);
        assert_eq!(cfg.http.ca_bundle.as_deref(), Some(Path::new("/ca.pem")));
        assert_eq!(cfg.max_attempts, 7);
        assert_eq!((cfg.multipart_threshold, cfg.loopback_single_put), (5 * 1024 * 1024, false));
        assert_eq!(cfg.part_size, 6 * 1024 * 1024);
        assert_eq!(cfg.concurrency, 3);
        assert_eq!(cfg.target_throughput, 100);
        let Auth::Signed(p) = &cfg.auth else { panic!("not signed") };
        let c = p.credentials().unwrap().creds;
        assert_eq!((c.access_key_id(), c.session_token()), ("AKIAFILE9999", Some("tok")));

        // The environment's CA bundle wins; without a configured threshold the loopback
        // shortcut stays on.
        std::fs::remove_file(dir.path().join("aws-config")).unwrap();
        let e = env(dir.path(), &[("RATTLER_AUTH_FILE", auth.to_str().unwrap()), ("AWS_CA_BUNDLE", "/env.pem")]);
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
        let cfg = s.client_config(&e).unwrap();
        assert_eq!(cfg.http.ca_bundle.as_deref(), Some(Path::new("/env.pem")));
        assert!(cfg.loopback_single_put);

        // Unsigned.
        let g = Flags { no_sign_request: true, ..Flags::default() };
        let s = resolve(&Inputs { flags: &g, env: &e, cwd: &work, target: Some(("bkt", "")) }).unwrap();
        assert!(matches!(s.client_config(&e).unwrap().auth, Auth::Anonymous));
    }

    #[test]
    fn client_config_without_credentials_is_the_one_line_why() {
        let dir = tempfile::tempdir().unwrap();
        let e = env(dir.path(), &[]);
        let s = resolve(&Inputs { flags: &Flags::default(), env: &e, cwd: dir.path(), target: None }).unwrap();
        let CredentialPlan::Missing { why } = &s.credentials else { panic!("{:?}", s.credentials.source()) };
        let err = s.client_config(&e).unwrap_err();
        assert!(matches!(err, SettingsError::NoCredentials { .. }));
        assert_eq!(err.to_string(), *why);
    }
}
