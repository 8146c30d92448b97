//! nudge-oauth against a real authorization server (oidc-provider, started by
//! `nudge_tests::oidc`): the code grant with PKCE, refresh with rotation, revocation, both ways
//! of client authentication, and the errors a user would run into. Notion, whose token
//! requests are not RFC 6749 forms, is checked against a stand-in speaking its documented API.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use base64::Engine;
use nudge_domain::{OAuthClient, OAuthError, Provider, Secret, TokenGrant, Verifier};
use nudge_oauth::{OAuthConfig, OAuthProviders};
use nudge_tests::oidc::{OidcClient, OidcConfig, OidcServer, query_param};
use serde_json::{Value, json};

/// The redirect URIs are never visited: the harness stops at the redirect to them.
const GOOGLE_REDIRECT: &str = "http://127.0.0.1:9/oauth/google/callback";
const OTHER_REDIRECT: &str = "http://127.0.0.1:9/oauth/google/elsewhere";
const ACME_REDIRECT: &str = "http://127.0.0.1:9/oauth/acme/callback";
const ACCESS_TOKEN_TTL: u64 = 60;

fn provider(name: &str) -> Provider {
    Provider::parse(name).expect("provider name")
}

/// An authorization server with two clients (one authenticating in the body, one with Basic),
/// and our client configured, as in production, from variables and a credentials document:
/// `google` (Google's kind, its endpoints moved to the server), `acme` (generic, Basic auth),
/// `acme-post` (acme's client sending the wrong kind of authentication) and `stranger`
/// (a client the server does not know).
struct Setup {
    server: OidcServer,
    oauth: OAuthProviders,
}

fn setup() -> Setup {
    let server = OidcServer::start(&OidcConfig {
        clients: vec![
            OidcClient {
                client_id: "nudge-google".into(),
                client_secret: "google-client-secret".into(),
                redirect_uris: vec![GOOGLE_REDIRECT.into(), OTHER_REDIRECT.into()],
                token_endpoint_auth_method: "client_secret_post".into(),
            },
            OidcClient {
                client_id: "nudge-acme".into(),
                client_secret: "acme client secret:with odd characters".into(),
                redirect_uris: vec![ACME_REDIRECT.into()],
                token_endpoint_auth_method: "client_secret_basic".into(),
            },
        ],
        scopes: vec!["calendar".into()],
        access_token_ttl: ACCESS_TOKEN_TTL,
    });
    let e = server.endpoints().clone();
    let mut vars =
        HashMap::from([("OAUTH_PROVIDERS".to_owned(), "google,acme,acme-post,stranger".to_owned())]);
    for name in ["GOOGLE", "ACME", "ACME_POST", "STRANGER"] {
        vars.insert(format!("OAUTH_{name}_AUTH_URL"), e.authorization_endpoint.clone());
        vars.insert(format!("OAUTH_{name}_TOKEN_URL"), e.token_endpoint.clone());
        vars.insert(format!("OAUTH_{name}_REVOKE_URL"), e.revocation_endpoint.clone());
    }
    vars.insert("OAUTH_GOOGLE_SCOPES".into(), "openid email calendar".into());
    vars.insert("OAUTH_ACME_SCOPES".into(), "openid offline_access calendar".into());
    vars.insert("OAUTH_ACME_POST_CLIENT_AUTH".into(), "post".into());
    let config = OAuthConfig::from_env(|k| vars.get(k).cloned()).expect("config");
    let credentials = json!({
        "google": {"client_id": "nudge-google", "client_secret": "google-client-secret"},
        "acme": {"client_id": "nudge-acme", "client_secret": "acme client secret:with odd characters"},
        "acme-post": {"client_id": "nudge-acme", "client_secret": "acme client secret:with odd characters"},
        "stranger": {"client_id": "nobody-registered-me", "client_secret": "whatever"},
    });
    let credentials = Arc::new(Secret::new(credentials.to_string().into_bytes()));
    let oauth = OAuthProviders::new(config, credentials).expect("providers");
    Setup { server, oauth }
}

impl Setup {
    /// The user signs in as `ada` and consents: answers the code and the sign-in's verifier.
    async fn sign_in(&self, name: &str, redirect: &str) -> (String, Verifier) {
        let auth = self.oauth.authorize(&provider(name), &[], redirect).await.expect("authorize");
        let back = self.server.authorize_as(&auth.url, "ada").await;
        assert!(back.starts_with(redirect), "sent back to {back}, not {redirect}");
        assert_eq!(query_param(&back, "state").as_deref(), Some(auth.state.as_str()), "{back}");
        let code = query_param(&back, "code").unwrap_or_else(|| panic!("no code in {back}"));
        (code, auth.verifier)
    }

