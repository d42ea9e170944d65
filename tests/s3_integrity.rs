//! Checksums end to end against s3s-fs, through a proxy on 127.0.0.1 that flips one bit of a
//! request or response body: an upload corrupted on the way is refused by the server (nothing
//! stored, an older object unchanged), a download corrupted on the way is retried once from
//! scratch and otherwise fails with nothing renamed into place and no temporary file left.
#![cfg(feature = "client")]

mod support;

use support::secrets::CleanErr;

use std::path::Path;

use minis3::s3::{ChecksumWhen, Client, ClientConfig, GetOptions, PutOptions, S3Error};
use support::secrets::assert_clean_error;
use support::{test_bytes, test_config, unique_bucket, CheckedNotices, Fault, FaultProxy, S3sFs, TestServer};

const MIB: usize = 1024 * 1024;

fn s3s_config(endpoint: &str) -> ClientConfig {
    let mut cfg = test_config(endpoint);
    cfg.list_url_encoding = false;
    cfg
}

fn client(cfg: ClientConfig) -> Client {
    Client::new(cfg).expect("client")
}

/// Small parts so that a few MiB make a multipart upload / a parallel download.
fn small_parts(mut cfg: ClientConfig) -> ClientConfig {
    cfg.part_size = 5 * MIB as u64;
    cfg.multipart_threshold = 5 * MIB as u64;
    cfg
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn stored(c: &Client, bucket: &str, key: &str) -> Option<Vec<u8>> {
    match c.get_object_bytes(bucket, key, 1 << 30) {
        Ok((_, b)) => Some(b),
        Err(e) if e.status() == Some(404) => None,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_corrupted_single_put_is_refused_and_the_old_object_kept() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("crc-put");
    direct.create_bucket(&bucket).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    let data = test_bytes(3 * MIB + 5, 1);
    std::fs::write(&file, &data).unwrap();
    let old = test_bytes(1000, 2);
    direct.put_object(&bucket, "kept", &old, &PutOptions::default()).unwrap();

    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperBody; 8]);
    let via = client(s3s_config(&proxy.endpoint()));
    for key in ["new", "kept"] {
        let err = via.put_object_from_file(&bucket, key, &file, &PutOptions::default()).clean_err();
        assert!((400..500).contains(&err.status().unwrap_or(0)), "{}", assert_clean_error(&err));
    }
    assert_eq!(stored(&direct, &bucket, "new"), None, "a corrupted body was stored");
    assert_eq!(stored(&direct, &bucket, "kept"), Some(old));
    // A file to a loopback endpoint goes in one pass, its CRC32C in an unsigned trailer.
    let head = proxy.heads()[0].to_ascii_lowercase();
    assert!(head.contains("x-amz-trailer: x-amz-checksum-crc32c"), "{head}");
    assert!(head.contains("streaming-unsigned-payload-trailer"), "{head}");

    // Untouched, the same upload is stored, with its checksum, in one request: s3s-fs names
    // the checksum it checked, so no HEAD follows.
    let counted = FaultProxy::start(server.port(), vec![]);
    client(s3s_config(&counted.endpoint()))
        .put_object_from_file(&bucket, "new", &file, &PutOptions::default())
        .unwrap();
    assert_eq!(counted.heads().len(), 1, "{:?}", counted.heads());
    let obj = direct.get_object(&bucket, "new", &GetOptions { checksum_mode: true, ..Default::default() }).unwrap();
    let want = minis3::s3::crc32c_header(minis3::sigv4::Crc32c::checksum(&data));
    assert_eq!(obj.meta.checksum_crc32c.as_deref(), Some(want.as_str()));

    // when_required: no checksum is sent, and the corruption goes through (as before).
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.request_checksums = Some(ChecksumWhen::WhenRequired);
    client(cfg).put_object_from_file(&bucket, "unchecked", &file, &PutOptions::default()).unwrap();
    assert_ne!(stored(&direct, &bucket, "unchecked").unwrap(), data);
}

