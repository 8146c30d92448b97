//! Connected accounts end to end against a real OAuth 2.0 authorization server
//! (`tests/oidc`, oidc-provider on 127.0.0.1): the authorization-code flow with PKCE through
//! `nudge-oauth`, tokens sealed in the store, refresh with rotation, revocation, and every way a
//! callback must fail; then the tools over each provider's API stand-in. On both stores.
//!
//! Every test also reads the logs captured meanwhile: no token, code, state or secret is in them.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use chrono::{Duration, Utc};
use nudge_domain::{
    Actor, ApprovalStatus, Connections, FixedClock, Integration, IntegrationStatus, OAuthClient, OAuthError,
    PageRequest, Ports, Provider, Secret, ToolCall, User,
    approval::Via,
    approvals::{self, Decision},
    integrations::{self, CallbackOutcome, CallbackRequest, Failure},
    sealing::KeyRing,
    tools::{ToolContext, Toolbox},
    users::{self, NewUser},
};
use nudge_oauth::{OAuthConfig, OAuthProviders};
use nudge_tests::{
    Backend, TestApp,
    oidc::{OidcClient, OidcConfig, OidcServer, query_param},
    on_both_backends,
    providers::{self, Event},
    queue::QueueTap,
    store_with_clock,
};
use serde_json::{Value, json};

const PUBLIC: &str = "https://nudge.example";
const TRIPS_DB: &str = "5d3e9f1a-8b2c-4e7d-a1f0-6c9b8e7d5a42";
const CLIENT_SECRET: &str = "client-secret-for-the-test-server-0123456789";

// ---- captured logs ----

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, at debug level and above, dependencies included.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        captured
    })
}

fn assert_not_logged(secrets: &[&str]) {
    let text = String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned();
    assert!(!text.is_empty(), "logs were captured");
    for s in secrets.iter().filter(|s| s.len() >= 8) {
        assert!(!text.contains(s), "a secret reached the logs: {}…", &s[..6]);
    }
}

// ---- the rig ----

struct Rig {
    oidc: OidcServer,
    apis: providers::ProviderApis,
    ports: Ports,
    tap: QueueTap,
    clock: Arc<FixedClock>,
    keys: KeyRing,
    /// The adapter, for calls made as another party would (the provider's own revocation).
    client: Arc<OAuthProviders>,
    user: User,
    /// Where callbacks are served.
    public: String,
}

fn lookup(vars: &HashMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    |k| vars.get(k).cloned()
}

async fn rig(backend: Backend) -> Rig {
    rig_at(backend, PUBLIC).await
}

