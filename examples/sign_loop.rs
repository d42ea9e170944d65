//! Signs (or presigns, with a second argument `presign`) the same GET many times (for profiling the signer: `valgrind --tool=callgrind`).
use minis3::sigv4::*;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    let time: AmzDate = "20130524T000000Z".parse().unwrap();
    let params = SigningParams {
        credentials: &creds,
        region: "us-east-1",
        service: "s3",
        time,
        settings: SigningSettings::s3(),
    };
    let cache = SigningKeyCache::new();
    let path = encode::encode_path("/channel/linux-64/repodata.json");
    let get = SignableRequest {
        method: "GET",
        path: &path,
        query: &[],
        headers: &[("host", "examplebucket.s3.us-east-1.amazonaws.com")],
        payload: Payload::Empty,
    };
    let presigned = std::env::args().nth(2).as_deref() == Some("presign");
    let mut total = 0usize;
    for _ in 0..n {
        let key = cache.get(&creds, time.date(), "us-east-1", "s3");
        total += if presigned {
            let req = SignableRequest { payload: Payload::Unsigned, ..get };
            presign_with_key(&req, &params, 3600, &key).unwrap().signature().len()
        } else {
            sign_headers_with_key(&get, &params, &key).unwrap().signature().len()
        };
    }
    println!("{total}");
}
