//! Credential providers and the AWS default chain, resolved the way the AWS CLI and SDKs do.
//!
//! Every source implements [`CredentialsProvider`], which returns [`AwsCredentials`]: the
//! signer's [`crate::sigv4::Credentials`] plus expiry, account id and a [`CredentialSource`]
//! saying where they came from. [`chain::DefaultChain`] tries, in order:
//!
//! 1. the environment (`AWS_ACCESS_KEY_ID`, ...): [`environment`];
//! 2. the selected profile, resolved into a plan by [`profile::resolve_plan`] (static keys,
//!    `role_arn` with `source_profile`/`credential_source` through STS [`sts`], web identity,
//!    SSO [`sso`], `credential_process` [`process`]) and run by [`profile_provider`];
//! 3. `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`: [`web_identity`];
//! 4. the container endpoint (ECS, EKS pod identity): [`container`];
//! 5. EC2 instance metadata: [`imds`].
//!
//! Temporary credentials are cached and refreshed five minutes before they expire
//! ([`cache::CachedProvider`]). Nothing here reads `std::env`, the real home directory or the
//! wall clock directly: a [`ProviderContext`] carries the environment, the HTTP agent, the
//! clock and endpoint overrides (every endpoint is overridable, so tests use 127.0.0.1).
//!
//! Google Cloud Storage's OAuth tokens (application default credentials) are in [`gcs`].
//!
//! ```no_run
//! use std::sync::Arc;
//! use minis3::config::env::Environment;
//! use minis3::credentials::{cache::CachedProvider, chain::DefaultChain, CredentialsProvider, ProviderContext};
//! let ctx = ProviderContext::new(Environment::from_process(), &Default::default()).unwrap();
//! let chain = CachedProvider::new(Box::new(DefaultChain::load(&ctx, None).unwrap()), ctx.clock.clone());
//! let creds = chain.credentials().unwrap();
//! println!("credentials from {}", creds.source);
//! ```

pub mod cache;
pub mod chain;
pub mod container;
mod context;
pub mod environment;
pub mod gcs;
pub mod imds;
pub mod process;
pub mod profile;
pub mod profile_provider;
pub mod provider;
pub mod sso;
pub mod sts;
mod sts_xml;
pub mod web_identity;

pub use context::{ProviderContext, ServiceEndpoints};
pub use provider::{parse_rfc3339, AwsCredentials, CredentialSource, CredentialsProvider, ProviderError};
