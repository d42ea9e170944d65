//! Every worked example of the S3 documentation's SigV4 pages (../shared/vectors/s3-doc-examples.json),
//! signed with the S3 rules: header-signed GET/PUT/lifecycle/list, the presigned URL, the
//! aws-chunked upload (seed, every chunk, total length), the chunked upload with a signed CRC32C
//! trailer, and the browser POST policy.

#[path = "support/secrets.rs"]
mod secrets;
use secrets::CleanErr;

mod common;

use std::io::Read;

use minis3::sigv4::*;
use serde_json::Value;

fn doc() -> Value {
    serde_json::from_str(&common::read("s3-doc-examples.json")).expect("s3-doc-examples.json is JSON")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn creds(d: &Value) -> Credentials {
    Credentials::new(s(&d["credentials"]["access_key_id"]), s(&d["credentials"]["secret_access_key"]))
}

fn params<'a>(d: &'a Value, c: &'a Credentials) -> SigningParams<'a> {
    SigningParams {
        credentials: c,
        region: s(&d["region"]),
        service: s(&d["service"]),
        time: s(&d["timestamp"]).parse().unwrap(),
        settings: SigningSettings::s3(),
    }
}

/// The suite writes `Credential=...,SignedHeaders=...`; we send `, ` between the parts, as the
/// AWS SDKs and the generic suite do. Both forms are valid; compare the parts.
fn same_authorization(ours: &str, theirs: &str) -> bool {
    ours.replace(", ", ",") == theirs
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode::percent_decode(k).unwrap(), encode::percent_decode(v).unwrap())
        })
        .collect()
}

fn examples_of_kind(d: &Value, kind: &str) -> Vec<Value> {
    d["examples"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).cloned().collect()
}

#[test]
fn signing_key_matches_the_derived_values() {
    let d = doc();
    let secret = s(&d["credentials"]["secret_access_key"]);
    for (scope, want) in d["derived_signing_key_hex"].as_object().unwrap() {
        let parts: Vec<&str> = scope.split('/').collect();
        if parts.len() != 4 {
            continue; // the "note" entry
        }
        let key = SigningKey::derive(secret, parts[0], parts[1], parts[2]);
        assert_eq!(hex::encode(key.as_bytes()), s(want), "{scope}");
    }
}

