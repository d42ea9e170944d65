//! Header signing (`Authorization: AWS4-HMAC-SHA256 ...`) and presigning (query signing).

use std::fmt;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::canonical::{write_query, write_uri, CanonicalHeaders};
use super::error::SignError;
use super::key::SigningKey;
use super::request::{Payload, SessionTokenMode, SignableRequest, SigningParams};

/// The algorithm name of SigV4 (HMAC-SHA256).
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The longest a presigned URL may stay valid: seven days.
pub const MAX_PRESIGN_EXPIRY_SECS: u64 = 604_800;

/// The headers to add to a request signed in the `Authorization` header.
///
/// Add every pair of [`HeaderSignature::headers`] to the request as is. `Debug` hides the
/// session token.
#[derive(Clone)]
pub struct HeaderSignature {
    amz_date: Option<String>,
    content_sha256: Option<String>,
    security_token: Option<String>,
    authorization: String,
    canonical_query: String,
    signature: String,
}

impl HeaderSignature {
    /// The headers to add: `x-amz-date`, `x-amz-content-sha256` (S3), `x-amz-security-token`
    /// (temporary credentials) and `authorization`, each only when the request did not carry it.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("x-amz-date", self.amz_date.as_deref()),
            ("x-amz-content-sha256", self.content_sha256.as_deref()),
            ("x-amz-security-token", self.security_token.as_deref()),
            ("authorization", Some(self.authorization.as_str())),
        ]
        .into_iter()
        .filter_map(|(n, v)| Some((n, v?)))
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The signature, 64 hex digits.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The query string exactly as signed (encoded, sorted): send this one.
    pub fn canonical_query(&self) -> &str {
        &self.canonical_query
    }
}

impl fmt::Debug for HeaderSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderSignature")
            .field("amz_date", &self.amz_date)
            .field("content_sha256", &self.content_sha256)
            .field("security_token", &self.security_token.as_ref().map(|_| "<redacted>"))
            .field("authorization", &self.authorization)
            .finish()
    }
}

/// The query string of a presigned request: the request's own parameters and the
/// `X-Amz-*` ones, encoded and sorted, with `X-Amz-Signature` last.
#[derive(Clone)]
pub struct PresignedQuery {
    query: String,
    signature: String,
}

impl PresignedQuery {
    /// The whole query string (without the leading `?`).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The signature, 64 hex digits.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// `scheme://host` + `path` + `?` + query: the URL to hand out.
    ///
    /// `path` must be the same encoded path that was signed.
    pub fn url(&self, scheme: &str, host: &str, path: &str) -> String {
        format!("{scheme}://{host}{path}?{}", self.query)
    }
}

impl fmt::Debug for PresignedQuery {
    // The query may hold a session token: show only the signature.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedQuery").field("signature", &self.signature).finish_non_exhaustive()
    }
}

/// The intermediate texts of a signature, for tests and `--debug` output.
/// They contain no secret (a signed session token appears in them: do not log them with one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// The signature, hex.
    pub signature: String,
}

/// SHA-256 of `data` as 64 lower-case hex digits.
pub fn sha256_hex(data: &[u8]) -> String {
    super::encode::to_hex(&Sha256::digest(data))
}

/// `DATE/REGION/SERVICE/aws4_request`.
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    let mut s = String::with_capacity(date.len() + region.len() + service.len() + 16);
    s.push_str(date);
    s.push('/');
    s.push_str(region);
    s.push('/');
    s.push_str(service);
    s.push_str("/aws4_request");
    s
}

fn string_to_sign(out: &mut String, amz_date: &str, scope: &str, canonical_request: &[u8]) {
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    out.push_str(scope);
    out.push('\n');
    super::encode::push_hex(out, &Sha256::digest(canonical_request));
}

fn check_params(p: &SigningParams<'_>) -> Result<(), SignError> {
    if p.region.is_empty() {
        return Err(SignError::EmptyRegion);
    }
    if p.service.is_empty() {
        return Err(SignError::EmptyService);
    }
    if p.credentials.access_key_id().is_empty() {
        return Err(SignError::EmptyAccessKey);
    }
    Ok(())
}

/// Signs `req` for the `Authorization` header with a signing key derived from the credentials.
///
/// Use [`sign_headers_with_key`] with a key from a [`super::SigningKeyCache`] to skip the
/// derivation on every request.
///
/// ```
/// use minis3::sigv4::*;
/// let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// let params = SigningParams {
///     credentials: &creds,
///     region: "us-east-1",
///     service: "s3",
///     time: "20130524T000000Z".parse().unwrap(),
///     settings: SigningSettings::s3(),
/// };
/// let req = SignableRequest {
///     method: "GET",
///     path: "/test.txt",
///     query: &[],
///     headers: &[("host", "examplebucket.s3.amazonaws.com"), ("range", "bytes=0-9")],
///     payload: Payload::Empty,
/// };
/// let signed = sign_headers(&req, &params).unwrap();
/// assert_eq!(signed.signature(), "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
/// ```
pub fn sign_headers(req: &SignableRequest<'_>, params: &SigningParams<'_>) -> Result<HeaderSignature, SignError> {
    let key =
        SigningKey::derive(params.credentials.secret_access_key(), params.time.date(), params.region, params.service);
    sign_headers_with_key(req, params, &key)
}

