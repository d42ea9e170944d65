//! The S3 client against SeaweedFS (one shared `weed mini`): exact S3 error codes,
//! virtual-host style, multipart, pagination, `encoding-type=url` listings, conditions.
//! SeaweedFS does not check payload hashes: those tests live in `s3_s3sfs.rs`.
#![cfg(feature = "client")]

mod support;

use support::secrets::CleanErr;

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use minis3::clock::FixedClock;
use minis3::s3::{Auth, Client, ClientConfig, GetOptions, ListEntry, ListOptions, PutOptions, S3Error, TreeOrder};
use support::{test_bytes, test_config, unique_bucket, Fault, FaultProxy, Seaweed, TestServer};

fn md5(data: &[u8]) -> [u8; 16] {
    <md5::Md5 as md5::Digest>::digest(data).into()
}

fn client(cfg: ClientConfig) -> Client {
    Client::new(cfg).expect("client")
}

fn seaweed() -> (&'static Seaweed, Client) {
    let s = Seaweed::shared();
    (s, client(s.client_config()))
}

fn keys_of(c: &Client, bucket: &str, opts: &ListOptions) -> Vec<String> {
    c.list_objects(bucket, opts).map(|e| e.expect("list").name().to_owned()).collect()
}

#[test]
fn exact_error_codes() {
    let (s, c) = seaweed();
    let bucket = unique_bucket("codes");
    c.create_bucket(&bucket).unwrap();
    c.put_object(&bucket, "k", b"v", &PutOptions::default()).unwrap();
    fn code<T: std::fmt::Debug>(r: Result<T, S3Error>) -> (u16, String, String) {
        let e = r.clean_err();
        (e.status().unwrap_or(0), e.code().unwrap_or("").to_owned(), e.to_string())
    }
    let (st, cd, line) = code(c.get_object_bytes("no-such-bucket-minis3", "k", 10));
    assert_eq!((st, cd.as_str()), (404, "NoSuchBucket"), "{line}");
    assert!(line.contains("the bucket does not exist"), "{line}");
    let (st, cd, _) = code(c.get_object_bytes(&bucket, "missing", 10));
    assert_eq!((st, cd.as_str()), (404, "NoSuchKey"));
    // HEAD errors have no body: mapped by status.
    let (st, cd, _) = code(c.head_object(&bucket, "missing"));
    assert_eq!((st, cd.as_str()), (404, "NoSuchKey"));
    let (st, cd, _) = code(c.head_bucket("no-such-bucket-minis3"));
    assert_eq!((st, cd.as_str()), (404, "NoSuchBucket"));
    // (SeaweedFS 4.48 deletes a bucket that still holds objects: no BucketNotEmpty check here.)

    let mut cfg = s.client_config();
    cfg.auth = Auth::keys(support::ACCESS_KEY, "wrong-secret");
    let (st, cd, line) = code(client(cfg).get_object_bytes(&bucket, "k", 10));
    assert_eq!((st, cd.as_str()), (403, "SignatureDoesNotMatch"), "{line}");
    let mut cfg = s.client_config();
    cfg.auth = Auth::keys("AKIDUNKNOWN0000", support::SECRET_KEY);
    let (st, cd, _) = code(client(cfg).list_buckets());
    assert_eq!((st, cd.as_str()), (403, "InvalidAccessKeyId"));
    // Clock two hours ahead, correction off: the typed error; on: corrected.
    let mut cfg = s.client_config();
    cfg.clock = Arc::new(FixedClock(SystemTime::now() + Duration::from_secs(7200)));
    cfg.correct_clock_skew = false;
    let (st, cd, _) = code(client(cfg.clone()).get_object_bytes(&bucket, "k", 10));
    assert_eq!((st, cd.as_str()), (403, "RequestTimeTooSkewed"));
    cfg.correct_clock_skew = true;
    let fixed = client(cfg);
    assert_eq!(fixed.get_object_bytes(&bucket, "k", 10).unwrap().1, b"v");
    assert!((fixed.clock_offset_secs() + 7200).abs() < 120);
}

