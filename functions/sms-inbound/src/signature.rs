//! Twilio's request signature, exactly as Twilio signs
//! (<https://www.twilio.com/docs/usage/webhooks/webhooks-security>): HMAC-SHA1 keyed with the
//! account's auth token over the full URL Twilio was given, followed by each POST parameter's
//! name and value, sorted by name; base64. `testdata/twilio-signatures.json` (a copy of the
//! team's `shared/testdata`) holds
//! vectors made with Twilio's own library.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha1::Sha1;

fn mac(auth_token: &[u8], url: &str, params: &[(String, String)]) -> Hmac<Sha1> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // By name, then by value for a repeated name, as Twilio's libraries do.
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The `X-Twilio-Signature` Twilio sends for these parameters posted to `url`.
pub fn sign(auth_token: &[u8], url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// Whether `signature` is Twilio's for this request, compared in constant time.
pub fn verify(auth_token: &[u8], url: &str, params: &[(String, String)], signature: &str) -> bool {
    let Ok(given) = STANDARD.decode(signature.trim()) else { return false };
    mac(auth_token, url, params).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Vectors {
        cases: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        note: String,
        auth_token: String,
        url: String,
        params: std::collections::BTreeMap<String, String>,
        signature: String,
    }

    fn vectors() -> Vec<Case> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/twilio-signatures.json");
        let raw = std::fs::read_to_string(path).expect("the Twilio signature vectors");
        serde_json::from_str::<Vectors>(&raw).expect("vectors").cases
    }

    fn params(c: &Case) -> Vec<(String, String)> {
        // In an order other than sorted: the signature must not depend on it.
        c.params.iter().rev().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn every_vector_made_by_twilios_library_passes() {
        let cases = vectors();
        assert!(cases.len() >= 3, "the vectors file has {} cases", cases.len());
        for c in &cases {
            assert_eq!(sign(c.auth_token.as_bytes(), &c.url, &params(c)), c.signature, "{}", c.note);
            assert!(verify(c.auth_token.as_bytes(), &c.url, &params(c), &c.signature), "{}", c.note);
        }
    }

    #[test]
    fn a_changed_url_parameter_token_or_signature_fails() {
        for c in &vectors() {
            let token = c.auth_token.as_bytes();
            let ps = params(c);
            assert!(!verify(token, &format!("{}x", c.url), &ps, &c.signature), "url: {}", c.note);
            assert!(!verify(b"another-token", &c.url, &ps, &c.signature), "token: {}", c.note);
            let mut forged = ps.clone();
            forged[0].1.push('!');
            assert!(!verify(token, &c.url, &forged, &c.signature), "param: {}", c.note);
            let mut extra = ps.clone();
            extra.push(("Body2".into(), "x".into()));
            assert!(!verify(token, &c.url, &extra, &c.signature), "extra param: {}", c.note);
            for bad in ["", "not base64!", "AAAA", &c.signature[..c.signature.len() - 2]] {
                assert!(!verify(token, &c.url, &ps, bad), "signature {bad:?}: {}", c.note);
            }
        }
    }
}
