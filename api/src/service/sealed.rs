//! Secrets Docket must be able to read back (the keys of HMAC signatures) are sealed with the
//! server's secrets key before they are stored: XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`),
//! a random 192-bit nonce per secret. Without the key, what the database holds reveals nothing.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, OsRng},
};

use crate::error::{ApiError, ApiResult};

/// Prefix of sealed values, naming the scheme so that it can change later.
const VERSION: &str = "v1.";

/// Seals and opens secrets with the server's key; without one, features that store secrets say so.
#[derive(Clone)]
pub struct Sealer {
    cipher: Option<XChaCha20Poly1305>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").field("configured", &self.cipher.is_some()).finish()
    }
}

impl Sealer {
    /// A sealer with `key`: 32 bytes in standard base64 (`openssl rand -base64 32`), or none.
    /// Errors: a key that is not 32 bytes of base64.
    pub fn new(key: Option<&str>) -> anyhow::Result<Self> {
        let cipher = match key {
            None => None,
            Some(text) => {
                let bytes = STANDARD.decode(text.trim()).map_err(|_| {
                    anyhow::anyhow!("the secrets key is not base64 (make one with `openssl rand -base64 32`)")
                })?;
                if bytes.len() != 32 {
                    anyhow::bail!("the secrets key must be 32 bytes, got {}", bytes.len());
                }
                Some(XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| anyhow::anyhow!("bad secrets key"))?)
            }
        };
        Ok(Self { cipher })
    }

    fn cipher(&self) -> ApiResult<&XChaCha20Poly1305> {
        self.cipher.as_ref().ok_or_else(|| {
            ApiError::NotConfigured(
                "this server has no secrets key to store secrets with; start it with --secrets-key or \
                 DOCKET_SECRETS_KEY (32 bytes of base64: `openssl rand -base64 32`)"
                    .into(),
            )
        })
    }

    /// `secret` sealed: `v1.<base64 of nonce and ciphertext>`. Errors: `NOT_CONFIGURED`.
    pub fn seal(&self, secret: &[u8]) -> ApiResult<String> {
        let cipher = self.cipher()?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher.encrypt(&nonce, secret).map_err(|_| anyhow::anyhow!("sealing failed"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{VERSION}{}", STANDARD.encode(bytes)))
    }

    /// The secret inside `sealed`. Errors: `NOT_CONFIGURED`; internal when it was sealed with another key.
    pub fn open(&self, sealed: &str) -> ApiResult<Vec<u8>> {
        let cipher = self.cipher()?;
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > 24)
            .ok_or_else(|| anyhow::anyhow!("a stored secret is malformed"))?;
        let (nonce, body) = bytes.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| anyhow::anyhow!("a stored secret is malformed"))?;
        Ok(cipher
            .decrypt(&XNonce::from(nonce), body)
            .map_err(|_| anyhow::anyhow!("a stored secret does not open with this secrets key"))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn a_sealed_secret_opens_with_its_key_only_and_never_shows_in_clear() {
        let sealer = Sealer::new(Some(KEY)).unwrap();
        let sealed = sealer.seal(b"hunter2-webhook").unwrap();
        assert!(sealed.starts_with("v1.") && !sealed.contains("hunter2"));
        assert_ne!(sealed, sealer.seal(b"hunter2-webhook").unwrap(), "a fresh nonce each time");
        assert_eq!(sealer.open(&sealed).unwrap(), b"hunter2-webhook");
        let other = Sealer::new(Some("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=")).unwrap();
        assert!(other.open(&sealed).is_err());
        assert_eq!(Sealer::new(None).unwrap().seal(b"x").unwrap_err().code(), "NOT_CONFIGURED");
        assert!(Sealer::new(Some("short")).is_err());
    }
}