/// [`sign_headers`] with an already derived signing key (which must match the credentials,
/// date, region and service of `params`).
pub fn sign_headers_with_key(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    key: &SigningKey,
) -> Result<HeaderSignature, SignError> {
    sign_headers_inner(req, params, key, None)
}

/// Like [`sign_headers`], also returning the canonical request and string to sign.
pub fn explain_headers(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
) -> Result<(HeaderSignature, Explained), SignError> {
    let key =
        SigningKey::derive(params.credentials.secret_access_key(), params.time.date(), params.region, params.service);
    let mut ex =
        Explained { canonical_request: String::new(), string_to_sign: String::new(), signature: String::new() };
    let sig = sign_headers_inner(req, params, &key, Some(&mut ex))?;
    ex.signature = sig.signature.clone();
    Ok((sig, ex))
}

fn sign_headers_inner(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    key: &SigningKey,
    explain: Option<&mut Explained>,
) -> Result<HeaderSignature, SignError> {
    check_params(params)?;
    let settings = &params.settings;
    let payload_hash = req.payload.hash();
    let amz_date = params.time.as_str();
    let token = match settings.session_token {
        SessionTokenMode::Signed => params.credentials.session_token(),
        SessionTokenMode::AddedAfterSigning => None,
    };

    let present = |lower: &str| req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(lower));
    let add_date = !present("x-amz-date");
    let add_sha = settings.content_sha256_header && !present("x-amz-content-sha256");
    // The token is sent whenever the credentials have one; it is signed only in `Signed` mode.
    let send_token = params.credentials.session_token().filter(|_| !present("x-amz-security-token"));

    let extra = [
        add_date.then_some(("x-amz-date", amz_date)),
        add_sha.then_some(("x-amz-content-sha256", payload_hash.as_ref())),
        token.filter(|_| send_token.is_some()).map(|t| ("x-amz-security-token", t)),
    ];
    let headers = CanonicalHeaders::new(
        req.headers.iter().copied().chain(extra.iter().flatten().copied()),
        req.headers.len() + 3,
    );
    if !headers.contains("host") && !headers.contains(":authority") {
        return Err(SignError::MissingHost);
    }

    let mut creq = String::with_capacity(256 + req.path.len() + 64 * req.headers.len());
    creq.push_str(req.method);
    creq.push('\n');
    write_uri(&mut creq, req.path, settings);
    creq.push('\n');
    let query_start = creq.len();
    write_query(&mut creq, req.query.iter().copied());
    let canonical_query = creq[query_start..].to_owned();
    creq.push('\n');
    headers.write_headers(&mut creq);
    creq.push('\n');
    let names_start = creq.len();
    headers.write_names(&mut creq);
    let names_end = creq.len();
    creq.push('\n');
    creq.push_str(&payload_hash);

    let scope = credential_scope(params.time.date(), params.region, params.service);
    let mut sts = String::with_capacity(128 + scope.len());
    string_to_sign(&mut sts, amz_date, &scope, creq.as_bytes());
    let signature = key.sign_hex(sts.as_bytes());

    let mut authorization = String::with_capacity(200 + scope.len());
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(params.credentials.access_key_id());
    authorization.push('/');
    authorization.push_str(&scope);
    authorization.push_str(", SignedHeaders=");
    authorization.push_str(&creq[names_start..names_end]);
    authorization.push_str(", Signature=");
    authorization.push_str(&signature);

    if let Some(ex) = explain {
        ex.canonical_request = creq;
        ex.string_to_sign = sts;
    }
    Ok(HeaderSignature {
        amz_date: add_date.then(|| amz_date.to_owned()),
        content_sha256: add_sha.then(|| payload_hash.into_owned()),
        security_token: send_token.map(str::to_owned),
        authorization,
        canonical_query,
        signature,
    })
}

/// Presigns `req`: the returned query string carries the signature, valid for `expires_secs`
/// (1 to 604800 seconds). The request's headers (at least `host`) are signed and must be sent
/// as given. For S3 pass [`Payload::Unsigned`].
///
/// ```
/// use minis3::sigv4::*;
/// let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// let params = SigningParams {
///     credentials: &creds,
///     region: "us-east-1",
///     service: "s3",
///     time: "20130524T000000Z".parse().unwrap(),
///     settings: SigningSettings::s3(),
/// };
/// let req = SignableRequest {
///     method: "GET",
///     path: "/test.txt",
///     query: &[],
///     headers: &[("host", "examplebucket.s3.amazonaws.com")],
///     payload: Payload::Unsigned,
/// };
/// let q = presign(&req, &params, 86400).unwrap();
/// assert!(q.query().ends_with("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
/// ```
pub fn presign(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_secs: u64,
) -> Result<PresignedQuery, SignError> {
    let key =
        SigningKey::derive(params.credentials.secret_access_key(), params.time.date(), params.region, params.service);
    presign_with_key(req, params, expires_secs, &key)
}

