//! Opaque, tamper-checked list cursors: `base64url(position) . base64url(tag)`, the tag an
//! HMAC-SHA256 over the list's scope (which names the user) and the position. A cursor edited,
//! forged, or carried to another user's list is refused with a 400.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ApiError;

type HmacSha256 = Hmac<Sha256>;
const TAG_BYTES: usize = 16;

fn mac(key: &[u8], scope: &str, position: &str) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(scope.as_bytes());
    m.update(&[0]);
    m.update(position.as_bytes());
    m
}

pub fn encode(key: &[u8], scope: &str, position: &str) -> String {
    let tag = mac(key, scope, position).finalize().into_bytes();
    format!("{}.{}", B64.encode(position), B64.encode(&tag[..TAG_BYTES]))
}

pub fn decode(key: &[u8], scope: &str, cursor: &str) -> Result<String, ApiError> {
    let bad = || ApiError::validation("cursor", "is not a cursor this list gave out");
    let (position, tag) = cursor.split_once('.').ok_or_else(bad)?;
    let position = String::from_utf8(B64.decode(position).map_err(|_| bad())?).map_err(|_| bad())?;
    let tag = B64.decode(tag).map_err(|_| bad())?;
    // verify_truncated_left compares in constant time.
    mac(key, scope, &position).verify_truncated_left(&tag).map_err(|_| bad())?;
    if tag.len() != TAG_BYTES {
        return Err(bad());
    }
    Ok(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_in_its_scope_and_untouched() {
        let c = encode(b"key", "tasks:alice", "0190-abc");
        assert_eq!(decode(b"key", "tasks:alice", &c).unwrap(), "0190-abc");
        assert!(decode(b"key", "tasks:bob", &c).is_err(), "another user's list");
        assert!(decode(b"other", "tasks:alice", &c).is_err(), "another key");
        let (pos, tag) = c.split_once('.').unwrap();
        let forged = format!("{}.{tag}", B64.encode("0190-abd"));
        assert!(decode(b"key", "tasks:alice", &forged).is_err(), "edited position");
        assert!(decode(b"key", "tasks:alice", pos).is_err(), "no tag");
        assert!(decode(b"key", "tasks:alice", "!!!.???").is_err(), "not base64");
        let short = format!("{pos}.{}", &tag[..4]);
        assert!(decode(b"key", "tasks:alice", &short).is_err(), "truncated tag");
    }
}