    async fn connect(&self, name: &str, redirect: &str) -> TokenGrant {
        let (code, verifier) = self.sign_in(name, redirect).await;
        self.oauth.exchange(&provider(name), &code, &verifier, redirect).await.expect("exchange")
    }
}

fn refresh_token(grant: &TokenGrant) -> Secret {
    grant.refresh_token.clone().expect("a refresh token")
}

fn assert_invalid_grant(result: Result<TokenGrant, OAuthError>, what: &str) {
    match result {
        Err(OAuthError::InvalidGrant(_)) => {}
        other => panic!("{what}: expected invalid_grant, got {other:?}"),
    }
}

#[tokio::test]
async fn a_google_style_sign_in_grants_tokens_for_the_account() {
    let s = setup();
    let grant = s.connect("google", GOOGLE_REDIRECT).await;
    assert!(!grant.access_token.expose().is_empty());
    // Asked Google's way (access_type=offline, prompt=consent), without `offline_access`.
    assert!(grant.refresh_token.as_ref().is_some_and(|t| !t.expose().is_empty()));
    assert_eq!(grant.expires_in, Some(chrono::Duration::seconds(ACCESS_TOKEN_TTL as i64)));
    let mut scopes = grant.scopes.clone().expect("the server says which scopes it granted");
    scopes.sort();
    assert_eq!(scopes, ["calendar", "email", "openid"]);
    assert_eq!(grant.account.as_deref(), Some("ada@example.test"));
}

#[tokio::test]
async fn a_code_works_once() {
    let s = setup();
    let (code, verifier) = s.sign_in("google", GOOGLE_REDIRECT).await;
    let google = provider("google");
    s.oauth.exchange(&google, &code, &verifier, GOOGLE_REDIRECT).await.expect("first exchange");
    assert_invalid_grant(
        s.oauth.exchange(&google, &code, &verifier, GOOGLE_REDIRECT).await,
        "second exchange",
    );
}

#[tokio::test]
async fn a_code_with_another_sign_ins_verifier_is_refused() {
    let s = setup();
    let (code, _) = s.sign_in("google", GOOGLE_REDIRECT).await;
    let (_, other_verifier) = s.sign_in("google", GOOGLE_REDIRECT).await;
    let result = s.oauth.exchange(&provider("google"), &code, &other_verifier, GOOGLE_REDIRECT).await;
    assert_invalid_grant(result, "wrong PKCE verifier");
}

