//! Arbitrary bytes as every S3 XML response the client reads (error documents, listings,
//! multipart, copy, delete, location): errors, never a panic, and every error one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minis3::s3::xml;

fn one_line<T>(r: Result<T, xml::XmlError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert!(!e.to_string().contains('\n'), "{e}");
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = one_line(xml::parse_document(data));
    if let Some(e) = one_line(xml::parse_error(data)) {
        // The client reads the server's time out of a RequestTimeTooSkewed error.
        for (_, v) in &e.other {
            let _ = minis3::s3::parse_iso8601(v);
        }
    }
    if let Some(page) = one_line(xml::parse_list_objects(data)) {
        for o in &page.contents {
            let _ = minis3::s3::parse_iso8601(&o.last_modified);
        }
    }
    if let Some(list) = one_line(xml::parse_list_buckets(data)) {
        let _ = format!("{list:?}");
    }
    let _ = one_line(xml::parse_initiate_multipart_upload(data));
    let _ = one_line(xml::parse_complete_multipart_upload(data));
    let _ = one_line(xml::parse_copy_object(data));
    let _ = one_line(xml::parse_delete_result(data));
    let _ = one_line(xml::parse_location_constraint(data));
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = one_line(xml::url_decode("Key", s));
    }
});