#[test]
fn conditional_put_and_get() {
    let (_, c) = seaweed();
    let bucket = unique_bucket("cond");
    c.create_bucket(&bucket).unwrap();
    let once = PutOptions { if_none_match_any: true, ..Default::default() };
    let etag = c.put_object(&bucket, "k", b"first", &once).unwrap().etag.unwrap();
    let err = c.put_object(&bucket, "k", b"second", &once).clean_err();
    assert_eq!((err.status(), err.code()), (Some(412), Some("PreconditionFailed")), "{err}");
    assert_eq!(c.get_object_bytes(&bucket, "k", 10).unwrap().1, b"first");
    let get = |o: GetOptions| c.get_object(&bucket, "k", &o).map(|g| g.meta.etag);
    assert_eq!(get(GetOptions { if_match: Some(etag.clone()), ..Default::default() }).unwrap(), Some(etag.clone()));
    let err = get(GetOptions { if_match: Some("\"00000000000000000000000000000000\"".into()), ..Default::default() })
        .clean_err();
    assert_eq!((err.status(), err.code()), (Some(412), Some("PreconditionFailed")), "{err}");
    let err = get(GetOptions { if_none_match: Some(etag), ..Default::default() }).clean_err();
    assert_eq!(err.status(), Some(304), "{err}");
}

#[test]
fn virtual_host_style_round_trip() {
    let s = Seaweed::shared();
    let bucket = unique_bucket("vhost");
    let c = client(s.vhost_client_config(&[&bucket]));
    c.create_bucket(&bucket).unwrap();
    c.put_object(&bucket, "a/b c+d", b"vhost", &PutOptions::default()).unwrap();
    assert_eq!(c.get_object_bytes(&bucket, "a/b c+d", 10).unwrap().1, b"vhost");
    assert_eq!(keys_of(&c, &bucket, &ListOptions::default()), ["a/b c+d"]);
    let url = c.presign_get(&bucket, "a/b c+d", 60).unwrap();
    assert!(url.starts_with(&format!("http://{bucket}.localhost:{}/a/b%20c%2Bd?", s.port())), "{url}");
    c.delete_objects(&bucket, &["a/b c+d".into()]).unwrap();
    c.delete_bucket(&bucket).unwrap();
}

#[test]
fn url_encoded_listing_of_odd_keys() {
    let (_, c) = seaweed();
    let bucket = unique_bucket("enc");
    c.create_bucket(&bucket).unwrap();
    let keys = ["sp ace/a b.txt", "plus/a+b", "uni/é漢字🙂", "sym/=&;~()*!'", "pct/100%25 x"];
    for k in keys {
        c.put_object(&bucket, k, k.as_bytes(), &PutOptions::default()).unwrap();
    }
    let mut want: Vec<&str> = keys.to_vec();
    want.sort();
    assert_eq!(keys_of(&c, &bucket, &ListOptions::default()), want);
    for k in keys {
        let prefix = &k[..k.char_indices().last().unwrap().0];
        assert_eq!(keys_of(&c, &bucket, &ListOptions { prefix: Some(prefix.into()), ..Default::default() }), [k]);
    }
    let top: Vec<ListEntry> = c
        .list_objects(&bucket, &ListOptions { delimiter: Some("/".into()), ..Default::default() })
        .collect::<Result<_, _>>()
        .unwrap();
    let names: Vec<&str> = top.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["pct/", "plus/", "sp ace/", "sym/", "uni/"]);
    // Directory by directory: the same keys, through one delimiter listing per directory.
    std::thread::scope(|s| {
        let mut tree = c.list_tree(s, &bucket, "", 3, TreeOrder::DirectoryFirst);
        let listed: Vec<String> = tree.by_ref().map(|o| o.unwrap().key).collect();
        assert_eq!(listed, want);
        assert_eq!(tree.pages(), 6);
    });
}