#[tokio::test]
async fn a_code_redeemed_at_another_redirect_uri_is_refused() {
    let s = setup();
    let (code, verifier) = s.sign_in("google", GOOGLE_REDIRECT).await;
    // Registered for the client too, but not the one the code was issued for.
    let result = s.oauth.exchange(&provider("google"), &code, &verifier, OTHER_REDIRECT).await;
    assert_invalid_grant(result, "wrong redirect URI");
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_the_old_one_stops_working() {
    let s = setup();
    let google = provider("google");
    let first = s.connect("google", GOOGLE_REDIRECT).await;
    let second = s.oauth.refresh(&google, &refresh_token(&first)).await.expect("refresh");
    assert_ne!(second.access_token, first.access_token);
    assert_ne!(refresh_token(&second), refresh_token(&first), "a rotated refresh token");
    assert_eq!(second.expires_in, Some(chrono::Duration::seconds(ACCESS_TOKEN_TTL as i64)));
    assert!(second.scopes.as_ref().is_some_and(|s| s.iter().any(|s| s == "calendar")));
    // The new one refreshes in turn…
    let third = s.oauth.refresh(&google, &refresh_token(&second)).await.expect("refresh with the new token");
    assert_ne!(refresh_token(&third), refresh_token(&second));
    // …the replaced one is spent.
    assert_invalid_grant(
        s.oauth.refresh(&google, &refresh_token(&first)).await,
        "refresh with a rotated token",
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_no_longer_refreshes() {
    let s = setup();
    let google = provider("google");
    let grant = s.connect("google", GOOGLE_REDIRECT).await;
    assert!(s.oauth.revoke(&google, &grant.access_token, false).await.expect("revoke the access token"));
    assert!(s.oauth.revoke(&google, &refresh_token(&grant), true).await.expect("revoke the refresh token"));
    assert_invalid_grant(s.oauth.refresh(&google, &refresh_token(&grant)).await, "refresh after revocation");
    // Revoking what is already revoked is not an error (RFC 7009 §2.2).
    assert!(s.oauth.revoke(&google, &refresh_token(&grant), true).await.expect("revoke again"));
}

#[tokio::test]
async fn a_client_authenticating_with_http_basic_connects_and_refreshes() {
    let s = setup();
    let acme = provider("acme");
    let grant = s.connect("acme", ACME_REDIRECT).await;
    assert!(grant.refresh_token.is_some());
    let refreshed = s.oauth.refresh(&acme, &refresh_token(&grant)).await.expect("refresh with Basic auth");
    assert!(refreshed.refresh_token.is_some());
    assert!(s.oauth.revoke(&acme, &refresh_token(&refreshed), true).await.expect("revoke with Basic auth"));

    // The server holds the client to Basic: the same credentials in the body are refused.
    let (code, verifier) = s.sign_in("acme", ACME_REDIRECT).await;
    match s.oauth.exchange(&provider("acme-post"), &code, &verifier, ACME_REDIRECT).await {
        Err(OAuthError::Refused { code, .. }) => assert_eq!(code, "invalid_client"),
        other => panic!("client_secret_post for a Basic client: {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_client_is_refused_without_showing_its_secret() {
    let s = setup();
    let stranger = provider("stranger");
    let err = s
        .oauth
        .exchange(&stranger, "some-code", &Verifier::new("v".repeat(43)), GOOGLE_REDIRECT)
        .await
        .expect_err("an unknown client");
    match &err {
        OAuthError::Refused { code, .. } => assert_eq!(code, "invalid_client"),
        other => panic!("expected Refused, got {other:?}"),
    }
    let err = s.oauth.refresh(&stranger, &Secret::new(&b"rt-not-shown"[..])).await.expect_err("refresh");
    assert!(matches!(err, OAuthError::Refused { ref code, .. } if code == "invalid_client"), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("whatever") && !text.contains("rt-not-shown"), "{text}");
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_unavailable() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/token");
    let vars = HashMap::from([
        ("OAUTH_PROVIDERS", "acme"),
        ("OAUTH_ACME_AUTH_URL", "http://127.0.0.1:9/auth"),
        ("OAUTH_ACME_TOKEN_URL", url.as_str()),
    ]);
    let config = OAuthConfig::from_env(|k| vars.get(k).map(|v| v.to_string())).unwrap();
    let credentials = Arc::new(Secret::new(&br#"{"acme":{"client_id":"a","client_secret":"s"}}"#[..]));
    let oauth = OAuthProviders::new(config, credentials).unwrap();
    let err = oauth.refresh(&provider("acme"), &Secret::new(&b"rt"[..])).await.unwrap_err();
    assert!(matches!(err, OAuthError::Unavailable(_)), "{err:?}");
}

// --- Notion -------------------------------------------------------------------------------

/// A request the stand-in received.
#[derive(Debug, Clone)]
struct NotionRequest {
    endpoint: &'static str,
    authorization: Option<String>,
    content_type: Option<String>,
    body: Value,
}

impl NotionRequest {
    fn of(endpoint: &'static str, headers: &HeaderMap, body: String) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Self {
            endpoint,
            authorization: header("authorization"),
            content_type: header("content-type"),
            body: serde_json::from_str(&body).unwrap_or(Value::String(body)),
        }
    }
}

#[derive(Clone, Default)]
struct NotionLog(Arc<Mutex<Vec<NotionRequest>>>);

impl NotionLog {
    fn all(&self) -> Vec<NotionRequest> {
        self.0.lock().unwrap().clone()
    }
}

const NOTION_ID: &str = "2f6d872b-594c-8093-9a8f-0037e6a5d0a6";
const NOTION_SECRET: &str = "secret_notion-client-secret";
const NOTION_REDIRECT: &str = "https://nudge.example/oauth/notion/callback";

/// Notion's `POST /v1/oauth/token` and `/v1/oauth/revoke` as documented: Basic client
/// authentication, a JSON body, and the workspace in the answer.
async fn notion_token(
    State(log): State<NotionLog>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    let request = NotionRequest::of("token", &headers, body);
    log.0.lock().unwrap().push(request.clone());
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{NOTION_ID}:{NOTION_SECRET}"))
    );
    if request.authorization != Some(expected_auth) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"})));
    }
    let answer = |access: &str, refresh: &str| {
        json!({
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
            "bot_id": "b3414d65-1224-4ff7-9ffe-cc9d8773d601",
            "workspace_name": "Ada's Notion Workspace",
            "workspace_icon": "https://www.notion.so/images/icon.png",
            "workspace_id": "j565j4d7-2882-41b5-964a-09d9c36f7a2b",
            "owner": {"type": "user", "user": {"object": "user", "id": "u-1"}},
            "duplicated_template_id": null,
            "request_id": "f2c2b6b1-1d5e-4c1e-8b0a-8d1c1b2f7e3a"
        })
    };
    let json = &request.body;
    match (json["grant_type"].as_str(), json["code"].as_str(), json["refresh_token"].as_str()) {
        (Some("authorization_code"), Some("good-code"), _) => {
            (StatusCode::OK, Json(answer("ntn_access_1", "nrt_refresh_1")))
        }
        (Some("authorization_code"), Some("flaky-code"), _) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "temporarily_unavailable"})))
        }
        (Some("refresh_token"), _, Some("nrt_refresh_1")) => {
            (StatusCode::OK, Json(answer("ntn_access_2", "nrt_refresh_2")))
        }
        _ => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": "Invalid code."})),
        ),
    }
}

