//! The connected-accounts routes as a browser and a client see them, over SQLite and over
//! DynamoDB on moto, up to the point where a real authorization server would be needed: start
//! answers a redirect (or the URL) and a cookie bound to the callback; a callback with no
//! state, an unknown one, or one from another browser answers a page saying so and stores
//! nothing; the list shows no token; nobody disconnects another user's account.

use std::sync::Arc;

use chrono::{Duration, Utc};
use nudge_domain::{
    Connections, Consent, Integration, IntegrationId, IntegrationStatus, Ports, Provider, Secret, User,
    sealing::KeyRing,
};
use nudge_tests::{Backend, TestApp};
use serde_json::Value;

/// The address the providers are given: redirect URIs are under it.
const PUBLIC: &str = "https://nudge.example";
/// A key ring of one fixed key, for tokens these tests seal themselves.
const RING: &str = r#"{"current":"t1","keys":{"t1":"dGVzdC10b2tlbi1rZXktb2YtMzItYnl0ZXMtLS0tLS0="}}"#;

/// Google and Notion configured with made-up clients; the APIs are never called here.
fn connections() -> Connections {
    let env = |k: &str| (k == "OAUTH_PROVIDERS").then(|| "google,notion".to_owned());
    let config = nudge_oauth::OAuthConfig::from_env(env).unwrap();
    let clients = Secret::new(
        r#"{"google":{"client_id":"google-client-id","client_secret":"google-client-secret"},
            "notion":{"client_id":"notion-client-id","client_secret":"notion-client-secret"}}"#,
    );
    Connections {
        oauth: Arc::new(nudge_oauth::OAuthProviders::new(config, Arc::new(clients)).unwrap()),
        apis: Arc::new(nudge_providers::HttpProviderApis::new(
            nudge_providers::http_client(),
            nudge_providers::ApiConfig::default(),
        )),
        keys: Arc::new(Secret::new(RING)),
        public_base_url: PUBLIC.into(),
    }
}

/// Every route over a store on `b`, with the providers above.
async fn app(b: Backend) -> TestApp {
    let ports: Ports = nudge_tests::store(b).await.with_connections(connections());
    TestApp::on(ports, Arc::new(nudge_tests::offline_agent()), chat::TURN_TIMEOUT, Default::default()).await
}

/// A client that shows redirects instead of following them, as the tests must see them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// A query parameter of a URL.
fn param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url).unwrap().query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The `nudge_oauth` cookie's value in a `Set-Cookie`.
fn cookie_value(set_cookie: &str) -> String {
    set_cookie.strip_prefix("nudge_oauth=").unwrap().split(';').next().unwrap().to_owned()
}

/// A sign-in started with `Accept: application/json`: the authorization URL and the cookie.
async fn start_json(app: &TestApp, token: &str, provider: &str) -> (String, String) {
    let res = app
        .http
        .get(app.url(&format!("/oauth/{provider}/start")))
        .bearer_auth(token)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let set_cookie = header(&res, "set-cookie");
    let (status, body) = nudge_tests::envelope(res).await;
    assert_eq!(status, 200, "{body}");
    (body["data"]["authorization_url"].as_str().unwrap().to_owned(), cookie_value(&set_cookie))
}

/// What a callback answered: the status, the headers that matter, and the page.
struct Page {
    status: u16,
    content_type: String,
    cache_control: String,
    referrer_policy: String,
    csp: String,
    set_cookie: String,
    html: String,
}

async fn callback(app: &TestApp, path_and_query: &str, cookie: Option<&str>) -> Page {
    let mut req = no_redirects().get(app.url(path_and_query)).header("accept", "text/html");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("theme=dark; nudge_oauth={c}"));
    }
    let res = req.send().await.unwrap();
    Page {
        status: res.status().as_u16(),
        content_type: header(&res, "content-type"),
        cache_control: header(&res, "cache-control"),
        referrer_policy: header(&res, "referrer-policy"),
        csp: header(&res, "content-security-policy"),
        set_cookie: header(&res, "set-cookie"),
        html: res.text().await.unwrap(),
    }
}

/// A page saying the account was not connected, served as the contract says, and naming no
/// part of the request's query.
fn assert_not_connected(page: &Page, says: &str, never: &[&str]) {
    assert_eq!(page.status, 400, "{}", page.html);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert_eq!(page.cache_control, "no-store");
    assert_eq!(page.referrer_policy, "no-referrer");
    assert_eq!(page.csp, "default-src 'none'; style-src 'unsafe-inline'");
    assert!(page.html.contains("Not connected"), "{}", page.html);
    assert!(page.html.contains(says), "{}", page.html);
    for secret in never {
        assert!(!page.html.contains(secret), "the page quotes {secret}: {}", page.html);
    }
    assert!(
        page.set_cookie.starts_with("nudge_oauth=;") && page.set_cookie.contains("Max-Age=0"),
        "{}",
        page.set_cookie
    );
    assert!(page.set_cookie.contains("Path=/oauth/google/callback"), "{}", page.set_cookie);
}