#[test]
fn pagination_over_more_than_1000_keys() {
    let (_, c) = seaweed();
    let bucket = unique_bucket("pages");
    c.create_bucket(&bucket).unwrap();
    let keys: Vec<String> = (0..1100).map(|i| format!("p/{i:05}")).collect();
    std::thread::scope(|s| {
        for chunk in keys.chunks(138) {
            let c = &c;
            let bucket = &bucket;
            s.spawn(move || {
                for k in chunk {
                    c.put_object(bucket, k, b"", &PutOptions::default()).unwrap();
                }
            });
        }
    });
    let mut it = c.list_objects(&bucket, &ListOptions::default());
    let listed: Vec<String> = it.by_ref().map(|e| e.unwrap().name().to_owned()).collect();
    assert_eq!(listed, keys);
    assert_eq!(it.pages(), 2);
    let mut it = c.list_objects(&bucket, &ListOptions { max_keys: Some(250), ..Default::default() });
    assert_eq!(it.by_ref().count(), 1100);
    assert_eq!(it.pages(), 5);
    // Directory by directory: the root, then `p/` in two pages.
    std::thread::scope(|s| {
        let mut tree = c.list_tree(s, &bucket, "", 4, TreeOrder::DirectoryFirst);
        let listed: Vec<String> = tree.by_ref().map(|o| o.unwrap().key).collect();
        assert_eq!(listed, keys);
        assert_eq!(tree.pages(), 3);
    });
    // In key ranges listed at once: the same keys whatever the cuts, each once, in order.
    let flat = ListOptions::default();
    let ranged = |opts: &ListOptions, splits: &[&str], parallel: usize| {
        let splits: Vec<String> = splits.iter().map(|s| s.to_string()).collect();
        let l = c.list_in_ranges(&bucket, opts, &splits, parallel).unwrap();
        (l.entries.iter().map(|e| e.name().to_owned()).collect::<Vec<_>>(), l.pages)
    };
    // Cuts at keys that are there: one page per range.
    assert_eq!(ranged(&flat, &["p/00999", "p/00499"], 3), (keys.clone(), 3));
    // Cuts that are not keys, out of order, repeated, before and after every key.
    assert_eq!(ranged(&flat, &["zzz", "p/00010.5", "a", "p/00010.5"], 2).0, keys);
    // A range whose first page ends before the next cut goes on: 250 keys a page, one cut at
    // the 1000th key (4 pages), then the last 100 (1 page).
    let small_pages = ListOptions { max_keys: Some(250), ..Default::default() };
    assert_eq!(ranged(&small_pages, &["p/00999"], 2), (keys.clone(), 5));
    // A cut inside a common prefix: the prefix once.
    let by_dir = ListOptions { delimiter: Some("/".into()), ..Default::default() };
    assert_eq!(ranged(&by_dir, &["p/00500"], 2).0, ["p/"]);
    // Where the listing starts.
    let after = ListOptions { start_after: Some("p/01049".into()), ..Default::default() };
    assert_eq!(ranged(&after, &["p/00999", "p/01074"], 4).0, keys[1050..]);
    // More than 1,000 keys asked for: SeaweedFS sends them in one page (AWS sends 1,000 at
    // most, as with no `max-keys`).
    let big = ListOptions { max_keys: Some(5000), ..Default::default() };
    let page = c.list_objects_page(&bucket, &big, None).unwrap();
    assert_eq!((page.contents.len(), page.is_truncated), (1100, false));
    // A server that refuses `max-keys` above 1,000 (400) is asked again without it: here a
    // proxy answers the first request with that refusal.
    let body = "<Error><Code>InvalidArgument</Code><Message>max-keys must be at most 1000</Message></Error>";
    let refused = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let (server, _) = seaweed();
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(refused)]);
    let page = client(test_config(&proxy.endpoint())).list_objects_page(&bucket, &big, None).unwrap();
    assert_eq!((page.contents.len(), page.is_truncated), (1000, true));
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(heads[0].contains("max-keys=5000") && !heads[1].contains("max-keys"), "{heads:?}");
    // DeleteObjects in batches of 1000.
    let res = c.delete_objects(&bucket, &keys).unwrap();
    assert!(res.errors.is_empty(), "{:?}", res.errors.first());
    assert!(keys_of(&c, &bucket, &ListOptions::default()).is_empty());
    c.delete_bucket(&bucket).unwrap();
}

