//! The library's sources and errors in the command line's words: a caller setting shown as
//! the flag that sets it (through the flag table, [`args::FLAGS`]), and the advice only the
//! command line can give (`minis3 auth login`, `--no-sign-request`, `--region`, `--profile`).

use minis3::address::AddressError;
use minis3::config::auth_file::AuthFileError;
use minis3::config::source::{Setting, Source};
use minis3::s3::{S3Error, REGION_HINT};
use minis3::settings::{CredentialPlan, NoCredentials, SettingsError};
use minis3::sigv4::SignError;

use super::args::flags::{FlagId, FLAGS};

/// The flag that sets `setting` on this command line, as typed (`--region`).
pub fn flag(setting: Setting) -> Option<String> {
    let id = match setting {
        Setting::Region => FlagId::Region,
        Setting::EndpointUrl => FlagId::EndpointUrl,
        Setting::AddressingStyle => FlagId::ForcePathStyle,
        Setting::Profile => FlagId::Profile,
        Setting::Unsigned => FlagId::NoSignRequest,
        _ => return None,
    };
    FLAGS.iter().find(|f| f.id == id).map(|f| format!("--{}", f.long))
}

/// Where a setting came from: a caller setting is the flag that set it.
pub fn source(s: &Source) -> String {
    match s {
        Source::Caller(setting) => flag(*setting).unwrap_or_else(|| "flag".into()),
        Source::AutoOnCustomEndpoint { auto } => {
            format!("auto ({}) with a custom endpoint URL: path style, as in the AWS CLI", source(auto))
        }
        other => other.to_string(),
    }
}

/// How the profile was selected.
pub fn profile_source(s: &Source) -> String {
    match s {
        Source::Default => "the default".into(),
        Source::Caller(_) => "given explicitly".into(),
        Source::Env(var) => format!("from environment variable {var}"),
        other => source(other),
    }
}

/// Where the credentials come from.
pub fn credentials_source(plan: &CredentialPlan) -> String {
    match plan {
        CredentialPlan::Anonymous => "--no-sign-request (requests are not signed)".into(),
        CredentialPlan::Missing(why) => no_credentials(why),
        other => other.source(),
    }
}

/// Why there are no credentials, and what to do on this command line.
pub fn no_credentials(why: &NoCredentials) -> String {
    match (why.pixi_s3_options, &why.chain) {
        (true, None) => "no credentials for this bucket in the rattler auth file (minis3 does not read the OS \
                         keyring) nor in the AWS chain: run `minis3 auth login s3://BUCKET ...`, set \
                         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --no-sign-request"
            .into(),
        (false, None) => "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, configure a \
                          profile (--profile), or use --no-sign-request for a public bucket"
            .into(),
        (true, Some(e)) => format!(
            "no keys for this bucket in the rattler auth file (minis3 does not read the OS keyring; run `minis3 \
             auth login s3://BUCKET ...`), and {e}"
        ),
        (false, Some(e)) => format!("{e}; for a public bucket use --no-sign-request"),
    }
}

/// A settings error, with this command line's advice.
pub fn settings_error(e: &SettingsError) -> String {
    match e {
        SettingsError::NoCredentials(why) => no_credentials(why),
        SettingsError::AuthFile(e) => auth_file_error(e),
        SettingsError::Location(e) => address_error(e),
        SettingsError::Client(e) => s3_error(e),
        other => other.to_string(),
    }
}

/// An authentication-file error, naming `minis3 auth login` too.
pub fn auth_file_error(e: &AuthFileError) -> String {
    match e {
        AuthFileError::MalformedEntry { path, key, field } => format!(
            "authentication file {}: entry {key:?} is an S3Credentials entry whose `{field}` is missing or not a \
             string; log in again with `minis3 auth login` or `pixi auth login`",
            path.display()
        ),
        AuthFileError::NotFound { .. } => format!("{e}, or `minis3 auth login`"),
        other => other.to_string(),
    }
}

/// An addressing error, naming `--region` where a region is missing.
pub fn address_error(e: &AddressError) -> String {
    match e {
        AddressError::MissingRegion => {
            "no region for the AWS endpoint: set --region, AWS_REGION or `region` in the profile".into()
        }
        other => other.to_string(),
    }
}

/// An S3 error, naming `--region` where the region is wrong or missing.
pub fn s3_error(e: &S3Error) -> String {
    match e {
        S3Error::Service(s) if s.hint() == REGION_HINT => s.to_string().replacen(
            REGION_HINT,
            "the bucket is in another region: set the region (AWS_REGION / --region)",
            1,
        ),
        S3Error::Signing(SignError::EmptyRegion) => "cannot sign the request: the signing region is empty: set a \
                                                     region (--region, AWS_REGION or the profile's region)"
            .into(),
        S3Error::Address(a) => address_error(a),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_settings_read_as_their_flags() {
        assert_eq!(source(&Source::Caller(Setting::Region)), "--region");
        assert_eq!(source(&Source::Caller(Setting::AddressingStyle)), "--force-path-style");
        assert_eq!(source(&Source::Caller(Setting::CaBundle)), "flag");
        let auto = Source::AutoOnCustomEndpoint { auto: Box::new(Source::Default) };
        assert_eq!(source(&auto), "auto (default) with a custom endpoint URL: path style, as in the AWS CLI");
        assert_eq!(profile_source(&Source::Env("AWS_PROFILE".into())), "from environment variable AWS_PROFILE");
    }

    #[test]
    fn region_advice_names_the_flag() {
        let e = S3Error::Address(AddressError::MissingRegion);
        assert!(s3_error(&e).contains("--region") && !e.to_string().contains("--region"));
        let e = S3Error::Signing(SignError::EmptyRegion);
        assert_eq!(s3_error(&e).replace("--region, ", ""), e.to_string());
        let service = minis3::s3::ServiceError { status: 301, code: "PermanentRedirect".into(), ..Default::default() };
        let e = S3Error::Service(Box::new(service));
        assert!(s3_error(&e).contains("(AWS_REGION / --region)") && e.to_string().contains(REGION_HINT));
    }
}
