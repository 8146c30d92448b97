//! Tokens sealed at rest: AES-256-GCM under a key ring kept in Secrets Manager (a local file in
//! the local stack). Each ciphertext names the key that sealed it, so keys can rotate: new seals
//! use the current key, old ones open with theirs until they are sealed again at their next
//! refresh.
//!
//! The key ring's secret is JSON, `{"current":"2026-11","keys":{"2026-11":"<base64 of 32
//! bytes>", …}}`, or one bare base64 key (its id then derives from the key itself).

use std::{collections::BTreeMap, fmt};

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize};

use crate::Secret;

/// A sealed value: the key's id, and base64 of the 12-byte nonce followed by the ciphertext
/// and its tag. Its `Debug` shows only the key id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub kid: String,
    pub data: String,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed(kid {}, redacted)", self.kid)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the token key ring is not valid: {0}")]
    BadKeyRing(String),
    #[error("no key '{0}' in the token key ring")]
    UnknownKey(String),
    #[error("a sealed token did not open (tampered, or sealed for another item)")]
    Corrupt,
}

/// The key ring: which key seals, and every key that may still open.
pub struct KeyRing {
    current: String,
    keys: BTreeMap<String, Aes256Gcm>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyRing(current {}, {} keys)", self.current, self.keys.len())
    }
}

#[derive(Deserialize)]
struct RingJson {
    current: String,
    keys: BTreeMap<String, String>,
}

fn key_of(kid: &str, b64: &str) -> Result<Aes256Gcm, SealError> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|_| SealError::BadKeyRing(format!("key '{kid}' is not base64")))?;
    if bytes.len() != 32 {
        return Err(SealError::BadKeyRing(format!("key '{kid}' is {} bytes, not 32", bytes.len())));
    }
    Aes256Gcm::new_from_slice(&bytes).map_err(|_| SealError::BadKeyRing(format!("key '{kid}' is not a key")))
}

impl KeyRing {
    /// Reads the key ring from its secret (JSON, or one bare base64 key).
    pub fn parse(secret: &Secret) -> Result<Self, SealError> {
        let text = std::str::from_utf8(secret.expose())
            .map_err(|_| SealError::BadKeyRing("not UTF-8".into()))?
            .trim();
        if text.starts_with('{') {
            let ring: RingJson = serde_json::from_str(text)
                .map_err(|e| SealError::BadKeyRing(format!("not the JSON expected: {e}")))?;
            let keys = ring
                .keys
                .iter()
                .map(|(kid, b64)| Ok((kid.clone(), key_of(kid, b64)?)))
                .collect::<Result<BTreeMap<_, _>, SealError>>()?;
            if !keys.contains_key(&ring.current) {
                return Err(SealError::UnknownKey(ring.current));
            }
            return Ok(Self { current: ring.current, keys });
        }
        let key = key_of("key", text)?;
        let kid = crate::integration::digest(text)[..8].to_owned();
        Ok(Self { current: kid.clone(), keys: BTreeMap::from([(kid, key)]) })
    }

    /// A fresh ring of one random key, as the secret's text (for a new local stack).
    pub fn generate() -> String {
        let key = Aes256Gcm::generate_key(OsRng);
        serde_json::json!({"current": "k1", "keys": {"k1": STANDARD.encode(key)}}).to_string()
    }

    pub fn current_kid(&self) -> &str {
        &self.current
    }

    /// Seals `plain` under the current key, bound to `aad` (what item it belongs to).
    pub fn seal(&self, plain: &[u8], aad: &str) -> Sealed {
        let cipher = &self.keys[&self.current];
        // A random 96-bit nonce per seal: far below the 2^32 seals per key where that gets risky.
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, Payload { msg: plain, aad: aad.as_bytes() })
            .expect("AES-GCM encrypts any input under 64 GiB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Sealed { kid: self.current.clone(), data: STANDARD.encode(out) }
    }

    /// Opens a sealed value with the key it names, checking it was sealed for `aad`.
    pub fn open(&self, sealed: &Sealed, aad: &str) -> Result<Secret, SealError> {
        let key = self.keys.get(&sealed.kid).ok_or_else(|| SealError::UnknownKey(sealed.kid.clone()))?;
        let bytes = STANDARD.decode(&sealed.data).map_err(|_| SealError::Corrupt)?;
        if bytes.len() < 12 + 16 {
            return Err(SealError::Corrupt);
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SealError::Corrupt)?;
        key.decrypt(&Nonce::from(nonce), Payload { msg: body, aad: aad.as_bytes() })
            .map(Secret::new)
            .map_err(|_| SealError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(current: &str, keys: &[(&str, [u8; 32])]) -> KeyRing {
        let keys: BTreeMap<_, _> = keys.iter().map(|(k, v)| (k.to_string(), STANDARD.encode(v))).collect();
        let text = serde_json::json!({"current": current, "keys": keys}).to_string();
        KeyRing::parse(&Secret::new(text)).unwrap()
    }

    #[test]
    fn seals_and_opens_bound_to_its_item() {
        let r = ring("a", &[("a", [1; 32])]);
        let s = r.seal(b"ya29.token", "user-1/google");
        assert_eq!(s.kid, "a");
        assert!(!s.data.contains("ya29"));
        assert_eq!(r.open(&s, "user-1/google").unwrap().expose(), b"ya29.token");
        assert_eq!(r.open(&s, "user-2/google").unwrap_err(), SealError::Corrupt);
        // Two seals of one value differ (fresh nonce), and both open.
        let t = r.seal(b"ya29.token", "user-1/google");
        assert_ne!(s.data, t.data);
    }

    #[test]
    fn tampering_is_refused() {
        let r = ring("a", &[("a", [1; 32])]);
        let mut s = r.seal(b"secret", "x");
        let mut bytes = STANDARD.decode(&s.data).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        s.data = STANDARD.encode(bytes);
        assert_eq!(r.open(&s, "x").unwrap_err(), SealError::Corrupt);
    }

    #[test]
    fn keys_rotate_old_seals_still_open() {
        let old = ring("a", &[("a", [1; 32])]);
        let sealed_before = old.seal(b"refresh", "x");
        let rotated = ring("b", &[("a", [1; 32]), ("b", [2; 32])]);
        assert_eq!(rotated.open(&sealed_before, "x").unwrap().expose(), b"refresh");
        assert_eq!(rotated.seal(b"refresh", "x").kid, "b");
        // A ring that dropped the old key says which key is missing.
        let only_new = ring("b", &[("b", [2; 32])]);
        assert_eq!(only_new.open(&sealed_before, "x").unwrap_err(), SealError::UnknownKey("a".into()));
    }

    #[test]
    fn a_bare_key_and_bad_rings() {
        let bare = Secret::new(STANDARD.encode([7u8; 32]));
        let r = KeyRing::parse(&bare).unwrap();
        assert_eq!(r.current_kid().len(), 8);
        assert!(matches!(KeyRing::parse(&Secret::new("short")), Err(SealError::BadKeyRing(_))));
        let missing = Secret::new(r#"{"current":"z","keys":{}}"#);
        assert_eq!(KeyRing::parse(&missing).unwrap_err(), SealError::UnknownKey("z".into()));
        let generated = KeyRing::parse(&Secret::new(KeyRing::generate())).unwrap();
        assert_eq!(generated.current_kid(), "k1");
        assert!(!format!("{generated:?}").contains('='));
    }
}