/// [`presign`] with an already derived signing key.
pub fn presign_with_key(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_secs: u64,
    key: &SigningKey,
) -> Result<PresignedQuery, SignError> {
    presign_inner(req, params, expires_secs, key, None)
}

/// Like [`presign`], also returning the canonical request and string to sign.
pub fn explain_presign(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_secs: u64,
) -> Result<(PresignedQuery, Explained), SignError> {
    let key =
        SigningKey::derive(params.credentials.secret_access_key(), params.time.date(), params.region, params.service);
    let mut ex =
        Explained { canonical_request: String::new(), string_to_sign: String::new(), signature: String::new() };
    let q = presign_inner(req, params, expires_secs, &key, Some(&mut ex))?;
    ex.signature = q.signature.clone();
    Ok((q, ex))
}

fn presign_inner(
    req: &SignableRequest<'_>,
    params: &SigningParams<'_>,
    expires_secs: u64,
    key: &SigningKey,
    explain: Option<&mut Explained>,
) -> Result<PresignedQuery, SignError> {
    check_params(params)?;
    if !(1..=MAX_PRESIGN_EXPIRY_SECS).contains(&expires_secs) {
        return Err(SignError::PresignExpiry(expires_secs));
    }
    let settings = &params.settings;
    let amz_date = params.time.as_str();
    let scope = credential_scope(params.time.date(), params.region, params.service);
    let headers = CanonicalHeaders::new(req.headers.iter().copied(), req.headers.len());
    if !headers.contains("host") && !headers.contains(":authority") {
        return Err(SignError::MissingHost);
    }
    let mut credential = String::with_capacity(params.credentials.access_key_id().len() + 1 + scope.len());
    credential.push_str(params.credentials.access_key_id());
    credential.push('/');
    credential.push_str(&scope);
    let mut signed_names = String::with_capacity(16 * req.headers.len());
    headers.write_names(&mut signed_names);
    let mut expires = String::with_capacity(8);
    let _ = write!(expires, "{expires_secs}");
    let token = params.credentials.session_token();
    let signed_token = match settings.session_token {
        SessionTokenMode::Signed => token,
        SessionTokenMode::AddedAfterSigning => None,
    };
    let auth_params = [
        Some(("X-Amz-Algorithm", ALGORITHM)),
        Some(("X-Amz-Credential", credential.as_str())),
        Some(("X-Amz-Date", amz_date)),
        Some(("X-Amz-Expires", expires.as_str())),
        Some(("X-Amz-SignedHeaders", signed_names.as_str())),
        signed_token.map(|t| ("X-Amz-Security-Token", t)),
    ];
    if req.query.iter().any(|(k, _)| auth_params.iter().flatten().any(|(a, _)| a == k)) {
        return Err(SignError::QueryAlreadySigned);
    }

    let payload_hash = req.payload.hash();
    let mut creq = String::with_capacity(512 + req.path.len());
    creq.push_str(req.method);
    creq.push('\n');
    write_uri(&mut creq, req.path, settings);
    creq.push('\n');
    let query_start = creq.len();
    write_query(&mut creq, req.query.iter().copied().chain(auth_params.iter().flatten().copied()));
    let query_end = creq.len();
    creq.push('\n');
    headers.write_headers(&mut creq);
    creq.push('\n');
    creq.push_str(&signed_names);
    creq.push('\n');
    creq.push_str(&payload_hash);

    let mut sts = String::with_capacity(128 + scope.len());
    string_to_sign(&mut sts, amz_date, &scope, creq.as_bytes());
    let signature = key.sign_hex(sts.as_bytes());

    let mut query = String::with_capacity(query_end - query_start + 100);
    query.push_str(&creq[query_start..query_end]);
    if let (Some(t), SessionTokenMode::AddedAfterSigning) = (token, settings.session_token) {
        query.push_str("&X-Amz-Security-Token=");
        super::encode::encode_component_into(&mut query, t);
    }
    query.push_str("&X-Amz-Signature=");
    query.push_str(&signature);
    if let Some(ex) = explain {
        ex.canonical_request = creq;
        ex.string_to_sign = sts;
    }
    Ok(PresignedQuery { query, signature })
}

/// Signs a browser-upload POST policy: the string to sign is the base64 policy itself.
///
/// ```
/// use minis3::sigv4::{sign_post_policy, Credentials};
/// let c = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// let sig = sign_post_policy(&c, "20151229", "us-east-1", "s3", "e30=");
/// assert_eq!(sig.len(), 64);
/// ```
pub fn sign_post_policy(
    credentials: &super::Credentials,
    date: &str,
    region: &str,
    service: &str,
    policy_base64: &str,
) -> String {
    SigningKey::derive(credentials.secret_access_key(), date, region, service).sign_hex(policy_base64.as_bytes())
}

/// Whether `payload` is one of the `aws-chunked` streaming modes.
pub fn is_streaming(payload: &Payload<'_>) -> bool {
    matches!(payload, Payload::StreamingSigned | Payload::StreamingSignedTrailer | Payload::StreamingUnsignedTrailer)
}
