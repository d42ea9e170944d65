//! The one request loop every operation goes through: sending a prepared attempt, retries,
//! clock-skew correction, wrong-region redirects, and reading an error answer.

use std::time::SystemTime;

use super::client::Client;
use super::error::{code_for_status, InputError, S3Error, ServiceError};
use super::prepare::{wrap_chunked, Prepared};
use super::progress::CountingReader;
use super::request::{ReqBody, Request, RetryMode, BULK_BODY};
use super::retry::is_retryable_status;
use super::skew::{parse_http_date, parse_iso8601, SKEW_LIMIT_SECS};
use super::xml;
use crate::http::{Body, HttpError, Response, Traffic};
use crate::sigv4::AmzDate;

/// A request URL for a `--debug` line: as sent, but without the query of a presigned URL
/// (its signature is a bearer credential; header-signed requests carry none in the query).
fn url_for_debug(url: &str) -> &str {
    if url.contains("X-Amz-Signature=") || url.contains("X-Amz-Credential=") {
        url.split('?').next().unwrap_or(url)
    } else {
        url
    }
}

/// Error documents larger than this are not read.
const ERROR_BODY_LIMIT: u64 = 256 * 1024;

/// An error answer, as read by [`Client::service_error`].
struct ErrorAnswer {
    /// The error.
    error: ServiceError,
    /// The server's time, when the answer tells it (`Date` header, or `ServerTime` in the body).
    server_time: Option<SystemTime>,
}

/// What [`Client::execute`] has used so far of what it may try.
#[derive(Debug, Default)]
struct Attempts {
    /// Attempts that failed and were retried (at most `max_attempts - 1`).
    used: u32,
    /// Whether the request was re-signed with the server's time (at most once).
    skew_resigned: bool,
    /// Whether the request was sent again to the bucket's region (at most once).
    region_redirected: bool,
}

impl Client {
    /// Sends one prepared attempt: the response whatever its status, or the transport error
    /// (the outer error: the body could not be opened or sent twice).
    fn send_prepared(&self, req: &mut Request<'_>, p: &Prepared) -> Result<Result<Response, HttpError>, S3Error> {
        let headers: Vec<(&str, &str)> = p.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let wrap = |reader, length| wrap_chunked(&p.chunked, reader, length);
        let method = req.method;
        let traffic = match &req.body {
            ReqBody::Source { length, .. } | ReqBody::Stream { length, .. } if *length >= BULK_BODY => Traffic::Bulk,
            _ => req.traffic,
        };
        Ok(match &mut req.body {
            // PUT and POST always carry a length (S3 answers 411 without one).
            ReqBody::Empty if matches!(method, "PUT" | "POST") => {
                self.http.send_with(method, &p.url, &headers, Body::Bytes(&[]), traffic)
            }
            ReqBody::Empty => self.http.send_with(method, &p.url, &headers, Body::Empty, traffic),
            ReqBody::Bytes { data, .. } => {
                let sent = self.http.send_with(method, &p.url, &headers, Body::Bytes(data), traffic);
                // Upload bodies (whole objects, parts) count; XML request bodies do not.
                if let (Some(progress), Ok(_), "PUT") = (&self.cfg.progress, &sent, method) {
                    progress.advance(data.len() as u64);
                }
                sent
            }
            ReqBody::Source { open, length, .. } => {
                let reader = open().map_err(|e| S3Error::io("read the upload source", None, e))?;
                let reader = CountingReader::wrap(reader, &self.cfg.progress);
                let (mut reader, length) = wrap(reader, *length)?;
                self.http.send_with(method, &p.url, &headers, Body::Reader { reader: &mut reader, length }, traffic)
            }
            ReqBody::Stream { reader, length, .. } => {
                let length = *length;
                let Some(r) = reader.take() else {
                    return Err(S3Error::InvalidInput(InputError::StreamResent));
                };
                let (mut r, length) = wrap(CountingReader::wrap(Box::new(r), &self.cfg.progress), length)?;
                self.http.send_with(method, &p.url, &headers, Body::Reader { reader: &mut r, length }, traffic)
            }
        })
    }