async fn notion_revoke(
    State(log): State<NotionLog>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, Json<Value>) {
    log.0.lock().unwrap().push(NotionRequest::of("revoke", &headers, body));
    (StatusCode::OK, Json(json!({})))
}

async fn notion() -> (OAuthProviders, NotionLog) {
    let log = NotionLog::default();
    let app = Router::new()
        .route("/v1/oauth/token", post(notion_token))
        .route("/v1/oauth/revoke", post(notion_revoke))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    let vars = HashMap::from([
        ("OAUTH_NOTION_CLIENT_ID".to_owned(), NOTION_ID.to_owned()),
        ("OAUTH_NOTION_CLIENT_SECRET".to_owned(), NOTION_SECRET.to_owned()),
        ("OAUTH_NOTION_TOKEN_URL".to_owned(), format!("{base}/v1/oauth/token")),
        ("OAUTH_NOTION_REVOKE_URL".to_owned(), format!("{base}/v1/oauth/revoke")),
    ]);
    let env = |k: &str| vars.get(k).cloned();
    // Enabled because its client id is set; credentials from the same variables.
    let config = OAuthConfig::from_env(env).expect("config");
    let credentials = Arc::new(nudge_oauth::credentials::from_env(&config, env));
    (OAuthProviders::new(config, credentials).expect("providers"), log)
}

#[tokio::test]
async fn notion_exchanges_as_it_documents_and_names_the_workspace() {
    let (oauth, log) = notion().await;
    let notion = provider("notion");
    let auth = oauth.authorize(&notion, &[], NOTION_REDIRECT).await.expect("authorize");
    assert_eq!(query_param(&auth.url, "owner").as_deref(), Some("user"));

    let grant =
        oauth.exchange(&notion, "good-code", &auth.verifier, NOTION_REDIRECT).await.expect("exchange");
    assert_eq!(grant.access_token.expose(), b"ntn_access_1");
    assert_eq!(grant.refresh_token.as_ref().map(Secret::expose), Some(&b"nrt_refresh_1"[..]));
    assert_eq!(grant.account.as_deref(), Some("Ada's Notion Workspace"));
    assert_eq!((grant.expires_in, grant.scopes), (None, None), "Notion says neither");

    let NotionRequest { endpoint, authorization, content_type, body } = log.all()[0].clone();
    assert_eq!(endpoint, "token");
    let basic = format!("{NOTION_ID}:{NOTION_SECRET}");
    assert_eq!(
        authorization,
        Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(basic)))
    );
    assert!(content_type.is_some_and(|c| c.starts_with("application/json")));
    // Exactly Notion's documented fields: no client id or secret in the body, no verifier.
    assert_eq!(
        body,
        json!({"grant_type": "authorization_code", "code": "good-code", "redirect_uri": NOTION_REDIRECT})
    );
}

#[tokio::test]
async fn notion_refreshes_revokes_and_reports_its_errors() {
    let (oauth, log) = notion().await;
    let notion = provider("notion");
    let refreshed = oauth.refresh(&notion, &Secret::new(&b"nrt_refresh_1"[..])).await.expect("refresh");
    assert_eq!(refreshed.access_token.expose(), b"ntn_access_2");
    assert_eq!(refreshed.refresh_token.as_ref().map(Secret::expose), Some(&b"nrt_refresh_2"[..]));
    assert_eq!(log.all()[0].body, json!({"grant_type": "refresh_token", "refresh_token": "nrt_refresh_1"}));

    let verifier = Verifier::new("v".repeat(43));
    assert_invalid_grant(
        oauth.exchange(&notion, "used-code", &verifier, NOTION_REDIRECT).await,
        "a bad code",
    );
    let err = oauth.exchange(&notion, "flaky-code", &verifier, NOTION_REDIRECT).await.unwrap_err();
    assert!(matches!(err, OAuthError::Unavailable(_)), "a 503: {err:?}");

    assert!(oauth.revoke(&notion, &refreshed.access_token, false).await.expect("revoke"));
    let NotionRequest { endpoint, authorization, body, .. } = log.all().last().cloned().unwrap();
    assert_eq!(endpoint, "revoke");
    assert!(authorization.is_some_and(|a| a.starts_with("Basic ")));
    assert_eq!(body, json!({"token": "ntn_access_2"}));
}
