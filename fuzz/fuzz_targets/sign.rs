//! Signs arbitrary requests (method, path, query, headers, body, region, expiry) with both the
//! S3 and the generic rules: never a panic; a signature is 64 hex digits; presigning agrees
//! with the expiry bounds; the aws-chunked body has exactly the announced length.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use minis3::sigv4::*;

fn split(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == 0).map(|p| String::from_utf8_lossy(p).into_owned()).collect()
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let expires = u64::from(u32::from_le_bytes([data[0], data[1], data[2], data[3]])) % 700_000;
    let unix = i64::from(i32::from_le_bytes([data[4], data[5], data[6], data[7]]));
    let parts = split(&data[8..]);
    let get = |i: usize| parts.get(i).map(String::as_str).unwrap_or("");
    let creds = Credentials::new("AKIDEXAMPLE", get(0)).with_session_token((!get(1).is_empty()).then(|| get(1)));
    let query: Vec<(&str, &str)> = parts.iter().skip(5).take(4).map(|s| s.split_once('=').unwrap_or((s, ""))).collect();
    let headers: Vec<(&str, &str)> = std::iter::once(("host", "h.example"))
        .chain(parts.iter().skip(9).take(4).map(|s| s.split_once(':').unwrap_or((s, ""))))
        .collect();
    let path = encode::encode_path(get(2));
    for settings in [SigningSettings::s3(), SigningSettings::generic()] {
        let params = SigningParams {
            credentials: &creds,
            region: if get(3).is_empty() { "us-east-1" } else { get(3) },
            service: "s3",
            time: AmzDate::from_unix(unix),
            settings,
        };
        let req = SignableRequest {
            method: "PUT",
            path: &path,
            query: &query,
            headers: &headers,
            payload: Payload::Bytes(get(4).as_bytes()),
        };
        if let Ok(s) = sign_headers(&req, &params) {
            assert_eq!(s.signature().len(), 64);
            assert!(s.authorization().ends_with(s.signature()));
        }
        match presign(&req, &params, expires) {
            Ok(q) => {
                assert!((1..=MAX_PRESIGN_EXPIRY_SECS).contains(&expires));
                assert!(q.query().ends_with(q.signature()));
            }
            Err(SignError::PresignExpiry(e)) => assert_eq!(e, expires),
            Err(_) => {}
        }
    }
    let body = get(4).as_bytes();
    let len = body.len() as u64;
    let mut signer = ChunkedSigner::new(
        body,
        ChunkedParams {
            key: SigningKey::derive(get(0), "20130524", "us-east-1", "s3"),
            time: AmzDate::from_unix(unix),
            region: "us-east-1",
            service: "s3",
            seed_signature: "seed",
            decoded_len: len,
            chunk_size: MIN_CHUNK_SIZE,
            mode: ChunkedMode::SignedWithCrc32cTrailer,
        },
    )
    .unwrap();
    let mut out = Vec::new();
    signer.read_to_end(&mut out).unwrap();
    assert_eq!(out.len() as u64, chunked_encoded_length(len, MIN_CHUNK_SIZE, ChunkedMode::SignedWithCrc32cTrailer));
});