async fn integrations_of(app: &TestApp, user: &User) -> Vec<Integration> {
    app.state.ports.integrations.list_integrations(&user.id).await.unwrap()
}

async fn start_needs_a_token_and_a_configured_provider(b: Backend) {
    let app = app(b).await;
    let (_, t) = app.user("Ada", "+14155550161", false).await;

    let (s, body) = app.call("GET", "/oauth/google/start", None, None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{body}");
    let (s, body) = app.call("GET", "/oauth/google/start", Some("not-a-jwt"), None).await;
    assert_eq!(s, 401, "{body}");

    let (s, body) = app.call("GET", "/oauth/dropbox/start", Some(&t), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    assert_eq!(body["error"]["message"], "provider not found");
    let (s, body) = app.call("GET", "/oauth/Not%20A%20Name/start", Some(&t), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{body}");
    let (s, body) = app.call("GET", "/oauth/google/start?scope=bad%22scope", Some(&t), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{body}");
}

async fn start_redirects_to_the_provider_with_a_cookie_for_the_callback(b: Backend) {
    let app = app(b).await;
    let (user, t) = app.user("Ada", "+14155550162", false).await;

    let res = no_redirects().get(app.url("/oauth/google/start")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 302);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let location = header(&res, "location");
    assert!(location.starts_with("https://accounts.google.com/o/oauth2/v2/auth?"), "{location}");
    assert_eq!(param(&location, "client_id").as_deref(), Some("google-client-id"));
    assert_eq!(param(&location, "response_type").as_deref(), Some("code"));
    assert_eq!(
        param(&location, "redirect_uri").as_deref(),
        Some("https://nudge.example/oauth/google/callback")
    );
    assert_eq!(param(&location, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param(&location, "access_type").as_deref(), Some("offline"));
    let scope = param(&location, "scope").unwrap();
    assert!(scope.contains("https://www.googleapis.com/auth/calendar.events"), "the default scopes: {scope}");
    assert!(param(&location, "state").is_some_and(|s| s.len() >= 16), "{location}");
    let set_cookie = header(&res, "set-cookie");
    let browser = cookie_value(&set_cookie);
    assert!(browser.len() >= 32, "{set_cookie}");
    assert_eq!(
        set_cookie,
        format!(
            "nudge_oauth={browser}; Path=/oauth/google/callback; HttpOnly; Secure; SameSite=Lax; Max-Age=600"
        )
    );

    // An app asks for JSON and opens the URL itself; it gets the cookie too, and the scopes it named.
    let res = app
        .http
        .get(app.url("/oauth/google/start?scope=openid%20email"))
        .bearer_auth(&t)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert!(header(&res, "set-cookie").starts_with("nudge_oauth="));
    let (s, body) = nudge_tests::envelope(res).await;
    assert_eq!(s, 200, "{body}");
    let url = body["data"]["authorization_url"].as_str().unwrap();
    assert_eq!(param(url, "scope").as_deref(), Some("openid email"));
    assert_ne!(param(url, "state"), param(&location, "state"), "a fresh state each time");
    let expires: chrono::DateTime<Utc> = body["data"]["expires_at"].as_str().unwrap().parse().unwrap();
    let left = expires - Utc::now();
    assert!(left > Duration::minutes(9) && left <= Duration::minutes(10), "{left}");

    // Each start is in the audit log; nothing is connected yet.
    let page = nudge_domain::PageRequest::default();
    let log = app.state.ports.audit.list_audit(&user.id, &page).await.unwrap().items;
    assert_eq!(log.iter().filter(|e| e.action == "oauth.flow_started").count(), 2, "{log:?}");
    assert!(integrations_of(&app, &user).await.is_empty());
}

async fn a_callback_without_a_known_state_answers_a_page_and_stores_nothing(b: Backend) {
    let app = app(b).await;
    let (user, t) = app.user("Ada", "+14155550163", false).await;
    let (_, browser) = start_json(&app, &t, "google").await;

    let code = "4/0AcodeTheProviderSent";
    let page = callback(&app, &format!("/oauth/google/callback?code={code}"), Some(&browser)).await;
    assert_not_connected(&page, "This sign-in link is incomplete.", &[code, &browser]);

    let state = "made-up-state-never-issued-0123456789";
    let page =
        callback(&app, &format!("/oauth/google/callback?state={state}&code={code}"), Some(&browser)).await;
    assert_not_connected(&page, "already used, has expired, or is not from Nudge", &[code, state, &browser]);

    // A provider's error words are shown escaped, for a state nobody holds: nothing happened.
    let page = callback(&app, "/oauth/google/callback?error=%3Cscript%3E&state=nope", None).await;
    assert_not_connected(&page, "Not connected", &["<script>", "nope"]);

    assert!(integrations_of(&app, &user).await.is_empty());
    let (s, body) = app.call("GET", "/api/integrations", Some(&t), None).await;
    assert_eq!((s, body["data"]["items"].as_array().map(Vec::len)), (200, Some(0)), "{body}");
}

async fn a_callback_in_another_browser_is_refused_and_spends_the_state(b: Backend) {
    let app = app(b).await;
    let (user, t) = app.user("Ada", "+14155550164", false).await;
    let (url, browser) = start_json(&app, &t, "google").await;
    let state = param(&url, "state").unwrap();
    let code = "4/0AcodeForSomeoneElse";
    let path = format!("/oauth/google/callback?state={state}&code={}", code.replace('/', "%2F"));

    // The link, opened in a browser that did not start the sign-in (an attacker's link, say).
    let page =
        callback(&app, &path, Some("0000000000000000000000000000000000000000000000000000000000000000")).await;
    assert_not_connected(&page, "another account or in another browser", &[code, &state]);
    // The state worked once: the right browser now finds it spent.
    let page = callback(&app, &path, Some(&browser)).await;
    assert_not_connected(&page, "already used", &[code, &state, &browser]);

    assert!(integrations_of(&app, &user).await.is_empty());
    let page = nudge_domain::PageRequest::default();
    let log = app.state.ports.audit.list_audit(&user.id, &page).await.unwrap().items;
    let failed: Vec<_> = log.iter().filter(|e| e.action == "oauth.flow_failed").collect();
    assert_eq!(failed.len(), 1, "{log:?}");
    assert_eq!(failed[0].details["reason"], "foreign_state");
}

/// A connected account of `user`, its tokens sealed as the callback seals them.
async fn connect(app: &TestApp, user: &User, provider: &str, access: &str, refresh: &str) -> Integration {
    let ring = KeyRing::parse(&Secret::new(RING)).unwrap();
    let provider = Provider::parse(provider).unwrap();
    let aad = Integration::aad(&user.id, &provider);
    let now = Utc::now();
    let mut i = Integration {
        id: IntegrationId::from_uuid(uuid::Uuid::now_v7()),
        user_id: user.id,
        provider,
        status: IntegrationStatus::Active,
        account: Some("ada@example.com".into()),
        consent: Consent { scopes: vec!["openid".into(), "email".into()], granted_at: now },
        access_token: ring.seal(access.as_bytes(), &aad),
        refresh_token: Some(ring.seal(refresh.as_bytes(), &aad)),
        expires_at: Some(now + Duration::hours(1)),
        refresh_at: None,
        lease_until: None,
        last_refreshed_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    i.refresh_at = i.refresh_time();
    app.state.ports.integrations.put_integration(&i, None).await.unwrap();
    i
}

async fn the_list_shows_accounts_and_providers_but_never_a_token(b: Backend) {
    let app = app(b).await;
    let (user, t) = app.user("Ada", "+14155550165", false).await;
    let i = connect(&app, &user, "google", "ya29.access-token-value", "1//refresh-token-value").await;

    let (s, body) = app.call("GET", "/api/integrations", Some(&t), None).await;
    assert_eq!(s, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["next_cursor"], Value::Null);
    let items = data["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{data}");
    let g = &items[0];
    assert_eq!(g["id"], i.id.to_string());
    assert_eq!(
        (g["provider"].as_str(), g["display_name"].as_str(), g["status"].as_str()),
        (Some("google"), Some("Google"), Some("active"))
    );
    assert_eq!(g["account"], "ada@example.com");
    assert_eq!(g["scopes"], serde_json::json!(["openid", "email"]));
    assert!(g["connected_at"].is_string() && g["expires_at"].is_string(), "{g}");
    let providers: Vec<&str> =
        data["providers"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(providers, ["google", "notion"]);

    let text = body.to_string();
    for secret in
        ["ya29", "refresh-token-value", &i.access_token.data, "access_token", "refresh_token", "\"kid\""]
    {
        assert!(!text.contains(secret), "the list shows {secret}: {text}");
    }

    // Another user sees none of it.
    let (_, other) = app.user("Bob", "+14155550166", false).await;
    let (s, body) = app.call("GET", "/api/integrations", Some(&other), None).await;
    assert_eq!((s, body["data"]["items"].as_array().map(Vec::len)), (200, Some(0)), "{body}");
    let (s, _) = app.call("GET", "/api/integrations", None, None).await;
    assert_eq!(s, 401);
}

async fn only_the_owner_disconnects_an_account(b: Backend) {
    let app = app(b).await;
    let (ada, ada_t) = app.user("Ada", "+14155550167", false).await;
    let (_, bob_t) = app.user("Bob", "+14155550168", false).await;
    // Notion has no revocation endpoint, so nothing outside is called.
    let i = connect(&app, &ada, "notion", "secret_notion-token", "unused").await;
    let path = format!("/api/integrations/{}", i.id);

    let (s, body) = app.call("DELETE", &path, Some(&bob_t), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    assert_eq!(integrations_of(&app, &ada).await.len(), 1, "still connected");
    let (s, _) = app.call("DELETE", &path, None, None).await;
    assert_eq!(s, 401);
    let (s, body) = app.call("DELETE", "/api/integrations/not-an-id", Some(&ada_t), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{body}");

    let (s, body) = app.call("DELETE", &path, Some(&ada_t), None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["data"], serde_json::json!({"provider": "notion", "revoked_at_provider": false}));
    assert!(integrations_of(&app, &ada).await.is_empty());
    let (s, _) = app.call("DELETE", &path, Some(&ada_t), None).await;
    assert_eq!(s, 404, "gone");
    let page = nudge_domain::PageRequest::default();
    let log = app.state.ports.audit.list_audit(&ada.id, &page).await.unwrap().items;
    assert_eq!(log.iter().filter(|e| e.action == "oauth.revoked").count(), 1, "{log:?}");
}

nudge_tests::on_both_backends!(
    start_needs_a_token_and_a_configured_provider,
    start_redirects_to_the_provider_with_a_cookie_for_the_callback,
    a_callback_without_a_known_state_answers_a_page_and_stores_nothing,
    a_callback_in_another_browser_is_refused_and_spends_the_state,
    the_list_shows_accounts_and_providers_but_never_a_token,
    only_the_owner_disconnects_an_account,
);

/// With no provider configured at all, every provider is unknown, and the list is empty.
#[tokio::test]
async fn without_providers_every_provider_is_404() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (_, t) = app.user("Ada", "+14155550169", false).await;
    let (s, body) = app.call("GET", "/oauth/google/start", Some(&t), None).await;
    assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{body}");
    let (s, body) = app.call("GET", "/api/integrations", Some(&t), None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["data"], serde_json::json!({"items": [], "next_cursor": null, "providers": []}));
}

/// Every route is in the API document; the callback needs no token.
#[tokio::test]
async fn the_openapi_document_describes_the_oauth_routes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = app.http.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = &doc["paths"];
    assert!(paths["/oauth/{provider}/start"]["get"]["responses"]["302"].is_object(), "{paths}");
    assert!(paths["/api/integrations"]["get"].is_object());
    assert!(paths["/api/integrations/{id}"]["delete"].is_object());
    let cb = &paths["/oauth/{provider}/callback"]["get"];
    assert!(cb["responses"]["200"]["content"]["text/html"].is_object(), "{cb}");
    assert_eq!(cb["security"], serde_json::json!([{}]), "no token needed: {cb}");
    assert!(doc["components"]["schemas"]["IntegrationView"]["properties"]["scopes"].is_object());
}

/// An admin runs token refresh now, as of a time, and reads its counts; nobody else can.
#[tokio::test]
async fn an_admin_runs_token_refresh_on_demand() {
    let app = app(Backend::Sqlite).await;
    let (_, admin) = app.user("Root", "+14155550171", true).await;
    let (_, user) = app.user("Ada", "+14155550172", false).await;
    let time = serde_json::json!({"time": "2026-11-23T08:15:00Z"});
    let (s, body) =
        app.call("POST", "/api/admin/jobs/token-refresh/run", Some(&admin), Some(time.clone())).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        body["data"],
        serde_json::json!({"due": 0, "refreshed": 0, "needs_reauth": 0, "failed": 0, "skipped": 0})
    );
    let (s, _) = app.call("POST", "/api/admin/jobs/token-refresh/run", Some(&user), Some(time)).await;
    assert_eq!(s, 403);
}
