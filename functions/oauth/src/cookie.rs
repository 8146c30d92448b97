//! The cookie that binds a sign-in to the browser that started it ([`BROWSER_COOKIE`]). It is
//! scoped to the provider's callback path, so no other route ever receives it, and lives as
//! long as the sign-in's state.

use axum::http::{HeaderMap, HeaderValue, header};
use nudge_domain::{Provider, integration::STATE_LIFETIME, integrations::BROWSER_COOKIE};

/// `Set-Cookie` for a sign-in just started with `provider`.
pub fn set(provider: &Provider, browser: &str) -> Option<HeaderValue> {
    attributes(provider, browser, STATE_LIFETIME.num_seconds())
}

/// `Set-Cookie` that removes it, once the callback has come back.
pub fn clear(provider: &Provider) -> Option<HeaderValue> {
    attributes(provider, "", 0)
}

fn attributes(provider: &Provider, value: &str, max_age: i64) -> Option<HeaderValue> {
    // A provider's name is lower-case letters, digits and '-', and the value ours (hex): nothing
    // here can add an attribute. A value that is no header value anyway sets no cookie.
    HeaderValue::from_str(&format!(
        "{BROWSER_COOKIE}={value}; Path=/oauth/{provider}/callback; HttpOnly; Secure; SameSite=Lax; Max-Age={max_age}"
    ))
    .ok()
}

/// The cookie a reconnect page sets for its confirmation: only a same-site post carries it.
const CONFIRM_COOKIE: &str = "nudge_confirm";

/// `Set-Cookie` for a reconnect page's confirmation value, for the start route's POST.
pub fn confirm(provider: &str, value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{CONFIRM_COOKIE}={value}; Path=/oauth/{provider}/start; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        STATE_LIFETIME.num_seconds()
    ))
    .ok()
}

/// The confirmation cookie's value, if sent.
pub fn read_confirm(headers: &HeaderMap) -> Option<String> {
    named(headers, CONFIRM_COOKIE)
}

/// The cookie's value in the request's `Cookie` headers, if it is there and not empty.
pub fn read(headers: &HeaderMap) -> Option<String> {
    named(headers, BROWSER_COOKIE)
}

fn named(headers: &HeaderMap, cookie: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_scopes_the_cookie_to_the_callback_and_clear_expires_it() {
        let google = Provider::parse("google").unwrap();
        assert_eq!(
            set(&google, "abc123").unwrap(),
            "nudge_oauth=abc123; Path=/oauth/google/callback; HttpOnly; Secure; SameSite=Lax; Max-Age=600"
        );
        assert_eq!(
            clear(&google).unwrap(),
            "nudge_oauth=; Path=/oauth/google/callback; HttpOnly; Secure; SameSite=Lax; Max-Age=0"
        );
    }

    #[test]
    fn read_finds_the_cookie_among_others() {
        let mut headers = HeaderMap::new();
        assert_eq!(read(&headers), None);
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; nudge_oauthx=2"));
        assert_eq!(read(&headers), None);
        headers.append(header::COOKIE, HeaderValue::from_static("b=2;nudge_oauth=f00d ; c=3"));
        assert_eq!(read(&headers).as_deref(), Some("f00d"));
        let mut empty = HeaderMap::new();
        empty.insert(header::COOKIE, HeaderValue::from_static("nudge_oauth="));
        assert_eq!(read(&empty), None);
    }
}