    /// Sends `req`, with retries, clock-skew correction and region redirects. Returns the
    /// successful (2xx) response.
    pub(crate) fn execute(&self, req: &mut Request<'_>) -> Result<Response, S3Error> {
        let mut state = Attempts::default();
        loop {
            // A re-sign with the server's time or a retry in the bucket's region repeats this
            // attempt's number; only a retry after a failure uses up another attempt.
            let attempt = state.used + 1;
            let (region, endpoint) = self.target_for(req.bucket)?;
            let prepared = self.prepare(req, &region, &endpoint)?;
            let can_replay = req.body.replayable();
            let started = self.cfg.debug.then(std::time::Instant::now);
            let resp = match self.send_prepared(req, &prepared)? {
                Ok(r) => r,
                Err(e) => {
                    if e.is_retryable()
                        && can_replay
                        && req.retry == RetryMode::Idempotent
                        && attempt < self.cfg.max_attempts
                    {
                        self.notice(&format!("{} failed ({e}); retrying (attempt {})", req.method, attempt + 1));
                        self.cfg.sleeper.sleep(self.cfg.backoff.delay(attempt));
                        state.used = attempt;
                        continue;
                    }
                    return Err(S3Error::Transport(e));
                }
            };
            let status = resp.status();
            if let Some(started) = started {
                self.notice(&format!(
                    "{} {} -> {status} ({} ms{})",
                    req.method,
                    url_for_debug(&prepared.url),
                    started.elapsed().as_millis(),
                    resp.header("x-amz-request-id").map(|id| format!(", request id {id}")).unwrap_or_default()
                ));
            }
            if (200..300).contains(&status) {
                return Ok(resp);
            }
            let ErrorAnswer { error, server_time } =
                self.service_error(req, resp, &region, prepared.canonical_request)?;
            let can_replay = can_replay && req.body.replayable();

            // Clock skew: learn the server's time and re-sign once.
            if self.cfg.correct_clock_skew && !state.skew_resigned && can_replay {
                if let Some(server) = server_time {
                    let ours = prepared.signed_at.unix();
                    let server_unix = AmzDate::from_system_time(server).unix();
                    let far = (server_unix - ours).abs() > SKEW_LIMIT_SECS;
                    if error.code == "RequestTimeTooSkewed" || (error.status == 403 && far) {
                        let off = self.skew.learn(self.cfg.clock.now(), server);
                        self.notice(&format!(
                            "the server's clock differs from ours by {off} s; signing with the server's time"
                        ));
                        state.skew_resigned = true;
                        continue;
                    }
                }
            }
            // Wrong region: retry once in the bucket's region.
            if self.cfg.follow_region_redirects && !state.region_redirected && can_replay && !req.bucket.is_empty() {
                if let Some(r) = error.bucket_region.clone().filter(|r| *r != region && !r.is_empty()) {
                    if matches!(error.status, 301 | 307 | 400) {
                        if let Ok(mut m) = self.regions.lock() {
                            m.insert(req.bucket.to_owned(), r.clone());
                        }
                        self.notice(&format!(
                            "bucket {} is in region {r}, not {region}; retrying there (set the region to avoid this)",
                            req.bucket
                        ));
                        state.region_redirected = true;
                        continue;
                    }
                }
            }
            if is_retryable_status(error.status, &error.code) && can_replay && attempt < self.cfg.max_attempts {
                self.notice(&format!(
                    "{} answered {} {}; retrying (attempt {})",
                    req.method,
                    error.status,
                    error.code,
                    attempt + 1
                ));
                self.cfg.sleeper.sleep(self.cfg.backoff.delay(attempt));
                state.used = attempt;
                continue;
            }
            return Err(S3Error::Service(Box::new(error)));
        }
    }

    /// Reads an error answer: the error, and the server's time when it tells it.
    fn service_error(
        &self,
        req: &Request<'_>,
        resp: Response,
        region: &str,
        canonical: Option<String>,
    ) -> Result<ErrorAnswer, S3Error> {
        let status = resp.status();
        let date = resp.header("date").and_then(parse_http_date);
        let request_id = resp.header("x-amz-request-id").map(str::to_owned);
        let region_header = resp.header("x-amz-bucket-region").map(str::to_owned);
        let body =
            if req.method == "HEAD" { Vec::new() } else { resp.read_to_vec(ERROR_BODY_LIMIT).unwrap_or_default() };
        let parsed = if body.is_empty() { None } else { xml::parse_error(&body).ok() };
        let mut err = ServiceError {
            status,
            code: code_for_status(status, !req.key.is_empty()).to_owned(),
            message: String::new(),
            request_id,
            method: req.method.to_owned(),
            bucket: req.bucket.to_owned(),
            key: req.key.to_owned(),
            bucket_region: region_header.filter(|r| r != region),
            canonical_request: None,
        };
        let mut server_time = date;
        if let Some(p) = parsed {
            err.code = p.code;
            err.message = p.message;
            if err.request_id.is_none() {
                err.request_id = p.request_id;
            }
            if err.bucket_region.is_none() {
                err.bucket_region = p.region.filter(|r| r != region);
            }
            if let Some(t) = p.other.iter().find(|(k, _)| k == "ServerTime").and_then(|(_, v)| parse_iso8601(v)) {
                server_time = Some(t);
            }
        }
        if err.code == "SignatureDoesNotMatch" {
            err.canonical_request = canonical;
        }
        Ok(ErrorAnswer { error: err, server_time })
    }
}
