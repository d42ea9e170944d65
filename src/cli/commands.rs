//! The commands other than `cp` and `sync`: `ls`, `rm`, `mb`, `rb`, `presign`, `head`,
//! `auth login|logout`, `config show`.

use serde_json::{json, Map, Value};

use minis3::config::auth_file::{self, AuthFiles, S3Credentials};
use minis3::settings::{self, CredentialPlan, Inputs};

use super::advice;
use minis3::s3::{ListEntry, ListOptions, DELETE_BATCH};

use super::args::{PresignMethod, TransferOptions};
use super::output::short_time;
use super::paths::dir_prefix;
use super::transfer::{many_client, LIST_AHEAD};
use super::{CliError, Ctx};

/// `ls`: buckets, or objects and prefixes.
pub fn ls(ctx: &Ctx, target: Option<(String, String)>, recursive: bool, json: bool) -> Result<(), CliError> {
    let Some((bucket, prefix)) = target else {
        let client = ctx.client(None)?;
        let list = client.list_buckets()?;
        if json {
            let items: Vec<Value> =
                list.buckets.iter().map(|b| json!({"Name": b.name, "CreationDate": b.creation_date})).collect();
            return ctx.out.line(&Value::Array(items).to_string());
        }
        for b in &list.buckets {
            ctx.out.line(&format!("{} {}", short_time(&b.creation_date), b.name))?;
        }
        return Ok(());
    };
    if recursive {
        return ls_recursive(ctx, &bucket, &prefix, json);
    }
    let client = ctx.client(Some((&bucket, &prefix)))?;
    let opts = ListOptions {
        prefix: (!prefix.is_empty()).then(|| prefix.clone()),
        delimiter: Some("/".to_string()),
        ..Default::default()
    };
    let mut printer = ListPrinter::new(ctx, &prefix, recursive, json);
    // As `aws s3 ls`: per page, the prefixes first, then the objects.
    let mut page: Vec<ListEntry> = Vec::new();
    let mut listing = client.list_objects(&bucket, &opts);
    let mut page_no = listing.pages();
    loop {
        let next = listing.next().transpose()?;
        if next.is_none() || listing.pages() != page_no {
            printer.page(&mut page)?;
            page_no = listing.pages();
        }
        match next {
            Some(e) => page.push(e),
            None => break,
        }
    }
    printer.finish()
}

/// `ls --recursive`: every key under the prefix in key order, as a flat listing gives them,
/// but listed directory by directory, several directories at a time, while directories hold
/// many keys each (`Client::list_keys`): on a server whose flat listing pages cost more as
/// the bucket grows (s3s-fs walks the whole tree for every page), the cost is then one page
/// per directory; a tree of sparse directories is listed flat from where the walk got to.
fn ls_recursive(ctx: &Ctx, bucket: &str, prefix: &str, json: bool) -> Result<(), CliError> {
    let (client, slots) = many_client(ctx, bucket, prefix)?;
    let mut printer = ListPrinter::new(ctx, prefix, true, json);
    let mut page: Vec<ListEntry> = Vec::with_capacity(PRINTED_PAGE);
    std::thread::scope(|scope| {
        for object in client.list_keys(scope, bucket, prefix, LIST_AHEAD.min(slots)) {
            page.push(ListEntry::Object(object?));
            if page.len() == PRINTED_PAGE {
                printer.page(&mut page)?;
            }
        }
        printer.page(&mut page)
    })?;
    printer.finish()
}

/// Objects printed at once by `ls --recursive`, as a flat listing's page.
const PRINTED_PAGE: usize = 1000;

/// Prints a listing page by page as `aws s3 ls` does (also for `gcs://` listings).
pub struct ListPrinter<'a> {
    ctx: &'a Ctx,
    prefix: &'a str,
    cut: usize,
    json: bool,
    any: bool,
    contents: Vec<Value>,
    prefixes: Vec<Value>,
}

impl<'a> ListPrinter<'a> {
    /// A printer for the listing of `prefix`.
    pub fn new(ctx: &'a Ctx, prefix: &'a str, recursive: bool, json: bool) -> Self {
        // Names are shown relative to the prefix's last '/' (all of the key with --recursive),
        // as `aws s3 ls` shows them.
        let cut = if recursive { 0 } else { prefix.rfind('/').map(|i| i + 1).unwrap_or(0) };
        ListPrinter { ctx, prefix, cut, json, any: false, contents: Vec::new(), prefixes: Vec::new() }
    }