/// A server that keeps the aws-chunked framing of a trailer upload as the object's content
/// (s3rver does; SeaweedFS and rclone did before their fixes) is caught by the HEAD that
/// follows an answer naming no checksum, and the file is sent again with the header. Here the
/// proxy plays such a server's answer to the first PUT, over an object of the wrong length.
#[test]
fn a_trailer_stored_raw_is_caught_and_the_file_sent_again_with_the_header() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("crc-raw");
    direct.create_bucket(&bucket).unwrap();
    let (_dir, file) = write_temp(&test_bytes(MIB + 9, 3));
    let framed = test_bytes(MIB + 9 + 90, 4);
    let etag = direct.put_object(&bucket, "f", &framed, &PutOptions::default()).unwrap().etag.unwrap();
    let answer = format!("HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n");
    let proxy = FaultProxy::start(server.port(), vec![Fault::Respond(answer)]);
    let notices = CheckedNotices::new();
    let mut cfg = s3s_config(&proxy.endpoint());
    cfg.notices = notices.clone();
    client(cfg).put_object_from_file(&bucket, "f", &file, &PutOptions::default()).unwrap();
    let heads: Vec<String> = proxy.heads().iter().map(|h| h.to_ascii_lowercase()).collect();
    assert_eq!(heads.len(), 3, "{heads:?}");
    assert!(heads[0].starts_with("put ") && heads[0].contains("streaming-unsigned-payload-trailer"), "{}", heads[0]);
    assert!(heads[1].starts_with("head "), "{}", heads[1]);
    assert!(heads[2].starts_with("put ") && heads[2].contains("x-amz-checksum-crc32c:"), "{}", heads[2]);
    assert!(heads[2].contains(&format!("if-match: {}", etag.to_ascii_lowercase())), "{}", heads[2]);
    assert_eq!(stored(&direct, &bucket, "f").unwrap(), std::fs::read(&file).unwrap());
    assert!(notices.all().iter().any(|n| n.contains("stored the aws-chunked body")), "{:?}", notices.all());
}

fn corrupted_multipart(request_checksums: Option<ChecksumWhen>) {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("crc-mpu");
    direct.create_bucket(&bucket).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    let data = test_bytes(12 * MIB + 3, 3);
    std::fs::write(&file, &data).unwrap();

    // Connection 0 is CreateMultipartUpload; the parts follow.
    let proxy =
        FaultProxy::start(server.port(), vec![Fault::Pass, Fault::TamperBody, Fault::TamperBody, Fault::TamperBody]);
    let mut cfg = small_parts(s3s_config(&proxy.endpoint()));
    cfg.request_checksums = request_checksums;
    let via = client(cfg);
    let err = via.put_object_from_file(&bucket, "mpu", &file, &PutOptions::default()).clean_err();
    assert!((400..500).contains(&err.status().unwrap_or(0)), "{}", assert_clean_error(&err));
    assert_eq!(stored(&direct, &bucket, "mpu"), None, "a corrupted part was stored");
    let heads = proxy.heads();
    assert!(
        heads.iter().any(|h| h.starts_with("PUT") && h.contains("partNumber") && h.contains("x-amz-checksum-crc32c")),
        "{heads:?}"
    );

    // Untouched, it goes through and reads back identical.
    let mut cfg = small_parts(s3s_config(&server.endpoint()));
    cfg.request_checksums = request_checksums;
    let put = client(cfg).put_object_from_file(&bucket, "mpu", &file, &PutOptions::default()).unwrap();
    assert_eq!(put.parts, 3);
    assert_eq!(stored(&direct, &bucket, "mpu").unwrap(), data);
}

#[test]
fn a_corrupted_part_is_refused_with_the_custom_endpoint_default() {
    corrupted_multipart(None);
}

#[test]
fn a_corrupted_part_is_refused_with_declared_crc32c_multipart() {
    corrupted_multipart(Some(ChecksumWhen::WhenSupported));
}

/// Uploads `len` bytes (with their CRC32C) and returns a client through a proxy applying
/// `faults`, the data, the proxy and the server.
fn download_setup(len: usize, faults: Vec<Fault>) -> (S3sFs, String, Vec<u8>, FaultProxy) {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("crc-get");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(len, 7);
    direct.put_object(&bucket, "obj", &data, &PutOptions::default()).unwrap();
    let proxy = FaultProxy::start(server.port(), faults);
    (server, bucket, data, proxy)
}