#[test]
fn header_signed_examples() {
    let d = doc();
    let c = creds(&d);
    let p = params(&d, &c);
    let examples = examples_of_kind(&d, "header-signed");
    assert_eq!(examples.len(), 4);
    for e in examples {
        let name = s(&e["name"]);
        let i = &e["inputs"];
        // The signer adds x-amz-date and x-amz-content-sha256 itself; give it the rest.
        let headers: Vec<(&str, &str)> = i["request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (s(&h[0]), s(&h[1])))
            .filter(|(n, _)| !n.eq_ignore_ascii_case("x-amz-date") && !n.eq_ignore_ascii_case("x-amz-content-sha256"))
            .collect();
        let query = parse_query(s(&i["query_as_sent"]));
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let path = encode::encode_path(s(&i["path_as_sent"]));
        let body = s(&i["payload_utf8"]).as_bytes();
        let payload = if body.is_empty() { Payload::Empty } else { Payload::Bytes(body) };
        let req = SignableRequest { method: s(&i["method"]), path: &path, query: &query, headers: &headers, payload };
        let (signed, ex) = explain_headers(&req, &p).unwrap();
        let x = &e["expected"];
        assert_eq!(ex.canonical_request, s(&x["canonical_request"]), "{name}");
        assert_eq!(sha256_hex(ex.canonical_request.as_bytes()), s(&x["canonical_request_sha256"]), "{name}");
        assert_eq!(ex.string_to_sign, s(&x["string_to_sign"]), "{name}");
        assert_eq!(signed.signature(), s(&x["signature"]), "{name}");
        assert!(
            same_authorization(signed.authorization(), s(&x["authorization"])),
            "{name}: {}",
            signed.authorization()
        );
        let sent: Vec<(&str, &str)> = signed.headers().collect();
        assert!(sent.contains(&("x-amz-content-sha256", s(&i["payload_sha256"]))), "{name}: payload hash header");
        assert!(sent.contains(&("x-amz-date", "20130524T000000Z")), "{name}: date header");

        // Query order does not matter: the list example given as prefix=J&max-keys=2.
        if query.len() > 1 {
            let reversed: Vec<(&str, &str)> = query.iter().rev().copied().collect();
            let req2 = SignableRequest { query: &reversed, ..req };
            assert_eq!(sign_headers(&req2, &p).unwrap().signature(), s(&x["signature"]), "{name}: reordered query");
        }
        // A cached key gives the same signature as a fresh one.
        let cache = SigningKeyCache::new();
        let key = cache.get(&c, "20130524", "us-east-1", "s3");
        assert_eq!(sign_headers_with_key(&req, &p, &key).unwrap().signature(), s(&x["signature"]));
    }
}

#[test]
fn presigned_example() {
    let d = doc();
    let c = creds(&d);
    let p = params(&d, &c);
    let e = &examples_of_kind(&d, "presigned")[0];
    let i = &e["inputs"];
    let x = &e["expected"];
    let host = s(&i["host"]);
    let path = encode::encode_path(s(&i["path"]));
    let req = SignableRequest {
        method: s(&i["method"]),
        path: &path,
        query: &[],
        headers: &[("host", host)],
        payload: Payload::Unsigned,
    };
    let (q, ex) = explain_presign(&req, &p, i["expires_seconds"].as_u64().unwrap()).unwrap();
    assert_eq!(ex.canonical_request, s(&x["canonical_request"]));
    assert_eq!(ex.string_to_sign, s(&x["string_to_sign"]));
    assert_eq!(q.signature(), s(&x["signature"]));
    assert_eq!(q.url("https", host, &path), s(&x["presigned_url"]));
}

#[test]
fn presign_expiry_bounds() {
    let d = doc();
    let c = creds(&d);
    let p = params(&d, &c);
    let req = SignableRequest {
        method: "GET",
        path: "/k",
        query: &[],
        headers: &[("host", "h")],
        payload: Payload::Unsigned,
    };
    for bad in [0, 604_801, u64::MAX] {
        let err = presign(&req, &p, bad).clean_err();
        assert_eq!(err, SignError::PresignExpiry(bad));
        assert!(err.to_string().contains("604800"), "{err}");
    }
    for good in [1, 604_800] {
        assert!(presign(&req, &p, good).unwrap().query().contains(&format!("X-Amz-Expires={good}&")));
    }
}

/// Splits an aws-chunked body into (header line, data) pieces and the trailing bytes.
fn split_chunks(body: &[u8]) -> (Vec<(String, usize)>, Vec<u8>) {
    let mut pieces = Vec::new();
    let mut pos = 0;
    loop {
        let end = body[pos..].windows(2).position(|w| w == b"\r\n").unwrap() + pos;
        let line = String::from_utf8(body[pos..end + 2].to_vec()).unwrap();
        let size = usize::from_str_radix(line.split(';').next().unwrap().trim_end(), 16).unwrap();
        pos = end + 2;
        pieces.push((line, size));
        if size == 0 {
            return (pieces, body[pos..].to_vec());
        }
        assert!(body[pos..pos + size].iter().all(|&b| b == b'a'));
        pos += size;
        assert_eq!(&body[pos..pos + 2], b"\r\n");
        pos += 2;
    }
}

fn chunked_case(kind: &str, mode: ChunkedMode, extra_headers: &[(&str, &str)], sign_content_length: bool) {
    let d = doc();
    let c = creds(&d);
    let p = params(&d, &c);
    let e = &examples_of_kind(&d, kind)[0];
    let name = s(&e["name"]);
    let i = &e["inputs"];
    let x = &e["expected"];
    let len = i["object_bytes"].as_u64().unwrap();
    let chunk = i["chunk_size"].as_u64().unwrap() as usize;
    let encoded = chunked_encoded_length(len, chunk, mode);
    let encoded_s = encoded.to_string();
    let len_s = len.to_string();
    let mut headers = vec![
        ("host", "s3.amazonaws.com"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", len_s.as_str()),
    ];
    if sign_content_length {
        headers.push(("content-length", encoded_s.as_str()));
    }
    headers.extend_from_slice(extra_headers);
    let path = encode::encode_path("/examplebucket/chunkObject.txt");
    let req = SignableRequest { method: "PUT", path: &path, query: &[], headers: &headers, payload: mode.payload() };
    let (seed, ex) = explain_headers(&req, &p).unwrap();
    if let Some(want) = x.get("seed_canonical_request") {
        assert_eq!(ex.canonical_request, s(want), "{name}: seed canonical request");
    }
    assert_eq!(sha256_hex(ex.canonical_request.as_bytes()), s(&x["seed_canonical_request_sha256"]), "{name}");
    assert_eq!(ex.string_to_sign, s(&x["seed_string_to_sign"]), "{name}");
    assert_eq!(seed.signature(), s(&x["seed_signature"]), "{name}");
    if let Some(want) = x.get("authorization") {
        assert!(same_authorization(seed.authorization(), s(want)), "{name}: {}", seed.authorization());
    }

    let key = SigningKey::derive(c.secret_access_key(), "20130524", "us-east-1", "s3");
    let body_in = std::io::repeat(b'a').take(len);
    let mut signer = ChunkedSigner::new(
        body_in,
        ChunkedParams {
            key,
            time: p.time,
            region: "us-east-1",
            service: "s3",
            seed_signature: seed.signature(),
            decoded_len: len,
            chunk_size: chunk,
            mode,
        },
    )
    .unwrap();
    let mut body = Vec::new();
    signer.read_to_end(&mut body).unwrap();
    let want_len = x.get("encoded_body_length").or_else(|| x.get("encoded_body_length_derived")).unwrap();
    assert_eq!(body.len() as u64, want_len.as_u64().unwrap(), "{name}: encoded length");
    assert_eq!(body.len() as u64, encoded, "{name}: computed length");

    let (pieces, tail) = split_chunks(&body);
    let chunks = x["chunks"].as_array().unwrap();
    assert_eq!(pieces.len(), chunks.len(), "{name}: chunk count");
    let scope = credential_scope("20130524", "us-east-1", "s3");
    for (k, ((line, size), want)) in pieces.iter().zip(chunks).enumerate() {
        assert_eq!(*size as u64, want["length"].as_u64().unwrap());
        assert_eq!(line, s(&want["chunk_header_line"]), "{name}: chunk {k} header line");
        let sts = chunk_string_to_sign(&p.time, &scope, s(&want["previous_signature"]), s(&want["data_sha256"]));
        assert_eq!(sts, s(&want["string_to_sign"]), "{name}: chunk {k} string to sign");
        assert_eq!(
            hex::encode(SigningKey::derive(c.secret_access_key(), "20130524", "us-east-1", "s3").sign(sts.as_bytes())),
            s(&want["signature"])
        );
    }
    match x.get("body_tail_after_final_chunk_header") {
        Some(t) => {
            assert_eq!(String::from_utf8(tail).unwrap(), s(t), "{name}: trailer");
            let last = s(&chunks.last().unwrap()["signature"]);
            let sts = trailer_string_to_sign(&p.time, &scope, last, s(&x["canonical_trailer"]));
            assert_eq!(sts, s(&x["trailer_string_to_sign"]), "{name}: trailer string to sign");
        }
        None => assert_eq!(tail, b"\r\n", "{name}: body ends with CRLF"),
    }
}

#[test]
fn chunked_upload_example() {
    chunked_case("aws-chunked", ChunkedMode::Signed, &[], true);
}

#[test]
fn chunked_upload_with_signed_crc32c_trailer_example() {
    // The page signs no Content-Length in this example (the file's notes say so).
    chunked_case(
        "aws-chunked-trailer",
        ChunkedMode::SignedWithCrc32cTrailer,
        &[("x-amz-trailer", "x-amz-checksum-crc32c")],
        false,
    );
}

#[test]
fn post_policy_example() {
    let d = doc();
    let c = creds(&d);
    let e = &examples_of_kind(&d, "post-policy")[0];
    let i = &e["inputs"];
    let policy_b64 = base64::encode(s(&i["policy_json"]).as_bytes());
    assert_eq!(policy_b64, s(&e["expected"]["policy_base64"]));
    let sig = sign_post_policy(&c, s(&i["date"]), s(&i["region"]), s(&i["service"]), &policy_b64);
    assert_eq!(sig, s(&e["expected"]["signature"]));
}

#[test]
fn every_example_is_covered() {
    let d = doc();
    let kinds: Vec<&str> = d["examples"].as_array().unwrap().iter().map(|e| s(&e["kind"])).collect();
    let known = ["header-signed", "presigned", "aws-chunked", "aws-chunked-trailer", "post-policy"];
    for k in &kinds {
        assert!(known.contains(k), "example kind {k} has no test");
    }
    assert_eq!(kinds.len(), 8);
}