    /// Prints (or, with `--json`, keeps) one page, its prefixes first; empties `page`.
    pub fn page(&mut self, page: &mut Vec<ListEntry>) -> Result<(), CliError> {
        let (ctx, cut) = (self.ctx, self.cut);
        self.any |= !page.is_empty();
        page.sort_by_key(|e| matches!(e, ListEntry::Object(_)));
        for entry in page.drain(..) {
            match entry {
                ListEntry::Prefix(p) => {
                    if self.json {
                        self.prefixes.push(json!({"Prefix": p}));
                    } else {
                        ctx.out.line(&format!("{:>30} {}", "PRE", p.get(cut..).unwrap_or(&p)))?;
                    }
                }
                ListEntry::Object(o) => {
                    if self.json {
                        let mut m = Map::new();
                        m.insert("Key".into(), json!(o.key));
                        m.insert("LastModified".into(), json!(o.last_modified));
                        m.insert("ETag".into(), json!(o.etag));
                        m.insert("Size".into(), json!(o.size));
                        if let Some(c) = &o.storage_class {
                            m.insert("StorageClass".into(), json!(c));
                        }
                        self.contents.push(Value::Object(m));
                    } else {
                        let name = o.key.get(cut..).unwrap_or(&o.key);
                        ctx.out.line(&format!("{} {:>10} {}", short_time(&o.last_modified), o.size, name))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The `--json` document, and status 1 when nothing was under a prefix.
    pub fn finish(self) -> Result<(), CliError> {
        if self.json {
            self.ctx.out.line(&json!({"Contents": self.contents, "CommonPrefixes": self.prefixes}).to_string())?;
        }
        if !self.any && !self.prefix.is_empty() {
            // As `aws s3 ls`: nothing under a prefix is status 1.
            return Err(CliError::Silent);
        }
        Ok(())
    }
}

/// `rm`: one object, or every object under a prefix.
pub fn rm(ctx: &Ctx, bucket: &str, key: &str, recursive: bool, opts: &TransferOptions) -> Result<(), CliError> {
    let dry = if opts.dryrun { "(dryrun) " } else { "" };
    if !recursive {
        if !opts.dryrun {
            ctx.client(Some((bucket, key)))?.delete_object(bucket, key)?;
        }
        if !opts.quiet {
            ctx.out.line(&format!("{dry}delete: s3://{bucket}/{key}"))?;
        }
        return Ok(());
    }
    let prefix = dir_prefix(key);
    let (client, slots) = many_client(ctx, bucket, key)?;
    // Listed as `ls --recursive` lists (directory by directory while directories are full):
    // the keys in key order, and on s3s-fs not one walk of the whole bucket per page. Deleted
    // a DeleteObjects batch at a time as they are listed (as the AWS CLI does), so memory does
    // not grow with the number of keys; a listing resumes after the keys it has sent, which
    // deleting them does not move.
    let mut batch = Vec::with_capacity(DELETE_BATCH);
    let mut failures = 0;
    let mut delete = |batch: &mut Vec<String>| -> Result<(), CliError> {
        let done = delete_keys(ctx, &client, bucket, batch, opts.dryrun, opts.quiet);
        batch.clear();
        match done {
            Err(CliError::Partial { failures: n }) => {
                failures += n;
                Ok(())
            }
            other => other,
        }
    };
    std::thread::scope(|scope| -> Result<(), CliError> {
        for o in client.list_keys(scope, bucket, &prefix, LIST_AHEAD.min(slots)) {
            let o = o?;
            let rel = &o.key[prefix.len().min(o.key.len())..];
            if opts.filters.includes(rel) {
                batch.push(o.key);
                if batch.len() == DELETE_BATCH {
                    delete(&mut batch)?;
                }
            }
        }
        Ok(())
    })?;
    delete(&mut batch)?;
    if failures == 0 {
        Ok(())
    } else {
        Err(CliError::Partial { failures })
    }
}

/// Deletes `keys` in batches, printing each; per-key failures are reported and counted.
pub fn delete_keys(
    ctx: &Ctx,
    client: &minis3::s3::Client,
    bucket: &str,
    keys: &[String],
    dryrun: bool,
    quiet: bool,
) -> Result<(), CliError> {
    if dryrun {
        for k in keys {
            if !quiet {
                ctx.out.line(&format!("(dryrun) delete: s3://{bucket}/{k}"))?;
            }
        }
        return Ok(());
    }
    if keys.is_empty() {
        return Ok(());
    }
    let result = client.delete_objects(bucket, keys)?;
    let failed: std::collections::HashSet<&str> = result.errors.iter().map(|e| e.key.as_str()).collect();
    for e in &result.errors {
        ctx.out.error(&format!(
            "delete failed: s3://{bucket}/{}: {} {}: check the permissions on the object",
            e.key, e.code, e.message
        ));
    }
    for k in keys {
        if !failed.contains(k.as_str()) && !quiet {
            ctx.out.line(&format!("delete: s3://{bucket}/{k}"))?;
        }
    }
    if result.errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial { failures: result.errors.len() })
    }
}

/// `mb`.
pub fn mb(ctx: &Ctx, bucket: &str, quiet: bool) -> Result<(), CliError> {
    let client = ctx.client(Some((bucket, "")))?;
    client.create_bucket(bucket)?;
    if !quiet {
        ctx.out.line(&format!("make_bucket: {bucket}"))?;
    }
    Ok(())
}

/// `rb`, with `--force` deleting every object first.
pub fn rb(ctx: &Ctx, bucket: &str, force: bool, quiet: bool) -> Result<(), CliError> {
    let client = ctx.client(Some((bucket, "")))?;
    if force {
        let mut keys = Vec::new();
        for entry in client.list_objects(bucket, &ListOptions::default()) {
            if let ListEntry::Object(o) = entry? {
                keys.push(o.key);
            }
        }
        delete_keys(ctx, &client, bucket, &keys, false, quiet)?;
    }
    client.delete_bucket(bucket)?;
    if !quiet {
        ctx.out.line(&format!("remove_bucket: {bucket}"))?;
    }
    Ok(())
}

/// `presign`.
pub fn presign(ctx: &Ctx, bucket: &str, key: &str, expires_in: u64, method: PresignMethod) -> Result<(), CliError> {
    let client = ctx.client(Some((bucket, key)))?;
    let m = match method {
        PresignMethod::Get => "GET",
        PresignMethod::Put => "PUT",
    };
    let url = client.presign(m, bucket, key, expires_in)?;
    // The URL carries no secret (only the access key id and, with temporary keys, the
    // session token, which a presigned URL must carry to work); print it as it is.
    ctx.out.flush()?;
    ctx.out.write_raw(format!("{url}\n").as_bytes())
}

/// `head`.
pub fn head(ctx: &Ctx, bucket: &str, key: &str, json: bool) -> Result<(), CliError> {
    let client = ctx.client(Some((bucket, key)))?;
    let meta = client.head_object(bucket, key)?;
    let info = HeadInfo {
        location: format!("s3://{bucket}/{key}"),
        content_length: Some(meta.size.max(meta.content_length)),
        content_type: meta.content_type.clone(),
        etag: meta.etag.clone(),
        last_modified: meta.last_modified.clone(),
        version_id: meta.version_id.clone(),
        metadata: meta.metadata.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    print_head(ctx, &info, json)
}

/// What `head` shows of an object (`s3://`, `gcs://` or a URL).
#[derive(Debug, Default)]
pub struct HeadInfo {
    /// The location as the user gave it.
    pub location: String,
    /// `Content-Length` (the object's size).
    pub content_length: Option<u64>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// The version id.
    pub version_id: Option<String>,
    /// User metadata (`x-amz-meta-*`, `x-goog-meta-*`), without the prefix.
    pub metadata: Vec<(String, String)>,
}

/// Prints `info` as `head` does (lines, or one JSON object with `--json`).
pub fn print_head(ctx: &Ctx, info: &HeadInfo, json: bool) -> Result<(), CliError> {
    let fields = [
        ("ContentType", &info.content_type),
        ("ETag", &info.etag),
        ("LastModified", &info.last_modified),
        ("VersionId", &info.version_id),
    ];
    if json {
        let mut m = Map::new();
        if let Some(n) = info.content_length {
            m.insert("ContentLength".into(), json!(n));
        }
        for (name, v) in fields {
            if let Some(v) = v {
                m.insert(name.into(), json!(v));
            }
        }
        let md: Map<String, Value> = info.metadata.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        m.insert("Metadata".into(), Value::Object(md));
        return ctx.out.line(&Value::Object(m).to_string());
    }
    ctx.out.line(&format!("Key: {}", info.location))?;
    if let Some(n) = info.content_length {
        ctx.out.line(&format!("ContentLength: {n}"))?;
    }
    for (name, v) in fields {
        if let Some(v) = v {
            ctx.out.line(&format!("{name}: {v}"))?;
        }
    }
    for (k, v) in &info.metadata {
        ctx.out.line(&format!("Metadata: {k}={v}"))?;
    }
    Ok(())
}

/// `auth login`: stores the keys as `pixi auth login` does.
pub fn auth_login(
    ctx: &Ctx,
    url: &str,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
) -> Result<(), CliError> {
    let mut secrets = vec![secret_access_key.clone()];
    secrets.extend(session_token.clone());
    ctx.out.add_secrets(&secrets);
    let files = AuthFiles::resolve(&ctx.env, None);
    let Some(path) = files.login_target() else {
        return Err(CliError::Failed(
            "no place to store the keys: HOME is not set; set HOME or RATTLER_AUTH_FILE".into(),
        ));
    };
    let creds = S3Credentials::new(access_key_id, secret_access_key, session_token);
    let key = auth_file::login(path, url, &creds).map_err(|e| CliError::Failed(advice::auth_file_error(&e)))?;
    ctx.out.line(&format!("stored S3 keys {} for bucket '{key}' in {}", creds.redacted_access_key(), path.display()))
}

/// `auth logout`.
pub fn auth_logout(ctx: &Ctx, url: &str) -> Result<(), CliError> {
    let files = AuthFiles::resolve(&ctx.env, None);
    let Some(path) = files.login_target() else {
        return Err(CliError::Failed("no auth file: HOME is not set; set HOME or RATTLER_AUTH_FILE".into()));
    };
    let removed = auth_file::logout(path, url).map_err(|e| CliError::Failed(advice::auth_file_error(&e)))?;
    if removed.is_empty() {
        return Err(CliError::Failed(format!(
            "{} has no keys for {url}: nothing to remove (check the bucket name, or RATTLER_AUTH_FILE)",
            path.display()
        )));
    }
    ctx.out.line(&format!("removed {} from {}", removed.join(", "), path.display()))
}

/// `config show`.
pub fn config_show(ctx: &Ctx, target: Option<(String, String)>, json: bool) -> Result<(), CliError> {
    let t = target.as_ref().map(|(b, k)| (b.as_str(), k.as_str()));
    let s = settings::resolve(&Inputs { overrides: &ctx.global.flags, env: &ctx.env, cwd: &ctx.cwd, target: t })?;
    ctx.out.add_secrets(&s.secrets);
    let endpoint = s.endpoint_url.as_ref().map(|v| v.value.clone());
    let endpoint_source = s
        .endpoint_url
        .as_ref()
        .map(|v| advice::source(&v.source))
        .unwrap_or_else(|| "default (the AWS endpoint of the region)".into());
    let style = s.addressing_style.value.as_str();
    let pixi = s.pixi.as_ref().map(|e| format!("{}:{}", e.file.display(), e.line));
    let creds_kind = match &s.credentials {
        CredentialPlan::Anonymous => "none (unsigned)",
        CredentialPlan::AuthFile(_) => "rattler auth file",
        CredentialPlan::Aws(_) => "AWS",
        CredentialPlan::Missing(_) => "not found",
    };
    if json {
        let mut v = json!({
            "profile": {"value": s.profile.value, "source": advice::profile_source(&s.profile.source)},
            "endpoint_url": {"value": endpoint, "source": endpoint_source},
            "region": {"value": s.region.value, "source": advice::source(&s.region.source)},
            "addressing_style": {"value": style, "source": advice::source(&s.addressing_style.source)},
            "pixi_s3_options": pixi,
            "credentials": {
                "kind": creds_kind,
                "access_key_id": s.credentials.redacted_access_key(),
                "session_token": s.credentials.has_session_token(),
                "source": advice::credentials_source(&s.credentials),
            },
        });
        if let Some((b, k)) = &target {
            v["bucket"] = json!(b);
            v["key"] = json!(k);
        }
        if let Some(c) = &s.ca_bundle {
            v["ca_bundle"] = json!({"value": c.value.display().to_string(), "source": advice::source(&c.source)});
        }
        if let Some(t) = &s.multipart_threshold {
            v["multipart_threshold"] = json!({"value": t.value, "source": advice::source(&t.source)});
        }
        if let Some(c) = &s.part_size {
            v["multipart_chunksize"] = json!({"value": c.value, "source": advice::source(&c.source)});
        }
        if let Some(c) = &s.concurrency {
            v["max_concurrent_requests"] = json!({"value": c.value, "source": advice::source(&c.source)});
        }
        if let Some(t) = &s.target_bandwidth {
            v["target_bandwidth"] = json!({"value": t.value, "source": advice::source(&t.source)});
        }
        for (name, c) in [
            ("request_checksum_calculation", &s.request_checksum_calculation),
            ("response_checksum_validation", &s.response_checksum_validation),
        ] {
            v[name] = match c {
                Some(c) => json!({"value": c.value.as_str(), "source": advice::source(&c.source)}),
                None => json!({"value": "per endpoint", "source": "default"}),
            };
        }
        return ctx.out.line(&v.to_string());
    }
    if let Some((b, k)) = &target {
        ctx.out.line(&format!("{:<17}s3://{b}/{k}", "location"))?;
    }
    ctx.out.line(&format!("{:<17}{} ({})", "profile", s.profile.value, advice::profile_source(&s.profile.source)))?;
    ctx.out.line(&format!("{:<17}{} ({endpoint_source})", "endpoint-url", endpoint.as_deref().unwrap_or("-")))?;
    ctx.out.line(&format!("{:<17}{} ({})", "region", s.region.value, advice::source(&s.region.source)))?;
    ctx.out.line(&format!("{:<17}{style} ({})", "addressing-style", advice::source(&s.addressing_style.source)))?;
    if let Some(c) = &s.ca_bundle {
        ctx.out.line(&format!("{:<17}{} ({})", "ca-bundle", c.value.display(), advice::source(&c.source)))?;
    }
    if let Some(t) = &s.multipart_threshold {
        ctx.out.line(&format!("{:<17}{} bytes ({})", "threshold", t.value, advice::source(&t.source)))?;
    }
    if let Some(c) = &s.part_size {
        ctx.out.line(&format!("{:<17}{} bytes ({})", "part-size", c.value, advice::source(&c.source)))?;
    }
    if let Some(c) = &s.concurrency {
        ctx.out.line(&format!("{:<17}{} ({})", "concurrency", c.value, advice::source(&c.source)))?;
    }
    if let Some(t) = &s.target_bandwidth {
        ctx.out.line(&format!("{:<17}{} bytes/s ({})", "target-bandwidth", t.value, advice::source(&t.source)))?;
    }
    for (name, c) in
        [("upload-checksum", &s.request_checksum_calculation), ("download-checksum", &s.response_checksum_validation)]
    {
        match c {
            Some(c) => ctx.out.line(&format!("{name:<17}{} ({})", c.value, advice::source(&c.source)))?,
            None => ctx.out.line(&format!("{name:<17}CRC32C, per endpoint (default)"))?,
        }
    }
    match &pixi {
        Some(p) => ctx.out.line(&format!("{:<17}{p}", "pixi s3-options"))?,
        None if target.is_some() => ctx.out.line(&format!("{:<17}none for this bucket", "pixi s3-options"))?,
        None => {}
    }
    let key = s.credentials.redacted_access_key().unwrap_or_else(|| "-".into());
    let token = if s.credentials.has_session_token() { " with a session token" } else { "" };
    ctx.out.line(&format!(
        "{:<17}{creds_kind}: access key {key}{token} ({})",
        "credentials",
        advice::credentials_source(&s.credentials)
    ))?;
    Ok(())
}