fn check_download(len: usize) {
    // One corrupted answer: detected, downloaded again from scratch, correct.
    let (_server, bucket, data, proxy) = download_setup(len, vec![Fault::TamperResponseBody]);
    let notices = CheckedNotices::new();
    let mut cfg = small_parts(s3s_config(&proxy.endpoint()));
    cfg.notices = notices.clone();
    let c = client(cfg);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.bin");
    let r = c.download_to_file(&bucket, "obj", &dest).unwrap();
    assert!(r.crc32c_checked, "{r:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    assert!(notices.all().iter().any(|n| n.contains("CRC32C") && n.contains("again")), "{:?}", notices.all());
    assert_eq!(files_in(dir.path()), vec!["out.bin".to_owned()]);

    // Every answer corrupted: fails, names both checksums, writes nothing, leaves nothing.
    let (_server, bucket, _data, proxy) = download_setup(len, vec![Fault::TamperResponseBody; 64]);
    let c = client(small_parts(s3s_config(&proxy.endpoint())));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.bin");
    let err = c.download_to_file(&bucket, "obj", &dest).clean_err();
    assert!(matches!(err, S3Error::Integrity(minis3::s3::IntegrityError::Checksum { .. })), "{err}");
    let msg = assert_clean_error(&err);
    assert!(msg.contains("CRC32C") && msg.contains("nothing was written") && msg.contains(&bucket), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
}

/// An object stored without a CRC32C is checked by its MD5 ETag instead: a corrupted answer
/// fails, with nothing renamed into place and no temporary file left.
#[test]
fn a_corrupted_download_of_an_object_without_crc32c_fails_its_md5() {
    let server = S3sFs::start();
    let mut cfg = s3s_config(&server.endpoint());
    cfg.request_checksums = Some(ChecksumWhen::WhenRequired);
    let direct = client(cfg);
    let bucket = unique_bucket("md5-get");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(2 * MIB + 3, 8);
    direct.put_object(&bucket, "obj", &data, &PutOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.bin");
    let r = direct.download_listed(&bucket, "obj", &dest, Some(data.len() as u64)).unwrap();
    assert!(r.md5_checked && !r.crc32c_checked, "{r:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), data);

    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperResponseBody; 8]);
    let c = client(s3s_config(&proxy.endpoint()));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.bin");
    let err = c.download_listed(&bucket, "obj", &dest, Some(data.len() as u64)).clean_err();
    assert!(matches!(err, S3Error::Integrity(minis3::s3::IntegrityError::Md5 { .. })), "{err}");
    let msg = assert_clean_error(&err);
    assert!(msg.contains("MD5") || msg.contains("md5"), "{msg}");
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
}

#[test]
fn a_corrupted_single_stream_download_is_retried_then_refused() {
    check_download(3 * MIB + 11);
}

#[test]
fn a_corrupted_parallel_download_is_retried_then_refused() {
    check_download(17 * MIB + 11);
}

/// Refused by the server: a 4xx, or (a stream, which the server may answer and close before
/// it has all been sent) the connection closed under the upload.
fn refused(err: &S3Error) -> bool {
    match err.status() {
        Some(s) => (400..500).contains(&s),
        None => matches!(err, S3Error::Transport(_)),
    }
}

/// A streamed upload (a reader, not a file) sends its CRC32C as an aws-chunked trailer:
/// signed chunks and trailer (the default over http), and unsigned ones (`UNSIGNED-PAYLOAD`
/// asked for). One bit flipped in the data on the way: refused by s3s-fs (which checks every
/// chunk signature and the trailer's CRC32C), nothing stored; untouched: stored, with the
/// trailer's CRC32C as the object's checksum.
#[test]
fn a_corrupted_streamed_upload_is_refused_through_its_trailer() {
    let server = S3sFs::start();
    let direct = client(s3s_config(&server.endpoint()));
    let bucket = unique_bucket("crc-stream");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(MIB + 77, 5);
    let want = minis3::s3::crc32c_header(minis3::sigv4::Crc32c::checksum(&data));
    let unsigned = PutOptions { payload: minis3::s3::PayloadSigning::Unsigned, ..Default::default() };
    for (name, opts, content_sha) in [
        ("signed", PutOptions::default(), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
        ("unsigned", unsigned, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
    ] {
        let proxy = FaultProxy::start(server.port(), vec![Fault::TamperBodyMiddle, Fault::Pass]);
        let mut cfg = s3s_config(&proxy.endpoint());
        cfg.request_checksums = Some(ChecksumWhen::WhenSupported);
        let via = client(cfg);
        let put = |key: &str| via.put_object_from_reader(&bucket, key, &mut &data[..], data.len() as u64, &opts);
        let err = put(name).clean_err();
        assert!(refused(&err), "{name}: {}", assert_clean_error(&err));
        assert_eq!(stored(&direct, &bucket, name), None, "{name}: a corrupted stream was stored");
        let head = proxy.heads()[0].to_ascii_lowercase();
        assert!(head.contains("x-amz-trailer: x-amz-checksum-crc32c"), "{head}");
        assert!(head.contains(&content_sha.to_ascii_lowercase()), "{head}");

        put(name).unwrap();
        let obj = direct.get_object(&bucket, name, &GetOptions { checksum_mode: true, ..Default::default() }).unwrap();
        assert_eq!(obj.meta.checksum_crc32c.as_deref(), Some(want.as_str()), "{name}");
        assert_eq!(obj.read_to_vec(1 << 30).unwrap(), data, "{name}");
    }
    // The custom-endpoint default: signed chunks without a trailer (still refused when
    // flipped: the chunk signature covers the data).
    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperBodyMiddle]);
    let via = client(s3s_config(&proxy.endpoint()));
    let err = via
        .put_object_from_reader(&bucket, "plain", &mut &data[..], data.len() as u64, &PutOptions::default())
        .clean_err();
    assert!(refused(&err), "{}", assert_clean_error(&err));
    let head = proxy.heads()[0].to_ascii_lowercase();
    assert!(head.contains("streaming-aws4-hmac-sha256-payload\r\n") && !head.contains("x-amz-trailer"), "{head}");
    assert_eq!(stored(&direct, &bucket, "plain"), None);
}

/// A declared multipart upload (`when_supported`) is a FULL_OBJECT CRC32C: the completion
/// carries the whole object's CRC32C (combined from the parts'), the server stores it, and a
/// parallel download verifies it (with one corrupted range: detected, downloaded again).
#[test]
fn a_full_object_multipart_checksum_is_stored_and_verified_on_download() {
    let server = S3sFs::start();
    let bucket = unique_bucket("crc-full");
    let data = test_bytes(12 * MIB + 3, 9);
    let want = minis3::s3::crc32c_header(minis3::sigv4::Crc32c::checksum(&data));
    let proxy = FaultProxy::start(server.port(), vec![]);
    let mut cfg = small_parts(s3s_config(&proxy.endpoint()));
    cfg.request_checksums = Some(ChecksumWhen::WhenSupported);
    let up = client(cfg);
    up.create_bucket(&bucket).unwrap();
    let put =
        up.put_object_from_reader(&bucket, "obj", &mut &data[..], data.len() as u64, &PutOptions::default()).unwrap();
    assert_eq!(put.parts, 3);
    let heads = proxy.heads();
    let create = heads.iter().find(|h| h.starts_with("POST") && h.contains("?uploads")).unwrap().to_ascii_lowercase();
    assert!(create.contains("x-amz-checksum-algorithm: crc32c") && create.contains("x-amz-checksum-type: full_object"));
    let complete =
        heads.iter().find(|h| h.starts_with("POST") && h.contains("uploadId=")).unwrap().to_ascii_lowercase();
    assert!(complete.contains(&format!("x-amz-checksum-crc32c: {}", want.to_ascii_lowercase())), "{complete}");

    let direct = client(s3s_config(&server.endpoint()));
    let head = direct.get_object(&bucket, "obj", &GetOptions { checksum_mode: true, ..Default::default() }).unwrap();
    assert_eq!(head.meta.checksum_crc32c.as_deref(), Some(want.as_str()));
    drop(head);

    // The first range (one connection) passes, the second is corrupted.
    let proxy = FaultProxy::start(server.port(), vec![Fault::Pass, Fault::TamperResponseBody]);
    let notices = CheckedNotices::new();
    let mut cfg = small_parts(s3s_config(&proxy.endpoint()));
    cfg.notices = notices.clone();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.bin");
    let r = client(cfg).download_to_file(&bucket, "obj", &dest).unwrap();
    assert!(r.crc32c_checked && r.requests > 1, "{r:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), data);
    assert!(notices.all().iter().any(|n| n.contains("CRC32C") && n.contains("again")), "{:?}", notices.all());
    assert_eq!(files_in(dir.path()), vec!["out.bin".to_owned()]);
}

/// What SeaweedFS 4.48 does with the checksums (recorded in the README): it verifies
/// `x-amz-checksum-crc32c` on PUT and UploadPart, the signed and unsigned CRC32C trailers (a
/// flipped bit: 400, or 500 for a bad chunk signature; nothing stored), stores the CRC32C and
/// returns it under `x-amz-checksum-mode: ENABLED` on a whole-object GET (not on a range),
/// accepts a FULL_OBJECT CRC32C multipart upload and stores its full-object checksum; a
/// parallel download of it is verified.
#[test]
fn seaweedfs_verifies_stores_and_returns_crc32c() {
    use minis3::s3::PayloadSigning;
    use minis3::sigv4::ChunkedMode;
    let server = support::Seaweed::shared();
    let direct = client(test_config(&server.endpoint()));
    let bucket = unique_bucket("crc-weed");
    direct.create_bucket(&bucket).unwrap();
    let data = test_bytes(MIB + 77, 5);
    let want = minis3::s3::crc32c_header(minis3::sigv4::Crc32c::checksum(&data));
    let stored_crc = |key: &str| {
        let o = direct.get_object(&bucket, key, &GetOptions { checksum_mode: true, ..Default::default() }).unwrap();
        let crc = o.meta.checksum_crc32c.clone();
        assert_eq!(o.read_to_vec(1 << 30).unwrap(), data, "{key}");
        crc
    };
    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperBodyMiddle; 8]);
    let via = client(test_config(&proxy.endpoint()));

    // One PUT with the header.
    let unsigned = PutOptions { payload: PayloadSigning::Unsigned, ..Default::default() };
    let err = via.put_object(&bucket, "put", &data, &unsigned).clean_err();
    assert_eq!(err.status(), Some(400), "{}", assert_clean_error(&err));
    assert_eq!(stored(&direct, &bucket, "put"), None);
    direct.put_object(&bucket, "put", &data, &unsigned).unwrap();
    assert_eq!(stored_crc("put").as_deref(), Some(want.as_str()));
    let ranged =
        GetOptions { checksum_mode: true, range: Some(minis3::s3::ByteRange::Inclusive(0, 99)), ..Default::default() };
    assert_eq!(direct.get_object(&bucket, "put", &ranged).unwrap().meta.checksum_crc32c, None);

    // A file: one pass, the CRC32C in an unsigned trailer; refused when flipped, then stored
    // with its checksum (SeaweedFS names it in the answer: no HEAD follows).
    let (_dir, file) = write_temp(&data);
    let err = via.put_object_from_file(&bucket, "file", &file, &PutOptions::default()).clean_err();
    assert_eq!(err.status(), Some(400), "{}", assert_clean_error(&err));
    assert_eq!(stored(&direct, &bucket, "file"), None);
    let counted = FaultProxy::start(server.port(), vec![]);
    client(test_config(&counted.endpoint()))
        .put_object_from_file(&bucket, "file", &file, &PutOptions::default())
        .unwrap();
    let heads = counted.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].to_ascii_lowercase().contains("streaming-unsigned-payload-trailer"), "{}", heads[0]);
    assert_eq!(stored_crc("file").as_deref(), Some(want.as_str()));

    // Streams with trailers; signed chunks without a trailer store no checksum.
    for (key, mode, status, crc) in [
        ("signed-trailer", ChunkedMode::SignedWithCrc32cTrailer, 500, Some(want.as_str())),
        ("unsigned-trailer", ChunkedMode::UnsignedWithCrc32cTrailer, 400, Some(want.as_str())),
        ("signed", ChunkedMode::Signed, 500, None),
    ] {
        let opts = PutOptions { payload: PayloadSigning::Chunked(mode), ..Default::default() };
        let err = via.put_object_from_reader(&bucket, key, &mut &data[..], data.len() as u64, &opts).clean_err();
        assert_eq!(err.status(), Some(status), "{key}: {}", assert_clean_error(&err));
        assert_eq!(stored(&direct, &bucket, key), None, "{key}");
        direct.put_object_from_reader(&bucket, key, &mut &data[..], data.len() as u64, &opts).unwrap();
        assert_eq!(stored_crc(key).as_deref(), crc, "{key}");
    }

    // Multipart: a flipped part refused (declared or not); FULL_OBJECT stored and verified.
    let big = test_bytes(12 * MIB + 3, 9);
    let want_big = minis3::s3::crc32c_header(minis3::sigv4::Crc32c::checksum(&big));
    for (declared, crc) in [(None, None), (Some(ChecksumWhen::WhenSupported), Some(want_big.as_str()))] {
        let faults = vec![Fault::Pass, Fault::TamperBody, Fault::TamperBody, Fault::TamperBody];
        let proxy = FaultProxy::start(server.port(), faults);
        let mut cfg = small_parts(test_config(&proxy.endpoint()));
        cfg.request_checksums = declared;
        let err = client(cfg).put_object_from_file(&bucket, "mpu", &write_temp(&big).1, &PutOptions::default());
        let err = err.clean_err();
        assert_eq!(err.status(), Some(400), "{declared:?}: {}", assert_clean_error(&err));
        assert_eq!(stored(&direct, &bucket, "mpu"), None);
        let mut cfg = small_parts(test_config(&server.endpoint()));
        cfg.request_checksums = declared;
        let up = client(cfg);
        up.put_object_from_reader(&bucket, "mpu", &mut &big[..], big.len() as u64, &PutOptions::default()).unwrap();
        let meta = direct.get_object(&bucket, "mpu", &GetOptions { checksum_mode: true, ..Default::default() });
        assert_eq!(meta.unwrap().meta.checksum_crc32c.as_deref(), crc, "{declared:?}");
        let dir = tempfile::tempdir().unwrap();
        let r = up.download_to_file(&bucket, "mpu", &dir.path().join("out")).unwrap();
        assert_eq!(r.crc32c_checked, crc.is_some(), "{declared:?}: {r:?}");
        assert_eq!(std::fs::read(dir.path().join("out")).unwrap(), big);
        direct.delete_object(&bucket, "mpu").unwrap();
    }
}

