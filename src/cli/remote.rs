//! `gcs://` and `http(s)://` operands of the object commands (`ls`, `cp`, `sync`, `head`,
//! `presign`): which way each is reached, the clients for them, and the commands on one
//! location (`ls`, `head`, `presign`). Transfers are in `transfer::remote`.
//!
//! - `gcs://BUCKET/KEY` of a bucket with pixi `s3-options` (GCS HMAC keys) is the same bucket
//!   through Cloud Storage's S3 API: every command works on it as on `s3://BUCKET/KEY`, the
//!   settings layer giving the `s3-options` endpoint ([`minis3::settings::gcs_uses_s3_api`]).
//! - Otherwise it is `https://storage.googleapis.com/BUCKET/KEY` with a bearer token from
//!   Google's application default credentials (the read-only scope to read, read-write to
//!   write), through [`minis3::gcs::GcsClient`]. `STORAGE_EMULATOR_HOST` (`host:port` or a URL),
//!   the variable Google's own client libraries read, points it at an emulator instead.
//! - `http(s)://` URLs are fetched unsigned, with redirects and retries (any static file
//!   server, a public bucket, a presigned URL).

use std::sync::Arc;

#[cfg(feature = "channel")]
use minis3::channel::http_transport::HttpTransport;
use minis3::credentials::gcs::{GcsAuth, GcsOptions, SCOPE_READ_ONLY, SCOPE_READ_WRITE};
use minis3::credentials::ProviderContext;
use minis3::gcs::{GcsClient, GetOptions, GetOutcome, DEFAULT_ENDPOINT};
use minis3::http::{Http, HttpConfig, Response};
use minis3::s3::{ListEntry, ListedObject};
use minis3::settings::{self, Inputs};

use super::args::Operand;
use super::commands::{print_head, HeadInfo, ListPrinter};
use super::paths::dir_prefix;
use super::{CliError, Ctx};

/// The variable Google's client libraries read for a Cloud Storage emulator's address.
pub const EMULATOR_VAR: &str = "STORAGE_EMULATOR_HOST";

/// The operand as it is to be reached: a `gcs://` bucket with pixi `s3-options` becomes the
/// `s3://` location of the same bucket (whose settings then come from those `s3-options`);
/// everything else stays as it is.
pub fn route(ctx: &Ctx, operand: Operand) -> Result<Operand, CliError> {
    match operand {
        Operand::Gcs { bucket, key } => {
            let inputs =
                Inputs { overrides: &ctx.global.flags, env: &ctx.env, cwd: &ctx.cwd, target: Some((&bucket, &key)) };
            if settings::gcs_uses_s3_api(&inputs)? {
                if ctx.global.debug {
                    ctx.out.debug(&format!("gcs://{bucket}: pixi s3-options for the bucket: through the S3 API"));
                }
                Ok(Operand::S3 { bucket, key })
            } else {
                Ok(Operand::Gcs { bucket, key })
            }
        }
        other => Ok(other),
    }
}

/// The Cloud Storage endpoint: `STORAGE_EMULATOR_HOST` when set, else Google's.
pub fn gcs_endpoint(ctx: &Ctx) -> String {
    match ctx.env.var(EMULATOR_VAR).map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) if v.contains("://") => v.trim_end_matches('/').to_owned(),
        Some(v) => format!("http://{}", v.trim_end_matches('/')),
        None => DEFAULT_ENDPOINT.to_owned(),
    }
}

/// The one HTTP agent for `gcs://` and URLs (proxies and CA bundle from the environment).
pub fn http(ctx: &Ctx) -> Result<Http, CliError> {
    Http::new(&HttpConfig::from_env(&ctx.env)).map_err(|e| CliError::Failed(format!("{e}: check the proxy settings")))
}

/// Google's application default credentials (`write`: the read-write scope).
pub fn gcs_auth(ctx: &Ctx, write: bool) -> Result<GcsAuth, CliError> {
    let pc = ProviderContext::new(ctx.env.clone(), &HttpConfig::from_env(&ctx.env))
        .map_err(|e| CliError::Failed(format!("{e}: check the proxy settings")))?;
    let opts = GcsOptions::default().with_scopes([if write { SCOPE_READ_WRITE } else { SCOPE_READ_ONLY }]);
    GcsAuth::from_adc(&pc, &opts).map_err(|e| {
        CliError::Failed(format!(
            "{e}; gcs:// needs Google application default credentials (GOOGLE_APPLICATION_CREDENTIALS or \
             `gcloud auth application-default login`), or pixi s3-options with HMAC keys for the bucket"
        ))
    })
}

/// A Cloud Storage client with a bearer token (`write`: for uploads and deletes).
pub fn gcs_client(ctx: &Ctx, write: bool) -> Result<GcsClient, CliError> {
    Ok(GcsClient::new(http(ctx)?, Some(gcs_auth(ctx, write)?)).with_endpoint(gcs_endpoint(ctx)))
}

/// A fetcher of plain URLs (no base, no authorization).
#[cfg(feature = "channel")]
pub fn url_fetcher(ctx: &Ctx) -> Result<HttpTransport, CliError> {
    Ok(HttpTransport::new(http(ctx)?, ""))
}

/// Without the channel layer there is no plain-URL fetcher (it is the channel's transport).
#[cfg(not(feature = "channel"))]
pub fn fetch_url(_ctx: &Ctx, _method: &str, url: &str) -> Result<Response, CliError> {
    Err(CliError::Failed(format!(
        "cannot fetch {url}: this minis3 was built without the `channel` feature, which reads http(s) URLs; use s3:// or gcs://"
    )))
}

