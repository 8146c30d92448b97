//! The authorization URL of each provider kind, and what needs no server.

use std::collections::HashMap;

use super::*;

const REDIRECT: &str = "https://nudge.example/oauth/{p}/callback";

fn providers(vars: &[(&str, &str)]) -> OAuthProviders {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let env = |k: &str| map.get(k).cloned();
    let config = OAuthConfig::from_env(env).unwrap();
    let creds = credentials::from_env(&config, env);
    OAuthProviders::new(config, Arc::new(creds)).unwrap()
}

fn all() -> OAuthProviders {
    providers(&[
        ("OAUTH_PROVIDERS", "google,youtube,microsoft,notion,acme"),
        ("OAUTH_GOOGLE_CLIENT_ID", "google-id.apps.googleusercontent.com"),
        ("OAUTH_GOOGLE_CLIENT_SECRET", "google-secret"),
        ("OAUTH_YOUTUBE_CLIENT_ID", "youtube-id"),
        ("OAUTH_YOUTUBE_CLIENT_SECRET", "youtube-secret"),
        ("OAUTH_MICROSOFT_CLIENT_ID", "ms-id"),
        ("OAUTH_MICROSOFT_CLIENT_SECRET", "ms-secret"),
        ("OAUTH_MICROSOFT_TENANT", "consumers"),
        ("OAUTH_NOTION_CLIENT_ID", "notion-id"),
        ("OAUTH_NOTION_CLIENT_SECRET", "notion-secret"),
        ("OAUTH_ACME_CLIENT_ID", "acme-id"),
        ("OAUTH_ACME_CLIENT_SECRET", "acme-secret"),
        ("OAUTH_ACME_AUTH_URL", "https://id.acme.example/authorize?tenant=1"),
        ("OAUTH_ACME_TOKEN_URL", "https://id.acme.example/token"),
        ("OAUTH_ACME_SCOPES", "read:tasks write:tasks"),
    ])
}

/// The URL without its query, and its query parameters (each name once).
async fn authorize(
    oauth: &OAuthProviders,
    name: &str,
    scopes: &[&str],
) -> (Authorization, String, HashMap<String, String>) {
    let provider = Provider::parse(name).unwrap();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    let auth = oauth.authorize(&provider, &scopes, &REDIRECT.replace("{p}", name)).await.unwrap();
    let url = url::Url::parse(&auth.url).unwrap();
    let mut params = HashMap::new();
    for (k, v) in url.query_pairs() {
        assert!(params.insert(k.to_string(), v.to_string()).is_none(), "{k} twice in {url}");
    }
    let base = format!("{}://{}{}", url.scheme(), url.host_str().unwrap(), url.path());
    (auth, base, params)
}

/// What every authorization request carries (RFC 6749 §4.1.1, RFC 7636 §4.3).
fn assert_standard(auth: &Authorization, params: &HashMap<String, String>, client_id: &str, name: &str) {
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], client_id);
    assert_eq!(params["redirect_uri"], REDIRECT.replace("{p}", name));
    assert_eq!(params["state"], auth.state);
    assert!(auth.state.len() >= 16, "state too short to be unguessable");
    assert_eq!(params["code_challenge_method"], "S256");
    // The challenge is the S256 of the verifier we keep.
    let expected = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(auth.verifier.expose()))
    };
    assert_eq!(params["code_challenge"], expected);
    let v = auth.verifier.expose();
    assert!((43..=128).contains(&v.len()), "RFC 7636 verifier length: {}", v.len());
}

#[tokio::test]
async fn google_asks_for_offline_access_and_fresh_consent() {
    let (auth, base, params) = authorize(&all(), "google", &[]).await;
    assert_eq!(base, config::GOOGLE_AUTH_URL);
    assert_standard(&auth, &params, "google-id.apps.googleusercontent.com", "google");
    assert_eq!(params["scope"], "openid email https://www.googleapis.com/auth/calendar.events");
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
}

#[tokio::test]
async fn youtube_is_google_with_the_youtube_scope() {
    let (auth, base, params) = authorize(&all(), "youtube", &[]).await;
    assert_eq!(base, config::GOOGLE_AUTH_URL);
    assert_standard(&auth, &params, "youtube-id", "youtube");
    assert_eq!(params["scope"], "https://www.googleapis.com/auth/youtube");
    assert_eq!((params["access_type"].as_str(), params["prompt"].as_str()), ("offline", "consent"));
}

#[tokio::test]
async fn microsoft_uses_its_tenant_and_asks_offline_access_by_scope() {
    let (auth, base, params) = authorize(&all(), "microsoft", &[]).await;
    assert_eq!(base, "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize");
    assert_standard(&auth, &params, "ms-id", "microsoft");
    assert_eq!(params["scope"], "offline_access openid email Calendars.ReadWrite");
    assert!(!params.contains_key("access_type") && !params.contains_key("prompt"));
}

#[tokio::test]
async fn notion_names_the_owner_and_asks_no_scope() {
    let (auth, base, params) = authorize(&all(), "notion", &[]).await;
    assert_eq!(base, config::NOTION_AUTH_URL);
    assert_standard(&auth, &params, "notion-id", "notion");
    assert_eq!(params["owner"], "user");
    assert!(!params.contains_key("scope"), "{params:?}");
}

#[tokio::test]
async fn a_generic_provider_keeps_its_own_query_and_asks_the_given_scopes() {
    let oauth = all();
    let (auth, base, params) = authorize(&oauth, "acme", &[]).await;
    assert_eq!(base, "https://id.acme.example/authorize");
    assert_eq!(params["tenant"], "1");
    assert_standard(&auth, &params, "acme-id", "acme");
    assert_eq!(params["scope"], "read:tasks write:tasks");
    let (_, _, params) = authorize(&oauth, "acme", &["read:tasks"]).await;
    assert_eq!(params["scope"], "read:tasks");
}

#[tokio::test]
async fn each_sign_in_gets_its_own_state_and_verifier() {
    let oauth = all();
    let (a, _, _) = authorize(&oauth, "google", &[]).await;
    let (b, _, _) = authorize(&oauth, "google", &[]).await;
    assert_ne!(a.state, b.state);
    assert_ne!(a.verifier.expose(), b.verifier.expose());
}

#[tokio::test]
async fn unknown_or_uncredentialed_providers_are_not_configured() {
    let oauth = providers(&[("OAUTH_PROVIDERS", "google")]);
    let google = Provider::parse("google").unwrap();
    let err = oauth.authorize(&google, &[], "https://x.example/cb").await.unwrap_err();
    assert!(matches!(err, OAuthError::NotConfigured(_)), "{err:?}");
    let github = Provider::parse("github").unwrap();
    let err = oauth.refresh(&github, &Secret::new(&b"rt"[..])).await.unwrap_err();
    assert!(matches!(err, OAuthError::NotConfigured(ref n) if n == "github"), "{err:?}");
}

#[tokio::test]
async fn providers_say_what_they_offer_and_revoke_without_an_endpoint_is_a_no() {
    let oauth = all();
    let infos = oauth.providers();
    let names: Vec<&str> = infos.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["google", "youtube", "microsoft", "notion", "acme"]);
    let revocable: Vec<bool> = infos.iter().map(|i| i.revocable).collect();
    assert_eq!(revocable, [true, true, false, false, false]);
    assert_eq!(infos[0].display_name, "Google");
    // No request is made: an unreachable provider could not answer anyway.
    let ms = Provider::parse("microsoft").unwrap();
    assert!(!oauth.revoke(&ms, &Secret::new(&b"rt"[..]), true).await.unwrap());
}