/// `data` in a temporary file: (its directory, its path).
fn write_temp(data: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, data).unwrap();
    (dir, path)
}

/// Uploads `data` to SeaweedFS as a COMPOSITE CRC32C multipart upload of 5 MiB parts, signed
/// by curl (an independent client; minis3 itself uploads FULL_OBJECT): the object's stored
/// checksum is the CRC32C of the parts' CRC32Cs, `…-N`.
fn composite_upload(server: &support::Seaweed, bucket: &str, key: &str, data: &[u8]) -> String {
    use md5::Digest;
    let (status, body) =
        server.curl("POST", &format!("/{bucket}/{key}?uploads="), None, &[("x-amz-checksum-algorithm", "CRC32C")]);
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, 200, "{body}");
    let id = body.split("<UploadId>").nth(1).and_then(|r| r.split("</UploadId>").next()).expect(&body).to_owned();
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (i, part) in data.chunks(5 * MIB).enumerate() {
        let crc = minis3::s3::crc32c_header(minis3::sigv4::Crc32c::checksum(part));
        let path = format!("/{bucket}/{key}?partNumber={}&uploadId={id}", i + 1);
        let (status, body) = server.curl("PUT", &path, Some(part), &[("x-amz-checksum-crc32c", &crc)]);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let etag = minis3::sigv4::encode::to_hex(&md5::Md5::digest(part));
        xml += &format!(
            "<Part><PartNumber>{}</PartNumber><ETag>\"{etag}\"</ETag><ChecksumCRC32C>{crc}</ChecksumCRC32C></Part>",
            i + 1
        );
    }
    xml += "</CompleteMultipartUpload>";
    let (status, body) = server.curl("POST", &format!("/{bucket}/{key}?uploadId={id}"), Some(xml.as_bytes()), &[]);
    let body = String::from_utf8_lossy(&body).into_owned();
    assert!(status == 200 && body.contains("<ChecksumType>COMPOSITE</ChecksumType>"), "{body}");
    body.split("<ChecksumCRC32C>").nth(1).and_then(|r| r.split("</ChecksumCRC32C>").next()).expect(&body).to_owned()
}