/// The rig, its callbacks served at `public`.
async fn rig_at(backend: Backend, public: &str) -> Rig {
    logs();
    let oidc = OidcServer::start(&OidcConfig {
        clients: vec![OidcClient {
            client_id: "nudge-test".into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("{public}/oauth/google/callback")],
            token_endpoint_auth_method: "client_secret_post".into(),
        }],
        // An hour, as Google's: the refresh tests move the clock to the expiry.
        access_token_ttl: 3600,
        ..OidcConfig::default()
    });
    let e = oidc.endpoints().clone();
    let vars: HashMap<String, String> = [
        ("OAUTH_PROVIDERS", "google"),
        ("OAUTH_GOOGLE_CLIENT_ID", "nudge-test"),
        ("OAUTH_GOOGLE_CLIENT_SECRET", CLIENT_SECRET),
        ("OAUTH_GOOGLE_AUTH_URL", &e.authorization_endpoint),
        ("OAUTH_GOOGLE_TOKEN_URL", &e.token_endpoint),
        ("OAUTH_GOOGLE_REVOKE_URL", &e.revocation_endpoint),
        ("OAUTH_GOOGLE_SCOPES", "openid email offline_access calendar"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = OAuthConfig::from_env(lookup(&vars)).expect("config");
    let credentials = nudge_oauth::credentials::from_env(&config, lookup(&vars));
    let client = Arc::new(OAuthProviders::new(config, Arc::new(credentials)).expect("client"));
    let apis = providers::ProviderApis::start().await;
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let (ports, tap) = store_with_clock(backend, clock.clone()).await;
    let ring = KeyRing::generate();
    let ports = ports.with_connections(Connections {
        oauth: client.clone(),
        apis: Arc::new(apis.apis()),
        keys: Arc::new(Secret::new(ring.clone())),
        public_base_url: public.into(),
    });
    let user = new_user(&ports, "+15550101001").await;
    let keys = KeyRing::parse(&Secret::new(ring)).unwrap();
    Rig { oidc, apis, ports, tap, clock, keys, client, user, public: public.to_owned() }
}

async fn new_user(p: &Ports, phone: &str) -> User {
    let new = NewUser {
        name: nudge_domain::PersonName::parse("Ada").unwrap(),
        phone: nudge_domain::PhoneNumber::parse(phone).unwrap(),
        email: None,
        timezone: nudge_domain::TimeZone::parse("Europe/Paris").unwrap(),
        roles: vec![],
    };
    users::create_user(p, new).await.expect("user")
}

fn google() -> Provider {
    Provider::parse("google").unwrap()
}

fn api_actor(u: &User) -> Actor {
    Actor::user(u.id, Via::Api, Some("203.0.113.9".into()))
}

/// A sign-in as far as the provider's redirect back: what the browser arrives with.
struct Arrival {
    state: String,
    code: Option<String>,
    browser: String,
}

impl Rig {
    async fn sign_in(&self, user: &User) -> Arrival {
        let started =
            integrations::start(&self.ports, user.id, "google", None, &api_actor(user)).await.unwrap();
        assert_eq!(query_param(&started.url, "code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(query_param(&started.url, "access_type").as_deref(), Some("offline"));
        let back = self.oidc.authorize_as(&started.url, "ada@example.com").await;
        assert!(back.starts_with(&format!("{}/oauth/google/callback?", self.public)), "{back}");
        Arrival {
            state: query_param(&back, "state").expect("state"),
            code: query_param(&back, "code"),
            browser: started.browser,
        }
    }

    fn request(&self, a: &Arrival) -> CallbackRequest {
        CallbackRequest {
            provider: "google".into(),
            state: Some(a.state.clone()),
            code: a.code.clone(),
            served_at: format!("{}/oauth/google/callback", self.public),
            browser: Some(a.browser.clone()),
            ip: Some("203.0.113.9".into()),
            ..CallbackRequest::default()
        }
    }

    async fn integration(&self) -> Option<Integration> {
        self.ports.integrations.get_integration(&self.user.id, &google()).await.unwrap()
    }

    fn open(&self, sealed: &nudge_domain::sealing::Sealed) -> String {
        let aad = Integration::aad(&self.user.id, &google());
        String::from_utf8(self.keys.open(sealed, &aad).expect("opens").expose().to_vec()).unwrap()
    }

    async fn audit_actions(&self) -> Vec<String> {
        let page = self.ports.audit.list_audit(&self.user.id, &PageRequest::default()).await.unwrap();
        page.items.into_iter().map(|e| e.action).collect()
    }

    async fn connect(&self) -> Integration {
        let a = self.sign_in(&self.user).await;
        let outcome = integrations::callback(&self.ports, self.request(&a)).await.unwrap();
        assert!(matches!(outcome, CallbackOutcome::Connected { .. }), "{outcome:?}");
        self.integration().await.expect("stored")
    }
}

// ---- the flow ----

async fn connects_refreshes_with_rotation_and_revokes(b: Backend) {
    let r = rig(b).await;
    let a = r.sign_in(&r.user).await;
    let outcome = integrations::callback(&r.ports, r.request(&a)).await.unwrap();
    let CallbackOutcome::Connected { provider, scopes, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(provider, google());
    for s in ["openid", "offline_access", "calendar"] {
        assert!(scopes.iter().any(|x| x == s), "granted {s}: {scopes:?}");
    }

    // Stored sealed, under the current key, bound to the user and provider.
    let i = r.integration().await.expect("stored");
    assert_eq!(i.status, IntegrationStatus::Active);
    assert_eq!(i.access_token.kid, r.keys.current_kid());
    let access = r.open(&i.access_token);
    let refresh = r.open(i.refresh_token.as_ref().expect("a refresh token (offline access)"));
    assert!(!i.access_token.data.contains(&access) && !format!("{i:?}").contains(&access));
    let expires = i.expires_at.expect("expiry");
    assert_eq!(i.refresh_at, Some(expires), "on the refresh index at its expiry");

    // The API's view holds no token.
    let listed = integrations::list(&r.ports, r.user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let shown = serde_json::to_string(&listed).unwrap();
    assert!(!shown.contains(&access) && !shown.contains(&refresh) && !shown.contains(&i.access_token.data));

    // Not due until it expires within 30 minutes; then refreshed, and the refresh token rotates.
    let early = integrations::refresh_due(&r.ports, expires - Duration::minutes(31)).await.unwrap();
    assert_eq!(early.due, 0);
    r.clock.set(expires - Duration::minutes(10));
    let ran = integrations::refresh_due(&r.ports, expires - Duration::minutes(10)).await.unwrap();
    assert_eq!((ran.due, ran.refreshed), (1, 1), "{ran:?}");
    let after = r.integration().await.unwrap();
    let (access2, refresh2) = (r.open(&after.access_token), r.open(after.refresh_token.as_ref().unwrap()));
    assert_ne!(access2, access);
    assert_ne!(refresh2, refresh, "the server rotates refresh tokens; the new one is kept");
    assert!(after.expires_at.unwrap() > r.ports.clock.now() && after.last_refreshed_at.is_some());
    // The old refresh token is spent at the server: the stored one is the only good one.
    let spent = r.client.refresh(&google(), &Secret::new(refresh.clone())).await;
    assert!(matches!(spent, Err(OAuthError::InvalidGrant(_))), "{spent:?}");

    // Disconnecting revokes at the server, then deletes.
    let gone = integrations::disconnect(&r.ports, r.user.id, after.id, &api_actor(&r.user)).await.unwrap();
    assert!(gone.revoked_at_provider);
    assert!(r.integration().await.is_none());
    let revoked = r.client.refresh(&google(), &Secret::new(refresh2.clone())).await;
    assert!(matches!(revoked, Err(OAuthError::InvalidGrant(_))), "{revoked:?}");

    let actions = r.audit_actions().await;
    for want in ["oauth.flow_started", "oauth.flow_completed", "oauth.refreshed", "oauth.revoked"] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
    assert_not_logged(&[
        &access,
        &refresh,
        &access2,
        &refresh2,
        &a.state,
        a.code.as_deref().unwrap(),
        CLIENT_SECRET,
    ]);
}

/// The same flow as a user's app and browser go through it: over HTTP, with the cookie.
async fn the_whole_flow_over_http(b: Backend) {
    let (listener, base) = nudge_tests::reserve().await;
    let r = rig_at(b, &base).await;
    let app = TestApp::on_listener(listener, r.ports.clone()).await;
    let token = app.token(&r.user).await;
    let (_, admin) = app.user("Root", "+15550101099", true).await;
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    // The app asks to connect Google: a redirect to the server, and the cookie for the callback.
    let res = browser.get(app.url("/oauth/google/start")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("nudge_oauth=") && set_cookie.contains("HttpOnly"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert!(location.starts_with(&r.oidc.endpoints().authorization_endpoint), "{location}");

    // The user signs in and consents at the server, which sends the browser back to us.
    let back = r.oidc.authorize_as(&location, "ada@example.com").await;
    assert!(back.starts_with(&format!("{base}/oauth/google/callback?")), "{back}");
    let code = query_param(&back, "code").unwrap();
    let res = browser.get(&back).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = res.text().await.unwrap();
    assert!(page.contains("connected") && !page.contains(&code), "{page}");

    // Listed without tokens.
    let (status, body) = app.call("GET", "/api/integrations", Some(&token), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["items"][0]["provider"], "google", "{body}");
    assert_eq!(body["data"]["items"][0]["status"], "active");
    let stored = r.integration().await.unwrap();
    let (access, refresh) = (r.open(&stored.access_token), r.open(stored.refresh_token.as_ref().unwrap()));
    assert!(!body.to_string().contains(&access) && !body.to_string().contains(&refresh));

    // The schedule's job, run as of ten minutes before expiry: refreshed, and rotated.
    let time = (stored.expires_at.unwrap() - Duration::minutes(10)).to_rfc3339();
    let (status, ran) = app
        .call("POST", "/api/admin/jobs/token-refresh/run", Some(&admin), Some(json!({"time": time})))
        .await;
    assert_eq!(status, 200, "{ran}");
    assert_eq!(ran["data"]["refreshed"], 1, "{ran}");
    let after = r.integration().await.unwrap();
    let refresh2 = r.open(after.refresh_token.as_ref().unwrap());
    assert_ne!(refresh2, refresh);
    let spent = r.client.refresh(&google(), &Secret::new(refresh.clone())).await;
    assert!(matches!(spent, Err(OAuthError::InvalidGrant(_))), "{spent:?}");

    // Disconnecting revokes at the server.
    let path = format!("/api/integrations/{}", after.id);
    let (status, gone) = app.call("DELETE", &path, Some(&token), None).await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["data"]["revoked_at_provider"], true, "{gone}");
    let revoked = r.client.refresh(&google(), &Secret::new(refresh2.clone())).await;
    assert!(matches!(revoked, Err(OAuthError::InvalidGrant(_))), "{revoked:?}");
    let (_, listed) = app.call("GET", "/api/integrations", Some(&token), None).await;
    assert_eq!(listed["data"]["items"], json!([]));
    assert_not_logged(&[&access, &refresh, &refresh2, &code, &cookie["nudge_oauth=".len()..], CLIENT_SECRET]);
}

/// A reconnect link from the text: a page names whose account it is and asks to confirm
/// (opening it spends nothing); the confirmation starts the sign-in in that browser, once.
async fn a_reconnect_link_asks_first_and_works_once(b: Backend) {
    let (listener, base) = nudge_tests::reserve().await;
    let r = rig_at(b, &base).await;
    let app = TestApp::on_listener(listener, r.ports.clone()).await;
    let i = r.connect().await;
    let refresh = r.open(i.refresh_token.as_ref().unwrap());
    assert!(r.client.revoke(&google(), &Secret::new(refresh), true).await.unwrap());
    r.tap.take().await;
    integrations::refresh_due(&r.ports, i.expires_at.unwrap()).await.unwrap();
    let told = r.tap.take().await;
    let n =
        r.ports.notifications.get_notification(&r.user.id, &told[0].notification_id).await.unwrap().unwrap();
    let link = n.text.split_whitespace().find(|w| w.contains("/oauth/google/start?ticket=")).expect("a link");
    assert!(link.starts_with(&base), "{link}");
    let ticket = query_param(link, "ticket").unwrap();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    for _ in 0..2 {
        let res = browser.get(link).send().await.unwrap();
        assert_eq!(res.status(), 200, "opening the link (twice: a preview, then the user)");
        assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("nudge_confirm="));
        let page = res.text().await.unwrap();
        assert!(
            page.contains("Ada") && page.contains("ending in 01") && page.contains("method=\"post\""),
            "{page}"
        );
    }
    let res = browser.get(link).send().await.unwrap();
    let confirm_cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = res.text().await.unwrap();
    let confirm =
        page.split("name=\"confirm\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let form = |c: &str| format!("ticket={ticket}&confirm={c}");
    let post = |body: String, cookie: Option<String>| {
        let mut req = browser
            .post(app.url("/oauth/google/start"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    // Posted from elsewhere (no cookie), or with a value not the page's: refused, and not spent.
    assert_eq!(post(form(&confirm), None).await.unwrap().status(), 401);
    assert_eq!(post(form("guessed"), Some(confirm_cookie.clone())).await.unwrap().status(), 401);
    // Confirmed: to the provider, bound to this browser.
    let res = post(form(&confirm), Some(confirm_cookie.clone())).await.unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let back = r.oidc.authorize_as(&location, "ada@example.com").await;
    let res = browser.get(&back).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(r.integration().await.unwrap().status, IntegrationStatus::Active);
    // Spent.
    let res = browser.get(link).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(post(form(&confirm), Some(confirm_cookie)).await.unwrap().status(), 401);
    assert_not_logged(&[&ticket, &confirm]);
}

/// A phone app's way in: the API gives a one-time link for the system browser, whose page names
/// the account; confirmed there, the sign-in completes in that browser.
async fn a_phone_app_connects_through_a_sign_in_link(b: Backend) {
    let (listener, base) = nudge_tests::reserve().await;
    let r = rig_at(b, &base).await;
    let app = TestApp::on_listener(listener, r.ports.clone()).await;
    let token = app.token(&r.user).await;
    let (status, body) = app.call("POST", "/api/integrations/google/link", Some(&token), None).await;
    assert_eq!(status, 201, "{body}");
    let link = body["data"]["url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{base}/oauth/google/start?ticket=")), "{link}");
    let (status, _) = app.call("POST", "/api/integrations/nowhere/link", Some(&token), None).await;
    assert_eq!(status, 404);
    let (status, _) = app.call("POST", "/api/integrations/google/link", None, None).await;
    assert_eq!(status, 401);

    // The system browser: no bearer token, no cookie yet.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = browser.get(&link).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let confirm_cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let page = res.text().await.unwrap();
    assert!(page.contains("Connect Google") && page.contains("Ada"), "{page}");
    let confirm =
        page.split("name=\"confirm\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let ticket = query_param(&link, "ticket").unwrap();
    let res = browser
        .post(app.url("/oauth/google/start"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", &confirm_cookie)
        .body(format!("ticket={ticket}&confirm={confirm}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let back = r.oidc.authorize_as(&location, "ada@example.com").await;
    let res = browser.get(&back).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(r.integration().await.unwrap().status, IntegrationStatus::Active);
    // Once.
    assert_eq!(browser.get(&link).send().await.unwrap().status(), 401);
    assert_not_logged(&[&ticket, &confirm]);
}

// ---- callbacks that connect nothing ----

async fn assert_failed(r: &Rig, req: CallbackRequest, want: Failure) -> String {
    let outcome = integrations::callback(&r.ports, req).await.unwrap();
    let CallbackOutcome::Failed { failure, message } = outcome else { panic!("connected: {outcome:?}") };
    assert_eq!(failure, want, "{message}");
    message
}

async fn a_state_works_once(b: Backend) {
    let r = rig(b).await;
    let a = r.sign_in(&r.user).await;
    let first = integrations::callback(&r.ports, r.request(&a)).await.unwrap();
    assert!(matches!(first, CallbackOutcome::Connected { .. }));
    let stored = r.integration().await.unwrap();
    let message = assert_failed(&r, r.request(&a), Failure::UnknownState).await;
    assert!(message.contains("already used"), "{message}");
    assert_eq!(r.integration().await.unwrap(), stored, "the replay changed nothing");
    // A state that was never issued, and none at all.
    let forged = CallbackRequest { state: Some("forged-state-value".into()), ..r.request(&a) };
    assert_failed(&r, forged, Failure::UnknownState).await;
    assert_failed(&r, CallbackRequest { state: None, ..r.request(&a) }, Failure::MissingState).await;
    assert_not_logged(&[&a.state, a.code.as_deref().unwrap()]);
}

async fn an_expired_state_connects_nothing(b: Backend) {
    let r = rig(b).await;
    let a = r.sign_in(&r.user).await;
    r.clock.advance(Duration::minutes(10));
    let message = assert_failed(&r, r.request(&a), Failure::Expired).await;
    assert!(message.contains("10 minutes"), "{message}");
    assert!(r.integration().await.is_none());
    // Taken even so: it cannot be used once the clock is put back.
    r.clock.advance(Duration::minutes(-10));
    assert_failed(&r, r.request(&a), Failure::UnknownState).await;
    assert!(r.audit_actions().await.iter().any(|x| x == "oauth.flow_failed"));
}

async fn another_users_or_browsers_state_connects_nothing(b: Backend) {
    let r = rig(b).await;
    let mallory = new_user(&r.ports, "+15550101002").await;
    // Signed in as another user.
    let a = r.sign_in(&r.user).await;
    let req = CallbackRequest { caller: Some(mallory.id), ..r.request(&a) };
    assert_failed(&r, req, Failure::Foreign).await;
    // Back in another browser (its cookie is not the one the sign-in set).
    let a = r.sign_in(&r.user).await;
    let req = CallbackRequest { browser: Some("another-browsers-cookie".into()), ..r.request(&a) };
    assert_failed(&r, req, Failure::Foreign).await;
    // Or in a browser with no cookie at all: a victim sent someone else's authorization URL.
    let a = r.sign_in(&r.user).await;
    let req = CallbackRequest { browser: None, ..r.request(&a) };
    assert_failed(&r, req, Failure::Foreign).await;
    assert!(r.integration().await.is_none());
    let mallorys = r.ports.integrations.list_integrations(&mallory.id).await.unwrap();
    assert!(mallorys.is_empty(), "nothing was attached to the other user");
}

async fn a_callback_at_another_address_connects_nothing(b: Backend) {
    let r = rig(b).await;
    let a = r.sign_in(&r.user).await;
    let req =
        CallbackRequest { served_at: "https://evil.example/oauth/google/callback".into(), ..r.request(&a) };
    assert_failed(&r, req, Failure::WrongRedirect).await;
    let a = r.sign_in(&r.user).await;
    let req = CallbackRequest {
        provider: "notion".into(),
        served_at: format!("{PUBLIC}/oauth/notion/callback"),
        ..r.request(&a)
    };
    assert_failed(&r, req, Failure::WrongRedirect).await;
    assert!(r.integration().await.is_none());
}

async fn a_provider_error_connects_nothing(b: Backend) {
    let r = rig(b).await;
    let a = r.sign_in(&r.user).await;
    // What the provider sends when the user declines: the state and an error, no code.
    let req = CallbackRequest {
        code: None,
        error: Some("access_denied".into()),
        error_description: Some("The user denied the request".into()),
        ..r.request(&a)
    };
    let message = assert_failed(&r, req, Failure::ProviderError).await;
    assert!(message.contains("declined"), "{message}");
    // A code the server does not know (or one used already) fails the exchange.
    let a = r.sign_in(&r.user).await;
    let req = CallbackRequest { code: Some("not-a-code-the-server-issued".into()), ..r.request(&a) };
    assert_failed(&r, req, Failure::Exchange).await;
    assert!(r.integration().await.is_none());
}

// ---- refresh ----

async fn a_refused_refresh_marks_the_integration_and_tells_the_user_once(b: Backend) {
    let r = rig(b).await;
    let i = r.connect().await;
    // The user revokes Nudge at the provider: the refresh token is dead.
    let refresh = r.open(i.refresh_token.as_ref().unwrap());
    assert!(r.client.revoke(&google(), &Secret::new(refresh), true).await.unwrap());
    r.tap.take().await;

    let at = i.expires_at.unwrap();
    r.clock.set(at);
    let ran = integrations::refresh_due(&r.ports, at).await.unwrap();
    assert_eq!((ran.due, ran.needs_reauth), (1, 1), "{ran:?}");
    let marked = r.integration().await.unwrap();
    assert_eq!(marked.status, IntegrationStatus::NeedsReauth);
    assert_eq!(marked.refresh_at, None, "off the refresh index");
    let told = r.tap.take().await;
    assert_eq!(told.len(), 1, "the user is told once");
    let n =
        r.ports.notifications.get_notification(&r.user.id, &told[0].notification_id).await.unwrap().unwrap();
    assert!(
        n.text.contains("Reconnect") && n.text.contains(&format!("{PUBLIC}/oauth/google/start")),
        "{}",
        n.text
    );

    // Later runs do not see it again, and say nothing more.
    for later in [15, 30] {
        let ran = integrations::refresh_due(&r.ports, at + Duration::minutes(later)).await.unwrap();
        assert_eq!(ran.due, 0);
    }
    assert!(r.tap.take().await.is_empty());
    // A tool asking for it is told to reconnect.
    let e = integrations::access_token(&r.ports, r.user.id, &google()).await.unwrap_err();
    assert!(e.to_string().contains("reconnect"), "{e}");
    // The message's link starts a sign-in for the user without a bearer token, once.
    let link = n.text.split_whitespace().find(|w| w.contains("/oauth/google/start?ticket=")).expect("a link");
    let ticket = query_param(link, "ticket").expect("ticket");
    let started = integrations::start_by_ticket(&r.ports, "google", &ticket, None, None).await.unwrap();
    let back = r.oidc.authorize_as(&started.url, "ada@example.com").await;
    let arrival = Arrival {
        state: query_param(&back, "state").unwrap(),
        code: query_param(&back, "code"),
        browser: started.browser,
    };
    let outcome = integrations::callback(&r.ports, r.request(&arrival)).await.unwrap();
    assert!(matches!(outcome, CallbackOutcome::Connected { .. }), "{outcome:?}");
    // A ticket works once.
    let reused = integrations::start_by_ticket(&r.ports, "google", &ticket, None, None).await;
    assert!(matches!(reused, Err(nudge_domain::DomainError::Unauthorized(_))));
    assert_eq!(r.integration().await.unwrap().status, IntegrationStatus::Active, "reconnected");

    assert!(r.audit_actions().await.iter().any(|x| x == "oauth.refresh_failed"));
}

async fn two_refreshers_refresh_once(b: Backend) {
    let r = rig(b).await;
    let i = r.connect().await;
    let at = i.expires_at.unwrap();
    r.clock.set(at - Duration::minutes(5));
    let (one, two) = tokio::join!(
        integrations::refresh_due(&r.ports, at - Duration::minutes(5)),
        integrations::refresh_due(&r.ports, at - Duration::minutes(5)),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.refreshed + two.refreshed, 1, "{one:?} {two:?}");
    assert_eq!(
        one.needs_reauth + two.needs_reauth,
        0,
        "a second refresh with a rotated token would lose the grant"
    );
    let after = r.integration().await.unwrap();
    assert_eq!(after.status, IntegrationStatus::Active);
    assert_eq!(after.lease_until, None);
    // The stored refresh token is the live one.
    let live = r.open(after.refresh_token.as_ref().unwrap());
    assert!(r.client.refresh(&google(), &Secret::new(live)).await.is_ok());
}

async fn a_stale_token_is_refreshed_before_use(b: Backend) {
    let r = rig(b).await;
    let i = r.connect().await;
    let before = r.open(&i.access_token);
    // Fresh: used as it is.
    let t = integrations::access_token(&r.ports, r.user.id, &google()).await.unwrap();
    assert_eq!(t.expose(), before.as_bytes());
    // Spent (the schedule missed it): refreshed first.
    r.clock.set(i.expires_at.unwrap() + Duration::seconds(1));
    let t = integrations::access_token(&r.ports, r.user.id, &google()).await.unwrap();
    assert_ne!(t.expose(), before.as_bytes());
    let after = r.integration().await.unwrap();
    assert_eq!(after.last_refreshed_at, Some(r.ports.clock.now()));
    assert_eq!(r.open(&after.access_token).as_bytes(), t.expose());
}

// ---- tools over each provider's API ----

/// Connects `provider` with the stand-in's token, as a callback would store it.
async fn connect_stand_in(r: &Rig, provider: &str) {
    let name = Provider::parse(provider).unwrap();
    let aad = Integration::aad(&r.user.id, &name);
    let now = r.ports.clock.now();
    let token = r.apis.token(provider);
    let i = Integration {
        id: nudge_domain::IntegrationId::from_uuid(uuid::Uuid::now_v7()),
        user_id: r.user.id,
        provider: name,
        status: IntegrationStatus::Active,
        account: None,
        consent: nudge_domain::Consent { scopes: vec![], granted_at: now },
        access_token: r.keys.seal(token.expose(), &aad),
        refresh_token: None,
        expires_at: Some(now + Duration::hours(1)),
        refresh_at: None,
        lease_until: None,
        last_refreshed_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    r.ports.integrations.put_integration(&i, None).await.unwrap();
}

async fn tool(r: &Rig, name: &str, args: Value) -> (bool, Value) {
    let cx =
        ToolContext { ports: &r.ports, user: &r.user, made_on: None, embedder: None, conversation_id: None };
    let call = ToolCall { id: format!("call-{name}"), name: name.into(), arguments: args };
    let out = Toolbox::builtin().run(&cx, &call).await;
    (out.ok, out.output)
}

/// Approves what a tool asked for and runs it, as the user's YES and the agent worker would.
async fn approve_and_run(r: &Rig, asked: &Value) -> nudge_domain::Approval {
    assert_eq!(asked["status"], "waiting_for_approval", "{asked}");
    let id = asked["approval_id"].as_str().unwrap().parse().unwrap();
    let d = Decision { approve: true, reason: None };
    approvals::decide(&r.ports, r.user.id, id, d, &api_actor(&r.user)).await.unwrap();
    approvals::execute(&r.ports, r.user.id, id).await.unwrap();
    r.ports.approvals.get_approval(&r.user.id, &id).await.unwrap().unwrap()
}

async fn calendar_tools_read_both_calendars_and_write_after_approval(b: Backend) {
    let r = rig(b).await;
    let (ok, out) = tool(&r, "calendar_events", json!({})).await;
    assert!(!ok && out["error"].as_str().unwrap().contains("no calendar is connected"), "{out}");

    connect_stand_in(&r, "google").await;
    connect_stand_in(&r, "microsoft").await;
    let tz = chrono_tz::Europe::Paris;
    let today = r.ports.clock.now().with_timezone(&tz).date_naive();
    let at = |h: u32| today.and_hms_opt(h, 0, 0).unwrap().and_local_timezone(tz).unwrap().with_timezone(&Utc);
    r.apis.add_event("google", Event::timed("g1", "Standup", at(9), at(10)));
    r.apis.add_event("microsoft", Event::timed("m1", "Dentist", at(14), at(15)).at("Main St"));
    r.apis.add_event(
        "google",
        Event::timed("g2", "Tomorrow's thing", at(9) + Duration::days(1), at(10) + Duration::days(1)),
    );
    let (ok, out) = tool(&r, "calendar_events", json!({})).await;
    assert!(ok, "{out}");
    let titles: Vec<&str> =
        out["events"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Standup", "Dentist"], "today's, from both calendars, by start");
    assert_eq!(out["events"][1]["location"], "Main St");
    assert!(
        out["events"][0]["start"].as_str().unwrap().ends_with("T09:00:00+01:00")
            || out["events"][0]["start"].as_str().unwrap().ends_with("T09:00:00+02:00")
    );

    // Writing asks first; nothing is created until the user says yes.
    let start = format!("{}T16:30", today + Duration::days(1));
    let (ok, asked) = tool(
        &r,
        "create_calendar_event",
        json!({"title": "Call the bank", "start": start, "calendar": "google"}),
    )
    .await;
    assert!(ok, "{asked}");
    assert!(asked["summary"].as_str().unwrap().contains("Call the bank"), "{asked}");
    assert!(r.apis.created_events().is_empty());
    let done = approve_and_run(&r, &asked).await;
    assert_eq!(done.status, ApprovalStatus::Executed, "{:?}", done.result);
    let created = r.apis.created_events();
    assert_eq!(created.len(), 1, "{created:?}");
    // Run again (a redelivered message): still one event.
    approvals::execute(&r.ports, r.user.id, done.id).await.unwrap();
    assert_eq!(r.apis.created_events().len(), 1);
}

async fn notion_and_youtube_tools_use_their_apis(b: Backend) {
    let r = rig(b).await;
    let (ok, out) = tool(&r, "notion_search", json!({"query": "trip"})).await;
    assert!(!ok && out["error"].as_str().unwrap().contains("not connected"), "{out}");
    connect_stand_in(&r, "notion").await;
    connect_stand_in(&r, "youtube").await;
    r.apis.add_database(TRIPS_DB, "Trips", "Name");
    r.apis.add_page("0b7c2a6e-3f0d-4c39-9a51-2f1f3a8d9e10", "Trip to Lisbon");
    let (ok, out) = tool(&r, "notion_search", json!({"query": "trip"})).await;
    assert!(ok, "{out}");
    let titles: Vec<&str> =
        out["results"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"Trip to Lisbon") && titles.contains(&"Trips"), "{titles:?}");
    let (_, asked) =
        tool(&r, "create_notion_page", json!({"database_id": TRIPS_DB, "title": "Pack list"})).await;
    assert!(r.apis.created_pages().is_empty());
    let done = approve_and_run(&r, &asked).await;
    assert_eq!(done.status, ApprovalStatus::Executed, "{:?}", done.result);
    assert_eq!(r.apis.created_pages().len(), 1);

    r.apis.add_video("vid-1", "Sourdough basics", "Bake Club");
    r.apis.add_playlist("PL-bread");
    let (ok, out) = tool(&r, "youtube_search", json!({"query": "sourdough"})).await;
    assert!(ok, "{out}");
    assert_eq!(out["videos"][0]["url"], "https://www.youtube.com/watch?v=vid-1");
    let (_, asked) =
        tool(&r, "add_to_youtube_playlist", json!({"playlist_id": "PL-bread", "video_id": "vid-1"})).await;
    assert!(r.apis.playlist("PL-bread").is_empty());
    let done = approve_and_run(&r, &asked).await;
    assert_eq!(done.status, ApprovalStatus::Executed, "{:?}", done.result);
    assert_eq!(r.apis.playlist("PL-bread"), ["vid-1"]);

    // A token the API refuses fails the call in words, never with the token.
    r.apis.set_token("youtube", "another-token-entirely");
    let (ok, out) = tool(&r, "youtube_search", json!({"query": "sourdough"})).await;
    assert!(!ok, "{out}");
    assert!(!out.to_string().contains(providers::YOUTUBE_TOKEN));
    assert_not_logged(&[providers::NOTION_TOKEN, providers::YOUTUBE_TOKEN]);
}

on_both_backends!(
    connects_refreshes_with_rotation_and_revokes,
    the_whole_flow_over_http,
    a_reconnect_link_asks_first_and_works_once,
    a_phone_app_connects_through_a_sign_in_link,
    a_state_works_once,
    an_expired_state_connects_nothing,
    another_users_or_browsers_state_connects_nothing,
    a_callback_at_another_address_connects_nothing,
    a_provider_error_connects_nothing,
    a_refused_refresh_marks_the_integration_and_tells_the_user_once,
    two_refreshers_refresh_once,
    a_stale_token_is_refreshed_before_use,
    calendar_tools_read_both_calendars_and_write_after_approval,
    notion_and_youtube_tools_use_their_apis,
);
