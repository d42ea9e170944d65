//! JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 section 3.3),
//! from the PKCS#8 PEM `private_key` of a Google service-account key file. Signing is `ring`'s
//! (the same code rustls uses), the encoding is base64url without padding (RFC 7515).

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};

use crate::sigv4::base64;

/// An RSA private key ready to sign JWTs. `Debug` shows only the key size.
pub struct RsaSigner {
    key: RsaKeyPair,
}

impl fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaSigner({} bits, <redacted>)", self.key.public().modulus_len() * 8)
    }
}

const PKCS8_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PKCS8_END: &str = "-----END PRIVATE KEY-----";

impl RsaSigner {
    /// Reads a PEM `PRIVATE KEY` (PKCS#8) block holding an RSA key. The error says what is
    /// wrong in words (PKCS#1 or encrypted PEM, bad base64, not an RSA key...), never quoting
    /// the key.
    ///
    /// ```
    /// use minis3::credentials::gcs::jwt::RsaSigner;
    /// let e = RsaSigner::from_pem("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----").unwrap_err();
    /// assert!(e.contains("PKCS#1"), "{e}");
    /// ```
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            return Err("it is a PKCS#1 (\"BEGIN RSA PRIVATE KEY\") key, not PKCS#8; convert it with \
                        `openssl pkcs8 -topk8 -nocrypt` or download a new JSON key"
                .into());
        }
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err("it is an encrypted PKCS#8 key; Google key files hold unencrypted keys".into());
        }
        let start = pem.find(PKCS8_BEGIN).ok_or("it has no \"-----BEGIN PRIVATE KEY-----\" PEM block")?;
        let body = &pem[start + PKCS8_BEGIN.len()..];
        let end = body.find(PKCS8_END).ok_or("its PEM block has no \"-----END PRIVATE KEY-----\" line")?;
        let b64: String = body[..end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::decode(&b64).ok_or("its PEM block is not valid base64")?;
        let key = RsaKeyPair::from_pkcs8(&der).map_err(|e| format!("it is not a PKCS#8 RSA key ring accepts ({e})"))?;
        Ok(Self { key })
    }

    /// The RS256 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let mut sig = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(|_| "RS256 signing failed".to_string())?;
        Ok(sig)
    }

    /// `BASE64URL(header) . BASE64URL(claims) . BASE64URL(signature)`: a signed compact JWT.
    pub fn jwt(&self, header: &serde_json::Value, claims: &serde_json::Value) -> Result<String, String> {
        let mut out = base64::encode_url(header.to_string().as_bytes());
        out.push('.');
        out.push_str(&base64::encode_url(claims.to_string().as_bytes()));
        let sig = self.sign(out.as_bytes())?;
        out.push('.');
        out.push_str(&base64::encode_url(&sig));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_secrets::CleanErr;

    #[test]
    fn pem_problems_are_named() {
        let no_block = RsaSigner::from_pem("hello").clean_err();
        assert!(no_block.contains("no \"-----BEGIN PRIVATE KEY-----\""), "{no_block}");
        let no_end = RsaSigner::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n").clean_err();
        assert!(no_end.contains("END PRIVATE KEY"), "{no_end}");
        let bad_b64 = RsaSigner::from_pem("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----").clean_err();
        assert!(bad_b64.contains("base64"), "{bad_b64}");
        let not_rsa = RsaSigner::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").clean_err();
        assert!(not_rsa.contains("not a PKCS#8 RSA key"), "{not_rsa}");
        let enc =
            RsaSigner::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")
                .clean_err();
        assert!(enc.contains("encrypted"), "{enc}");
    }
}