/// A composite checksum (`…-3`) is verified whatever the download's ranges (5 MiB ranges on
/// the parts, 8 MiB ranges across them, or one stream with `when_supported`): the parts' CRC32Cs are rebuilt from
/// the 1 MiB pieces. A corrupted range is detected and downloaded again; corrupted every time,
/// the download fails naming both checksums, and nothing is left in the directory.
#[test]
fn a_composite_checksum_is_verified_on_seaweedfs() {
    let server = support::Seaweed::shared();
    let bucket = unique_bucket("crc-comp");
    client(test_config(&server.endpoint())).create_bucket(&bucket).unwrap();
    let data = test_bytes(12 * MIB + 3, 9);
    let stored = composite_upload(server, &bucket, "obj", &data);
    assert!(stored.ends_with("-3"), "{stored}");

    let aligned = small_parts(test_config(&server.endpoint()));
    let mut across = test_config(&server.endpoint());
    across.part_size = 8 * MIB as u64;
    let mut one_stream = test_config(&server.endpoint());
    one_stream.part_size = 16 * MIB as u64;
    // SeaweedFS sends no checksum with a ranged answer, even one covering the whole object:
    // a one-stream download asks with a HEAD on AWS, or when asked to (a custom endpoint's
    // default spares small downloads that request).
    one_stream.response_checksums = Some(ChecksumWhen::WhenSupported);
    for (name, cfg) in [("aligned", aligned), ("across", across), ("one stream", one_stream)] {
        let dir = tempfile::tempdir().unwrap();
        let r = client(cfg).download_to_file(&bucket, "obj", &dir.path().join("out")).unwrap();
        assert!(r.crc32c_checked, "{name}: {r:?}");
        assert_eq!(std::fs::read(dir.path().join("out")).unwrap(), data, "{name}");
    }

    // Through the proxy: the second range corrupted once, then every answer corrupted.
    let proxy = FaultProxy::start(server.port(), vec![Fault::Pass, Fault::TamperResponseBody]);
    let notices = CheckedNotices::new();
    let mut cfg = test_config(&proxy.endpoint());
    cfg.notices = notices.clone();
    let dir = tempfile::tempdir().unwrap();
    let r = client(cfg).download_to_file(&bucket, "obj", &dir.path().join("out")).unwrap();
    assert!(r.crc32c_checked && r.requests > 1, "{r:?}");
    assert_eq!(std::fs::read(dir.path().join("out")).unwrap(), data);
    assert!(notices.all().iter().any(|n| n.contains("-3") && n.contains("again")), "{:?}", notices.all());

    let proxy = FaultProxy::start(server.port(), vec![Fault::TamperResponseBody; 64]);
    let dir = tempfile::tempdir().unwrap();
    let err = client(test_config(&proxy.endpoint())).download_to_file(&bucket, "obj", &dir.path().join("out"));
    let err = err.clean_err();
    let msg = assert_clean_error(&err);
    assert!(matches!(err, S3Error::Integrity(minis3::s3::IntegrityError::Checksum { .. })), "{msg}");
    assert!(msg.contains(&stored) && msg.contains("nothing was written"), "{msg}");
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
}
