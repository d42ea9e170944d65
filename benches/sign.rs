//! Signing benchmark: median time per signature over many batches.
//!
//! Run: `cargo bench --bench sign` (add `-- --quick` for a short run).
//! Goals on a 2-core machine: header-signed and presigned GET <= 1 us with a cached signing key,
//! <= 2 us deriving the key each time; a 1 KiB PUT (body hashed) <= 2 us.

use std::hint::black_box;
use std::time::Instant;

use minis3::sigv4::*;

fn sha256_backend() -> &'static str {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if std::is_x86_feature_detected!("sha") && std::is_x86_feature_detected!("sse4.1") {
            return "x86 SHA-NI (sha2 crate, runtime-detected)";
        }
        "software (no SHA-NI on this CPU)"
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("sha2") {
            return "ARMv8 SHA2 extensions (sha2 crate, runtime-detected)";
        }
        "software"
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    {
        "software"
    }
}

/// Runs `f` in batches and returns the median nanoseconds per call.
fn measure(batches: usize, per_batch: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..per_batch {
        f();
    }
    let mut samples: Vec<f64> = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed().as_nanos() as f64 / per_batch as f64
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (batches, per_batch) = if quick { (21, 2_000) } else { (101, 10_000) };
    println!("SHA-256 backend: {}", sha256_backend());

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
    let host = "examplebucket.s3.us-east-1.amazonaws.com";
    let path = encode::encode_path("/channel/linux-64/repodata.json");
    let get =
        SignableRequest { method: "GET", path: &path, query: &[], headers: &[("host", host)], payload: Payload::Empty };
    let body = vec![b'x'; 1024];
    let put = SignableRequest {
        method: "PUT",
        path: &path,
        query: &[],
        headers: &[("host", host), ("content-length", "1024"), ("content-type", "application/octet-stream")],
        payload: Payload::Bytes(&body),
    };

    let rows: Vec<(&str, f64, f64)> = vec![
        (
            "header-signed GET, cached key",
            measure(batches, per_batch, || {
                let key = cache.get(&creds, time.date(), "us-east-1", "s3");
                black_box(sign_headers_with_key(black_box(&get), &params, &key).unwrap());
            }),
            1000.0,
        ),
        (
            "header-signed GET, fresh key",
            measure(batches, per_batch, || {
                black_box(sign_headers(black_box(&get), &params).unwrap());
            }),
            2000.0,
        ),
        (
            "presigned GET, cached key",
            measure(batches, per_batch, || {
                let key = cache.get(&creds, time.date(), "us-east-1", "s3");
                let req = SignableRequest { payload: Payload::Unsigned, ..get };
                black_box(presign_with_key(black_box(&req), &params, 3600, &key).unwrap());
            }),
            1000.0,
        ),
        (
            "presigned GET, fresh key",
            measure(batches, per_batch, || {
                let req = SignableRequest { payload: Payload::Unsigned, ..get };
                black_box(presign(black_box(&req), &params, 3600).unwrap());
            }),
            2000.0,
        ),
        (
            "1 KiB PUT (body hashed), cached key",
            measure(batches, per_batch, || {
                let key = cache.get(&creds, time.date(), "us-east-1", "s3");
                black_box(sign_headers_with_key(black_box(&put), &params, &key).unwrap());
            }),
            2000.0,
        ),
        (
            "signing-key derivation alone",
            measure(batches, per_batch, || {
                black_box(SigningKey::derive(black_box(creds.secret_access_key()), "20130524", "us-east-1", "s3"));
            }),
            f64::INFINITY,
        ),
    ];
    println!("{:<40} {:>12} {:>10}", "case", "median", "goal");
    let mut missed = 0;
    for (name, ns, goal) in rows {
        let verdict = if ns <= goal {
            "ok"
        } else {
            missed += 1;
            "MISSED"
        };
        let goal_s = if goal.is_finite() { format!("{:.1} us", goal / 1000.0) } else { "-".into() };
        println!("{name:<40} {:>9.3} us {goal_s:>10} {verdict}", ns / 1000.0);
    }
    if missed > 0 {
        println!("{missed} goal(s) missed");
    }
}