/// `GET`/`HEAD` of a URL: the answer when it is a success, else one line naming the status.
#[cfg(feature = "channel")]
pub fn fetch_url(ctx: &Ctx, method: &str, url: &str) -> Result<Response, CliError> {
    let (resp, last) = url_fetcher(ctx)?.request_url(method, url).map_err(|e| CliError::Failed(e.to_string()))?;
    match resp.status() {
        200..=299 => Ok(resp),
        404 | 410 => Err(CliError::Failed(format!("{last}: no such file ({}): check the URL", resp.status()))),
        s @ (401 | 403) => Err(CliError::Failed(format!(
            "{last}: HTTP {s}: the server wants credentials; minis3 sends none to http(s) URLs (use s3:// or gcs://)"
        ))),
        s => Err(CliError::Failed(format!("{last}: HTTP {s}: check the URL, or try again later"))),
    }
}

/// `ls gcs://BUCKET/PREFIX` (Cloud Storage's XML API listing); a URL cannot be listed.
pub fn ls(ctx: &Ctx, target: Operand, recursive: bool, json: bool) -> Result<(), CliError> {
    let (bucket, prefix) = match target {
        Operand::Gcs { bucket, key } => (bucket, key),
        other => {
            return Err(CliError::Failed(format!(
                "cannot list {other}: an http(s) server has no listing; list s3://BUCKET/PREFIX or gcs://BUCKET/PREFIX"
            )))
        }
    };
    let client = gcs_client(ctx, false)?;
    let delimiter = (!recursive).then_some("/");
    let mut printer = ListPrinter::new(ctx, &prefix, recursive, json);
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_page(&bucket, &prefix, delimiter, token.as_deref())
            .map_err(|e| CliError::Failed(format!("ls gcs://{bucket}/{prefix}: {e}")))?;
        let mut entries: Vec<ListEntry> = page.prefixes.into_iter().map(ListEntry::Prefix).collect();
        entries.extend(page.objects.into_iter().map(|o| {
            ListEntry::Object(ListedObject {
                key: o.key,
                last_modified: o.last_modified,
                etag: o.etag,
                size: o.size,
                storage_class: None,
            })
        }));
        printer.page(&mut entries)?;
        match page.next {
            Some(t) if token.as_ref() != Some(&t) => token = Some(t),
            _ => break,
        }
    }
    printer.finish()
}

/// `head` of a `gcs://` object or a URL.
pub fn head(ctx: &Ctx, target: Operand, json: bool) -> Result<(), CliError> {
    let (location, resp) = match target {
        Operand::Gcs { bucket, key } => {
            let location = format!("gcs://{bucket}/{key}");
            match gcs_client(ctx, false)?.head(&bucket, &key, &GetOptions::default()) {
                Ok(GetOutcome::Body { body, .. }) => (location, body),
                Ok(GetOutcome::NotModified { .. }) => unreachable_304(&location)?,
                Err(e) => return Err(CliError::Failed(format!("head {location}: {e}"))),
            }
        }
        Operand::Url(url) => {
            let resp = fetch_url(ctx, "HEAD", &url)?;
            (url, resp)
        }
        other => return Err(CliError::Failed(format!("head {other}: not a remote object"))),
    };
    let h = |n: &str| resp.header(n).map(str::to_owned);
    let info = HeadInfo {
        location,
        content_length: resp.header("content-length").and_then(|v| v.trim().parse().ok()),
        content_type: h("content-type"),
        etag: h("etag"),
        last_modified: h("last-modified"),
        version_id: h("x-goog-generation"),
        metadata: resp
            .headers()
            .filter_map(|(k, v)| {
                let k = k.to_ascii_lowercase();
                k.strip_prefix("x-goog-meta-").map(|m| (m.to_owned(), v.to_owned()))
            })
            .collect(),
    };
    print_head(ctx, &info, json)
}

fn unreachable_304<T>(location: &str) -> Result<T, CliError> {
    Err(CliError::Failed(format!("{location}: the server answered 304 Not Modified to a plain request: try again")))
}

/// `presign` of a `gcs://` object without `s3-options`, or of a URL: refused, one line each.
pub fn presign(target: &Operand) -> CliError {
    CliError::Failed(match target {
        Operand::Gcs { bucket, key } => format!(
            "cannot presign gcs://{bucket}/{key}: a Google OAuth token cannot sign a URL; add pixi s3-options for \
             bucket '{bucket}' (endpoint-url https://storage.googleapis.com) and GCS HMAC keys \
             (minis3 auth login s3://{bucket} ...) to presign it through the S3 API"
        ),
        other => format!("cannot presign {other}: it is a plain URL with nothing to sign; presign s3://BUCKET/KEY"),
    })
}

/// The relative paths and objects under a `gcs://` prefix (treated as a directory);
/// directory markers (names ending in `/`) are left out.
pub fn list_under(client: &GcsClient, bucket: &str, key: &str) -> Result<Vec<(String, ListedObject)>, CliError> {
    let prefix = dir_prefix(key);
    let all = client
        .list_all(bucket, &prefix, None)
        .map_err(|e| CliError::Failed(format!("cannot list gcs://{bucket}/{prefix}: {e}")))?;
    Ok(all
        .objects
        .into_iter()
        .filter(|o| !o.key.ends_with('/') && o.key.starts_with(&prefix))
        .map(|o| {
            let rel = o.key[prefix.len()..].to_owned();
            (
                rel,
                ListedObject {
                    key: o.key,
                    last_modified: o.last_modified,
                    etag: o.etag,
                    size: o.size,
                    storage_class: None,
                },
            )
        })
        .collect())
}

/// Progress of bytes, when stderr is a terminal.
pub fn byte_progress(ctx: &Ctx) -> Option<Arc<dyn minis3::s3::Progress>> {
    ctx.out.shows_progress().then(|| Arc::new(ctx.out.clone()) as Arc<dyn minis3::s3::Progress>)
}
