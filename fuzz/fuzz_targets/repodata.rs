//! Arbitrary bytes through the repodata.json reader (whole and streaming, plain and zstd),
//! the shard index and the shard decoders: errors, never panics; errors are one line naming
//! the file; what reads successfully writes back to a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::channel::repodata::{
    read_repodata, repodata_to_vec, stream_repodata, stream_repodata_zst, AllRecords, NameFilter,
};
use minis3::channel::shards::{
    decode_shard, decode_shard_index, encode_shard, encode_shard_index,
};

const NAME: &str = "fuzz://chan/linux-64/file";

fn check<T>(r: Result<T, minis3::channel::error::FormatError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            let line = e.to_string();
            assert!(line.starts_with(NAME) && !line.contains('\n'), "{line}");
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            if let Some(doc) = check(read_repodata(rest, NAME)) {
                // track_features "a,b" is read as two features and written "a b" (as
                // rattler does), so the fixed point is reached after one rewrite.
                let once = repodata_to_vec(&doc);
                let twice = repodata_to_vec(&read_repodata(&once[..], NAME).expect("rereads"));
                let thrice = repodata_to_vec(&read_repodata(&twice[..], NAME).expect("rereads"));
                assert_eq!(twice, thrice, "not a fixed point");
            }
            let mut n = 0u64;
            if let Some(s) = check(stream_repodata(rest, NAME, &mut NameFilter::new("a"), |_| n += 1)) {
                assert_eq!(s.entries_built, n);
            }
        }
        1 => {
            let _ = check(stream_repodata_zst(rest, NAME, &mut AllRecords, |_| {}));
            let z = zstd::stream::encode_all(rest, 1).expect("compress");
            let _ = check(stream_repodata_zst(&z[..], NAME, &mut AllRecords, |_| {}));
        }
        2 => {
            let z = zstd::stream::encode_all(rest, 1).expect("compress");
            if let Some(idx) = check(decode_shard_index(&z, NAME)) {
                let out = encode_shard_index(&idx).expect("encode");
                assert_eq!(decode_shard_index(&out, NAME).expect("reread"), idx);
            }
            let _ = check(decode_shard_index(rest, NAME));
        }
        _ => {
            let z = zstd::stream::encode_all(rest, 1).expect("compress");
            if let Some(shard) = check(decode_shard(&z, None, NAME)) {
                let (once, digest) = encode_shard(&shard).expect("encode");
                let again = decode_shard(&once, Some(&digest), NAME).expect("reread");
                let (twice, _) = encode_shard(&again).expect("encode");
                let third = decode_shard(&twice, None, NAME).expect("reread");
                assert_eq!(encode_shard(&third).expect("encode").0, twice, "not a fixed point");
            }
            let _ = check(decode_shard(rest, None, NAME));
        }
    }
});
