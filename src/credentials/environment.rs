//! Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
//! (plus `AWS_ACCOUNT_ID`). Blank values count as unset.

use crate::config::env::Environment;
use crate::sigv4::Credentials;

use super::provider::{AwsCredentials, CredentialSource, CredentialsProvider, ProviderError};

/// The environment-variable source.
#[derive(Clone, Debug)]
pub struct EnvironmentProvider {
    env: Environment,
}

impl EnvironmentProvider {
    /// Reads from `env`.
    pub fn new(env: Environment) -> Self {
        Self { env }
    }
}

impl CredentialsProvider for EnvironmentProvider {
    fn credentials(&self) -> Result<AwsCredentials, ProviderError> {
        const NAME: &str = "environment";
        let id = self.env.non_empty("AWS_ACCESS_KEY_ID");
        let secret = self.env.non_empty("AWS_SECRET_ACCESS_KEY");
        match (id, secret) {
            (None, None) => Err(ProviderError::not_configured(NAME, "AWS_ACCESS_KEY_ID is not set")),
            (Some(_), None) => Err(ProviderError::InvalidSetting {
                setting: "environment".into(),
                problem: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither".into(),
            }),
            (None, Some(_)) => Err(ProviderError::InvalidSetting {
                setting: "environment".into(),
                problem: "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither".into(),
            }),
            (Some(id), Some(secret)) => {
                let creds = Credentials::new(id, secret).with_session_token(self.env.non_empty("AWS_SESSION_TOKEN"));
                let mut c = AwsCredentials::new(creds, CredentialSource::Environment);
                c.account_id = self.env.non_empty("AWS_ACCOUNT_ID").map(str::to_string);
                Ok(c)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn keys_token_and_blank_values() {
        let p = EnvironmentProvider::new(Environment::from_pairs([
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "SECRETVALUE"),
            ("AWS_SESSION_TOKEN", "TOKENVALUE"),
        ]));
        let c = p.credentials().unwrap();
        assert_eq!(c.creds.session_token(), Some("TOKENVALUE"));
        assert_eq!(c.source.to_string(), "env AWS_ACCESS_KEY_ID");
        let p = EnvironmentProvider::new(Environment::from_pairs([("AWS_ACCESS_KEY_ID", " ")]));
        assert!(p.credentials().clean_err().is_not_configured());
        let p = EnvironmentProvider::new(Environment::from_pairs([("AWS_SECRET_ACCESS_KEY", "SECRETVALUE")]));
        let e = p.credentials().clean_err().to_string();
        assert!(e.contains("AWS_ACCESS_KEY_ID is not") && !e.contains("SECRETVALUE"), "{e}");
    }
}
