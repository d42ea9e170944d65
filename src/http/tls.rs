//! TLS roots: the built-in (Mozilla/webpki) ones, or the certificates of a CA bundle.

use std::path::Path;

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use super::HttpError;

/// Reads a PEM file of one or more certificates (the CA bundle).
pub fn load_ca_bundle(path: &Path) -> Result<Vec<Certificate<'static>>, HttpError> {
    let pem = std::fs::read(path).map_err(|source| HttpError::CaBundleRead { path: path.to_path_buf(), source })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {} // private keys and the like are skipped
            Err(e) => return Err(HttpError::CaBundleInvalid { path: path.to_path_buf(), reason: e.to_string() }),
        }
    }
    if certs.is_empty() {
        return Err(HttpError::CaBundleInvalid {
            path: path.to_path_buf(),
            reason: "no \"BEGIN CERTIFICATE\" section found".into(),
        });
    }
    Ok(certs)
}

/// The TLS settings for the agents: the CA bundle's certificates as the only trust roots when
/// one is given, else the built-in roots.
pub(super) fn tls_config(ca_bundle: Option<&Path>) -> Result<TlsConfig, HttpError> {
    Ok(match ca_bundle {
        Some(path) => {
            let certs = load_ca_bundle(path)?;
            TlsConfig::builder().root_certs(RootCerts::new_with_certs(&certs)).build()
        }
        None => TlsConfig::builder().build(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn ca_bundle_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = load_ca_bundle(&missing).clean_err();
        assert!(matches!(err, HttpError::CaBundleRead { .. }));
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "just text\n").unwrap();
        let err = load_ca_bundle(&empty).clean_err();
        assert!(matches!(err, HttpError::CaBundleInvalid { .. }));
        assert!(err.to_string().contains("empty.pem"), "{err}");

        let bad = dir.path().join("bad.pem");
        std::fs::write(&bad, "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n").unwrap();
        let err = load_ca_bundle(&bad).clean_err();
        assert!(matches!(err, HttpError::CaBundleInvalid { .. }), "{err}");
        assert!(err.to_string().contains("bad.pem"), "{err}");
    }
}