/// SeaweedFS sends the CRC32C it stored only with a whole object: a download of an object
/// whose listed size fits one part asks for it whole and is checked by that CRC32C alone; one
/// that starts with a ranged request is checked by the MD5 ETag; an object stored without a
/// CRC32C by its MD5 either way.
/// Puts an empty object at each of `keys`, 8 at a time.
fn put_empty(c: &Client, bucket: &str, keys: &[String]) {
    std::thread::scope(|s| {
        for chunk in keys.chunks(keys.len().div_ceil(8).max(1)) {
            s.spawn(move || {
                for k in chunk {
                    c.put_object(bucket, k, b"", &PutOptions::default()).unwrap();
                }
            });
        }
    });
}

#[test]
fn list_keys_walks_full_directories_and_lists_sparse_ones_flat_in_key_order() {
    let (_, c) = seaweed();
    let bucket = unique_bucket("keys");
    c.create_bucket(&bucket).unwrap();
    // Full directories: 20 of 60 keys, beside keys that sort next to them.
    let mut full: Vec<String> = (0..20).flat_map(|d| (0..60).map(move |f| format!("full/d{d:02}/f{f:02}"))).collect();
    full.extend((0..20).map(|d| format!("full/d{d:02}.txt")));
    // Sparse: 300 directories of one key each.
    let sparse: Vec<String> = (0..300).map(|d| format!("sparse/d{d:03}/only")).collect();
    put_empty(&c, &bucket, &full);
    put_empty(&c, &bucket, &sparse);
    full.sort();
    std::thread::scope(|s| {
        let mut keys = c.list_keys(s, &bucket, "full/", 4);
        let got: Vec<String> = keys.by_ref().map(|o| o.unwrap().key).collect();
        assert_eq!(got, full);
        assert!(!keys.went_flat());
        assert_eq!(keys.pages(), 21, "the prefix and its 20 directories");

        let mut keys = c.list_keys(s, &bucket, "sparse/", 4);
        let got: Vec<String> = keys.by_ref().map(|o| o.unwrap().key).collect();
        assert_eq!(got, sparse);
        assert!(keys.went_flat(), "300 directories of one key: flat after the probe");
        assert!(keys.pages() < 16 + 4, "{} requests", keys.pages());

        // The whole bucket: full directories first (they sort first), then the sparse ones.
        let mut keys = c.list_keys(s, &bucket, "", 4);
        let got: Vec<String> = keys.by_ref().map(|o| o.unwrap().key).collect();
        assert_eq!(got, full.iter().chain(&sparse).cloned().collect::<Vec<_>>());
    });
}

#[test]
fn a_listed_small_object_is_fetched_whole_and_checked_by_its_crc32c() {
    let s = Seaweed::shared();
    let c = client(s.client_config());
    let bucket = unique_bucket("whole");
    c.create_bucket(&bucket).unwrap();
    let data = test_bytes(3 * 1024 * 1024 + 5, 11);
    let len = Some(data.len() as u64);
    c.put_object(&bucket, "crc", &data, &PutOptions::default()).unwrap();
    let mut cfg = s.client_config();
    cfg.request_checksums = Some(minis3::s3::ChecksumWhen::WhenRequired);
    client(cfg).put_object(&bucket, "plain", &data, &PutOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out");
    for (key, listed, crc, md5) in [("crc", len, true, false), ("crc", None, false, true), ("plain", len, false, true)]
    {
        let res = c.download_listed(&bucket, key, &dest, listed).unwrap();
        assert_eq!((res.crc32c_checked, res.md5_checked, res.requests), (crc, md5, 1), "{key} {listed:?}: {res:?}");
        assert!(std::fs::read(&dest).unwrap() == data, "{key}");
    }
}

#[test]
fn multipart_upload_of_64_mib_and_parallel_download() {
    let s = Seaweed::shared();
    let mut cfg = s.client_config();
    cfg.part_size = 8 * 1024 * 1024;
    cfg.concurrency = 4;
    let c = client(cfg);
    let bucket = unique_bucket("multi");
    c.create_bucket(&bucket).unwrap();
    let data = test_bytes(64 * 1024 * 1024 + 123, 6);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.bin");
    std::fs::write(&src, &data).unwrap();
    let opts = PutOptions { content_type: Some("application/x-big".into()), ..Default::default() };
    let put = c.put_object_from_file(&bucket, "big/file", &src, &opts).unwrap();
    assert_eq!(put.parts, 9);
    assert!(put.etag.as_deref().unwrap().ends_with("-9\""), "{put:?}");
    let head = c.head_object(&bucket, "big/file").unwrap();
    assert_eq!((head.size, head.content_type.as_deref()), (data.len() as u64, Some("application/x-big")));

    let dest = dir.path().join("back.bin");
    let res = c.download_to_file(&bucket, "big/file", &dest).unwrap();
    assert_eq!((res.bytes, res.requests, res.md5_checked), (data.len() as u64, 9, false));
    let back = std::fs::read(&dest).unwrap();
    assert!(back == data, "downloaded bytes differ");
    assert_eq!(md5(&back), md5(&data));

    // From a stream: parts read in turn, uploaded in parallel.
    let mut reader: &[u8] = &data[..20 * 1024 * 1024];
    let put = c.put_object_from_reader(&bucket, "big/stream", &mut reader, 20 * 1024 * 1024, &opts).unwrap();
    assert_eq!(put.parts, 3);
    let mut got = Vec::new();
    c.get_object(&bucket, "big/stream", &GetOptions::default()).unwrap().read_to_end(&mut got).unwrap();
    assert!(got == data[..20 * 1024 * 1024], "stream multipart bytes differ");
    assert!(c.list_multipart_uploads(&bucket, "").unwrap().is_empty());
}

/// Fails after `ok` bytes.
struct Failing {
    data: Vec<u8>,
    pos: usize,
    ok: usize,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.ok {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.ok - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn failed_multipart_upload_is_aborted() {
    let s = Seaweed::shared();
    let mut cfg = s.client_config();
    cfg.part_size = 5 * 1024 * 1024;
    let c = client(cfg);
    let bucket = unique_bucket("abort");
    c.create_bucket(&bucket).unwrap();
    // Two parts go up, then the source fails.
    let mut src = Failing { data: test_bytes(11 * 1024 * 1024, 7), pos: 0, ok: 11 * 1024 * 1024 - 1 };
    let err = c.put_object_from_reader(&bucket, "broken", &mut src, 20 * 1024 * 1024, &PutOptions::default());
    let err = err.clean_err();
    assert!(err.to_string().contains("disk on fire"), "{err}");
    assert!(c.list_multipart_uploads(&bucket, "").unwrap().is_empty(), "an upload was left behind");
    assert!(!c.object_exists(&bucket, "broken").unwrap());
    // A stream shorter than declared: also aborted.
    let mut short: &[u8] = &[7u8; 6 * 1024 * 1024];
    let err = c.put_object_from_reader(&bucket, "short", &mut short, 17 * 1024 * 1024, &PutOptions::default());
    assert!(matches!(err, Err(S3Error::InvalidInput(_))), "{err:?}");
    assert!(c.list_multipart_uploads(&bucket, "").unwrap().is_empty());
    // A manual upload that is listed, then aborted.
    let id = c.create_multipart_upload(&bucket, "manual", &PutOptions::default()).unwrap();
    let listed = c.list_multipart_uploads(&bucket, "man").unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].key.as_str(), listed[0].upload_id.as_str()), ("manual", id.as_str()));
    c.abort_multipart_upload(&bucket, "manual", &id).unwrap();
    assert!(c.list_multipart_uploads(&bucket, "").unwrap().is_empty());
}

#[test]
fn presigned_get_and_put() {
    let (_, c) = seaweed();
    let bucket = unique_bucket("presign");
    c.create_bucket(&bucket).unwrap();
    let http = minis3::http::Http::new(&minis3::http::HttpConfig::default()).unwrap();
    let put = c.presign_put(&bucket, "x/é y", 120).unwrap();
    let r = http.send("PUT", &put, &[], minis3::http::Body::Bytes(b"presigned")).unwrap();
    assert_eq!(r.status(), 200);
    let get = c.presign_get(&bucket, "x/é y", 120).unwrap();
    assert_eq!(http.send("GET", &get, &[], minis3::http::Body::Empty).unwrap().read_to_vec(100).unwrap(), b"presigned");
    let bad = get.replace("X-Amz-Credential=minis3test", "X-Amz-Credential=minis3tesx");
    assert_eq!(http.send("GET", &bad, &[], minis3::http::Body::Empty).unwrap().status(), 403);
}
