//! Connected accounts: what sealing a token costs, and what the OAuth use cases ask of the store
//! and take, on in-memory SQLite and on DynamoDB in moto. The calls are the figure that carries
//! over to DynamoDB; moto's times are moto's.
//!
//! 1. **Sealing.** `KeyRing::seal` and `open` of a 200-byte access token and a 101-byte refresh
//!    token, and `KeyRing::parse` of a one-key ring (every use case parses the ring it is
//!    handed): `OAUTH_BENCH_ITERS` (20,000) calls each after a tenth of that in warm-up; the
//!    median per call.
//! 2. **The callback.** `integrations::start`, then `integrations::callback` with what the
//!    provider sent back, for a new user (a first connection) and again for the same user (a
//!    reconnection: the stored integration is read and replaced). The OAuth client is wrapped in
//!    [`Timed`], which times each `exchange`, so a callback's time splits into ours and the token
//!    endpoint's. Against [`LocalProvider`], an in-process stand-in that answers at once (so the
//!    figures are ours), and against the real authorization server of the OAuth tests
//!    (`tests/oidc`, oidc-provider on Node, over loopback HTTP), whose sign-in pages are played
//!    by `OidcServer::authorize_as`, untimed.
//! 3. **The refresh schedule.** `integrations::refresh_due` with N integrations due (N users,
//!    one each), among `OAUTH_BENCH_NOT_DUE` (100) that are not. Each round runs an hour after
//!    the last, when the tokens the previous round got (valid an hour) are due again. Against
//!    the stand-in for `OAUTH_BENCH_SIZES` (1, 50, 200); and once against oidc-provider, with
//!    `OAUTH_BENCH_OIDC_N` (50) integrations connected through real sign-ins.
//! 4. **A tool's token.** `integrations::access_token` of a fresh token: what every provider tool
//!    call does first.
//!
//! Store calls are counted by the decorator over the ports (`nudge_tests::counting`), and on
//! DynamoDB the requests the SDK sent by an interceptor, by operation. DynamoDB is moto at
//! `NUDGE_TEST_MOTO_URL` (`scripts/bench oauth` starts it); oidc-provider needs
//! `npm ci --prefix tests/oidc`. `OAUTH_BENCH_RUNS` sets the timed rounds of parts 2 and 3 (200
//! and 10 on SQLite, 20 and 3 on moto by default), `OAUTH_BENCH_BACKENDS` (`sqlite`,
//! `dynamodb`) narrows parts 2–4. Tables are printed at the end, as markdown.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    hint::black_box,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration as StdDuration, Instant},
};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use nudge_domain::{
    Actor, Authorization, Connections, Consent, Integration, IntegrationId, IntegrationStatus, OAuthClient,
    OAuthError, Ports, Provider, ProviderInfo, Secret, TokenGrant, UserId, Verifier,
    approval::Via,
    integration::REFRESH_AHEAD,
    integrations::{self, CallbackOutcome, CallbackRequest, Refreshed},
    sealing::KeyRing,
};
use nudge_oauth::{OAuthConfig, OAuthProviders};
use nudge_tests::stats::{median, p90};
use nudge_tests::{
    Backend,
    counting::{self, Calls, Counts, Kind, Requests, describe, describe_requests, same_each_round, since},
    oidc::{OidcClient, OidcConfig, OidcServer, query_param},
};
use uuid::Uuid;

const PUBLIC: &str = "https://nudge.example";
const CLIENT_SECRET: &str = "client-secret-for-the-bench-server-0123456789";
/// How long the stand-in's access tokens last, as Google's and Microsoft's.
const TOKEN_LIFETIME: i64 = 3600;

fn google() -> Provider {
    Provider::parse(Provider::GOOGLE).expect("provider")
}

/// `len` characters of random hex after `prefix`: the shape of a provider's opaque token.
fn token(prefix: &str, len: usize) -> String {
    let mut t = prefix.to_owned();
    while t.len() < len {
        t.push_str(&Uuid::new_v4().simple().to_string());
    }
    t.truncate(len);
    t
}

/// A Google-sized access token (`ya29.…`, about 200 bytes).
fn access_token() -> String {
    token("ya29.a0", 200)
}

/// A Google-sized refresh token (`1//0…`, about 100 bytes).
fn refresh_token() -> String {
    token("1//0g", 101)
}

// ---- the OAuth clients ----------------------------------------------------------------------

/// A provider that answers at once, in-process: a new access token and a rotated refresh token
/// on every exchange and refresh, valid an hour. What a bench against it measures is ours.
#[derive(Default)]
struct LocalProvider {
    issued: AtomicU64,
}

#[async_trait]
impl OAuthClient for LocalProvider {
    fn providers(&self) -> Vec<ProviderInfo> {
        vec![ProviderInfo {
            name: google(),
            display_name: "Google".into(),
            default_scopes: vec![
                "openid".into(),
                "email".into(),
                "https://www.googleapis.com/auth/calendar".into(),
            ],
            revocable: true,
        }]
    }

    async fn authorize(
        &self,
        provider: &Provider,
        scopes: &[String],
        redirect_uri: &str,
    ) -> Result<Authorization, OAuthError> {
        let state = token("", 43);
        let url = format!(
            "https://accounts.example/o/oauth2/v2/auth?response_type=code&client_id=nudge&state={state}\
             &redirect_uri={redirect_uri}&scope={}&code_challenge_method=S256&provider={provider}",
            scopes.join("+")
        );
        Ok(Authorization { url, state, verifier: Verifier::new(token("", 64)) })
    }

    async fn exchange(&self, _: &Provider, _: &str, _: &Verifier, _: &str) -> Result<TokenGrant, OAuthError> {
        self.issued.fetch_add(1, Ordering::Relaxed);
        Ok(TokenGrant {
            access_token: Secret::new(access_token()),
            refresh_token: Some(Secret::new(refresh_token())),
            expires_in: Some(Duration::seconds(TOKEN_LIFETIME)),
            scopes: None,
            account: Some("ada@example.com".into()),
        })
    }

    async fn refresh(&self, _: &Provider, _: &Secret) -> Result<TokenGrant, OAuthError> {
        self.issued.fetch_add(1, Ordering::Relaxed);
        Ok(TokenGrant {
            access_token: Secret::new(access_token()),
            refresh_token: Some(Secret::new(refresh_token())),
            expires_in: Some(Duration::seconds(TOKEN_LIFETIME)),
            scopes: None,
            account: None,
        })
    }

    async fn revoke(&self, _: &Provider, _: &Secret, _: bool) -> Result<bool, OAuthError> {
        Ok(true)
    }
}

/// An OAuth client whose token endpoint calls (`exchange`, `refresh`) are timed.
struct Timed {
    inner: Arc<dyn OAuthClient>,
    spent: Mutex<Vec<StdDuration>>,
}

impl Timed {
    fn new(inner: Arc<dyn OAuthClient>) -> Self {
        Self { inner, spent: Mutex::new(Vec::new()) }
    }

    /// The token endpoint calls' times since the last `take`.
    fn take(&self) -> Vec<StdDuration> {
        std::mem::take(&mut *self.spent.lock().expect("timings"))
    }

    fn record(&self, t: Instant) {
        self.spent.lock().expect("timings").push(t.elapsed());
    }
}

#[async_trait]
impl OAuthClient for Timed {
    fn providers(&self) -> Vec<ProviderInfo> {
        self.inner.providers()
    }

    async fn authorize(
        &self,
        provider: &Provider,
        scopes: &[String],
        redirect_uri: &str,
    ) -> Result<Authorization, OAuthError> {
        self.inner.authorize(provider, scopes, redirect_uri).await
    }

    async fn exchange(
        &self,
        provider: &Provider,
        code: &str,
        verifier: &Verifier,
        redirect_uri: &str,
    ) -> Result<TokenGrant, OAuthError> {
        let t = Instant::now();
        let out = self.inner.exchange(provider, code, verifier, redirect_uri).await;
        self.record(t);
        out
    }

    async fn refresh(&self, provider: &Provider, refresh_token: &Secret) -> Result<TokenGrant, OAuthError> {
        let t = Instant::now();
        let out = self.inner.refresh(provider, refresh_token).await;
        self.record(t);
        out
    }

    async fn revoke(
        &self,
        provider: &Provider,
        token: &Secret,
        is_refresh: bool,
    ) -> Result<bool, OAuthError> {
        self.inner.revoke(provider, token, is_refresh).await
    }
}

/// Which authorization server a rig talks to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Issuer {
    Local,
    Oidc,
}

impl Issuer {
    fn label(self) -> &'static str {
        match self {
            Issuer::Local => "in-process stand-in",
            Issuer::Oidc => "oidc-provider (Node, loopback)",
        }
    }
}

/// oidc-provider with one client whose redirect URI is ours, and our OAuth client for it.
fn oidc_client(oidc: &OidcServer) -> Arc<OAuthProviders> {
    let e = oidc.endpoints().clone();
    let vars: BTreeMap<&str, String> = [
        ("OAUTH_PROVIDERS", "google".to_owned()),
        ("OAUTH_GOOGLE_CLIENT_ID", "nudge-bench".to_owned()),
        ("OAUTH_GOOGLE_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("OAUTH_GOOGLE_AUTH_URL", e.authorization_endpoint),
        ("OAUTH_GOOGLE_TOKEN_URL", e.token_endpoint),
        ("OAUTH_GOOGLE_REVOKE_URL", e.revocation_endpoint),
        ("OAUTH_GOOGLE_SCOPES", "openid email offline_access calendar".to_owned()),
    ]
    .into_iter()
    .collect();
    let lookup = |k: &str| vars.get(k).cloned();
    let config = OAuthConfig::from_env(lookup).expect("oauth config");
    let credentials = nudge_oauth::credentials::from_env(&config, lookup);
    Arc::new(OAuthProviders::new(config, Arc::new(credentials)).expect("oauth client"))
}

fn start_oidc() -> OidcServer {
    OidcServer::start(&OidcConfig {
        clients: vec![OidcClient {
            client_id: "nudge-bench".into(),
            client_secret: CLIENT_SECRET.into(),
            redirect_uris: vec![format!("{PUBLIC}/oauth/google/callback")],
            token_endpoint_auth_method: "client_secret_post".into(),
        }],
        access_token_ttl: TOKEN_LIFETIME as u64,
        ..OidcConfig::default()
    })
}

// ---- the rig --------------------------------------------------------------------------------

/// Counted ports over a fresh store, with connected accounts over a timed OAuth client.
struct Rig {
    backend: Backend,
    issuer: Issuer,
    ports: Ports,
    calls: Calls,
    requests: Option<Requests>,
    timed: Arc<Timed>,
    keys: KeyRing,
}

async fn rig(backend: Backend, issuer: Issuer, client: Arc<dyn OAuthClient>) -> Rig {
    let (ports, calls, requests) = counting::ports(backend).await;
    let timed = Arc::new(Timed::new(client));
    let ring = KeyRing::generate();
    let apis = nudge_providers::HttpProviderApis::new(
        nudge_providers::http_client(),
        nudge_providers::ApiConfig::default(),
    );
    let ports = ports.with_connections(Connections {
        oauth: timed.clone(),
        apis: Arc::new(apis),
        keys: Arc::new(Secret::new(ring.clone())),
        public_base_url: PUBLIC.into(),
    });
    let keys = KeyRing::parse(&Secret::new(ring)).expect("key ring");
    Rig { backend, issuer, ports, calls, requests, timed, keys }
}

/// What one call took and asked for.
#[derive(Clone, Default)]
struct Measured {
    took: StdDuration,
    calls: Counts,
    requests: BTreeMap<String, u64>,
    /// The token endpoint calls made meanwhile.
    provider: Vec<StdDuration>,
}

impl Rig {
    async fn measure<T>(&self, f: impl Future<Output = T>) -> (T, Measured) {
        self.timed.take();
        let before = self.calls.snapshot();
        let sent_before = self.requests.as_ref().map(Requests::snapshot).unwrap_or_default();
        let t = Instant::now();
        let out = f.await;
        let took = t.elapsed();
        let requests = self.requests.as_ref().map(|r| since(&sent_before, &r.snapshot())).unwrap_or_default();
        let m = Measured {
            took,
            calls: since(&before, &self.calls.snapshot()),
            requests,
            provider: self.timed.take(),
        };
        (out, m)
    }

    /// Starts a sign-in for `user` and answers the callback the provider would cause: with a
    /// made-up code for the stand-in, or after signing in at oidc-provider's pages.
    async fn sign_in(&self, user: UserId, oidc: Option<&OidcServer>) -> (CallbackRequest, Measured) {
        let actor = Actor::user(user, Via::Api, Some("203.0.113.9".into()));
        let (started, m) = self.measure(integrations::start(&self.ports, user, "google", None, &actor)).await;
        let started = started.expect("start");
        let back = match oidc {
            Some(server) => server.authorize_as(&started.url, "ada@example.com").await,
            None => {
                let state = query_param(&started.url, "state").expect("state");
                format!("{PUBLIC}/oauth/google/callback?code={}&state={state}", token("4/0A", 73))
            }
        };
        let req = CallbackRequest {
            provider: "google".into(),
            state: query_param(&back, "state"),
            code: query_param(&back, "code"),
            served_at: format!("{PUBLIC}/oauth/google/callback"),
            browser: Some(started.browser),
            ip: Some("203.0.113.9".into()),
            ..CallbackRequest::default()
        };
        (req, m)
    }

    /// Connects `user` with a sign-in and its callback; answers what `start` and the callback
    /// took and asked for.
    async fn connect(&self, user: UserId, oidc: Option<&OidcServer>) -> (Measured, Measured) {
        let (req, started) = self.sign_in(user, oidc).await;
        let (outcome, m) = self.measure(integrations::callback(&self.ports, req)).await;
        let outcome = outcome.expect("callback");
        assert!(matches!(outcome, CallbackOutcome::Connected { .. }), "{outcome:?}");
        (started, m)
    }
}

// ---- statistics -----------------------------------------------------------------------------

fn ms(d: StdDuration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 10.0 { format!("{ms:.2} ms") } else { format!("{ms:.1} ms") }
}

fn us(d: StdDuration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// µs below a millisecond, ms above.
fn short(d: StdDuration) -> String {
    if d < StdDuration::from_millis(1) { us(d) } else { ms(d) }
}

fn total(v: &[StdDuration]) -> StdDuration {
    v.iter().sum()
}

/// "3 writes: `put_integration` ×2, `append_audit`" style cells, reads and writes together.
fn store_calls(c: &Counts) -> String {
    let (reads, writes) = (describe(c, Kind::Read), describe(c, Kind::Write));
    match (reads.as_str(), writes.as_str()) {
        ("0", "0") => "0".into(),
        ("0", w) => format!("writes {w}"),
        (r, "0") => format!("reads {r}"),
        (r, w) => format!("reads {r}; writes {w}"),
    }
}

fn requests_cell(rig_backend: Backend, r: &[BTreeMap<String, u64>]) -> String {
    match rig_backend {
        Backend::Sqlite => "–".into(),
        Backend::Dynamo => same_each_round(r, describe_requests),
    }
}

// ---- part 1: sealing ------------------------------------------------------------------------

/// The median of `iters` calls of `f`, after `iters / 10` calls.
fn time_each(iters: usize, mut f: impl FnMut()) -> StdDuration {
    for _ in 0..iters / 10 {
        f();
    }
    let times: Vec<_> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    median(&times)
}

fn bench_sealing(out: &mut String, iters: usize) {
    let ring_text = KeyRing::generate();
    let ring = KeyRing::parse(&Secret::new(ring_text.clone())).expect("ring");
    let aad = Integration::aad(&UserId::from_uuid(Uuid::now_v7()), &google());
    let (access, refresh) = (access_token(), refresh_token());
    let mut rows = Vec::new();
    for (what, plain) in [("access token", &access), ("refresh token", &refresh)] {
        let sealed = ring.seal(plain.as_bytes(), &aad);
        assert_eq!(ring.open(&sealed, &aad).expect("opens").expose(), plain.as_bytes());
        let seal = time_each(iters, || {
            black_box(ring.seal(black_box(plain.as_bytes()), black_box(&aad)));
        });
        let open = time_each(iters, || {
            black_box(ring.open(black_box(&sealed), black_box(&aad)).expect("opens"));
        });
        rows.push(format!(
            "| `KeyRing::seal` | {what}, {} bytes → {} bytes of base64 | {} |",
            plain.len(),
            sealed.data.len(),
            us(seal)
        ));
        rows.push(format!("| `KeyRing::open` | the same, sealed | {} |", us(open)));
    }
    let secret = Secret::new(ring_text);
    let parse = time_each(iters, || {
        black_box(KeyRing::parse(black_box(&secret)).expect("ring"));
    });
    rows.push(format!(
        "| `KeyRing::parse` | a ring of one key (JSON, {} bytes) | {} |",
        secret.expose().len(),
        us(parse)
    ));

    let _ = writeln!(out, "### 1. Sealing");
    let _ = writeln!(out);
    let _ = writeln!(out, "{iters} calls each after {} of warm-up; median per call", iters / 10);
    let _ = writeln!(out);
    let _ = writeln!(out, "| call | input | median |");
    let _ = writeln!(out, "|---|---|---|");
    for r in rows {
        let _ = writeln!(out, "{r}");
    }
    let _ = writeln!(out);
}

// ---- part 2 and 4: the callback, a tool's token ---------------------------------------------

#[derive(Default)]
struct Series(Vec<Measured>);

impl Series {
    fn times(&self) -> Vec<StdDuration> {
        self.0.iter().map(|m| m.took).collect()
    }
    fn provider(&self) -> Vec<StdDuration> {
        self.0.iter().map(|m| total(&m.provider)).collect()
    }
    /// Each round's own time less its token endpoint time.
    fn ours(&self) -> Vec<StdDuration> {
        self.0.iter().map(|m| m.took.saturating_sub(total(&m.provider))).collect()
    }
    fn calls(&self) -> Vec<Counts> {
        self.0.iter().map(|m| m.calls.clone()).collect()
    }
    fn requests(&self) -> Vec<BTreeMap<String, u64>> {
        self.0.iter().map(|m| m.requests.clone()).collect()
    }
}

struct CallbackRun {
    backend: Backend,
    issuer: Issuer,
    start: Series,
    first: Series,
    again: Series,
    /// Part 4, on the stand-in's rig only.
    token: Option<Series>,
}

async fn bench_callback(
    backend: Backend,
    issuer: Issuer,
    oidc: Option<&OidcServer>,
    warm: usize,
    rounds: usize,
    token_calls: usize,
) -> CallbackRun {
    let client: Arc<dyn OAuthClient> = match oidc {
        Some(server) => oidc_client(server),
        None => Arc::new(LocalProvider::default()),
    };
    let rig = rig(backend, issuer, client).await;
    let mut run = CallbackRun {
        backend,
        issuer,
        start: Series::default(),
        first: Series::default(),
        again: Series::default(),
        token: None,
    };
    let mut last = None;
    for round in 0..warm + rounds {
        let user = UserId::from_uuid(Uuid::now_v7());
        let (started, first) = rig.connect(user, oidc).await;
        let (_, again) = rig.connect(user, oidc).await;
        for m in [&first, &again] {
            assert_eq!(m.provider.len(), 1, "one exchange a callback");
        }
        if round >= warm {
            run.start.0.push(started);
            run.first.0.push(first);
            run.again.0.push(again);
        }
        last = Some(user);
    }
    eprintln!("{} via {}: {rounds} callbacks timed", backend.label(), issuer.label());
    if issuer == Issuer::Local {
        let user = last.expect("a user");
        let stored = rig.ports.integrations.get_integration(&user, &google()).await.expect("read");
        let stored = stored.expect("connected");
        let want = rig.keys.open(&stored.access_token, &Integration::aad(&user, &google())).expect("opens");
        let mut series = Series::default();
        for i in 0..token_calls + token_calls / 10 {
            let (t, m) = rig.measure(integrations::access_token(&rig.ports, user, &google())).await;
            assert_eq!(t.expect("a token").expose(), want.expose(), "the stored token, not refreshed");
            assert!(m.provider.is_empty(), "a fresh token is not refreshed");
            if i >= token_calls / 10 {
                series.0.push(m);
            }
        }
        run.token = Some(series);
    }
    run
}

fn print_callbacks(out: &mut String, runs: &[CallbackRun]) {
    let _ = writeln!(out, "### 2. The callback");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "`integrations::callback` after `integrations::start`; median (p90) of the timed rounds; \
         \"token endpoint\" is the `exchange` call, \"ours\" the rest"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| store | provider | call | rounds | total | token endpoint | ours | store calls | DynamoDB requests |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        for (what, s) in [
            ("`start`", &r.start),
            ("`callback`, first connection", &r.first),
            ("`callback`, reconnection", &r.again),
        ] {
            let has_provider = s.0.iter().any(|m| !m.provider.is_empty());
            let _ = writeln!(
                out,
                "| {} | {} | {what} | {} | {} ({}) | {} | {} ({}) | {} | {} |",
                r.backend.label(),
                r.issuer.label(),
                s.0.len(),
                ms(median(&s.times())),
                ms(p90(&s.times())),
                if has_provider { short(median(&s.provider())) } else { "–".into() },
                ms(median(&s.ours())),
                ms(p90(&s.ours())),
                same_each_round(&s.calls(), store_calls),
                requests_cell(r.backend, &s.requests()),
            );
        }
    }
    let _ = writeln!(out);
}

fn print_tokens(out: &mut String, runs: &[CallbackRun]) {
    let _ = writeln!(out, "### 4. A tool's token: `access_token` of a fresh token");
    let _ = writeln!(out);
    let _ = writeln!(out, "| store | calls | median | p90 | store calls | DynamoDB requests |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in runs {
        let Some(s) = &r.token else { continue };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.backend.label(),
            s.0.len(),
            short(median(&s.times())),
            short(p90(&s.times())),
            same_each_round(&s.calls(), store_calls),
            requests_cell(r.backend, &s.requests()),
        );
    }
    let _ = writeln!(out);
}

// ---- part 3: the refresh schedule -----------------------------------------------------------

/// An integration connected at `at - 50 min` whose token expires at `expires_at`, sealed as a
/// callback seals it.
fn integration(keys: &KeyRing, user: UserId, expires_at: DateTime<Utc>) -> Integration {
    let provider = google();
    let aad = Integration::aad(&user, &provider);
    let connected = expires_at - Duration::seconds(TOKEN_LIFETIME);
    let mut i = Integration {
        id: IntegrationId::from_uuid(Uuid::now_v7()),
        user_id: user,
        provider,
        status: IntegrationStatus::Active,
        account: Some("ada@example.com".into()),
        consent: Consent {
            scopes: vec!["openid".into(), "email".into(), "https://www.googleapis.com/auth/calendar".into()],
            granted_at: connected,
        },
        access_token: keys.seal(access_token().as_bytes(), &aad),
        refresh_token: Some(keys.seal(refresh_token().as_bytes(), &aad)),
        expires_at: Some(expires_at),
        refresh_at: None,
        lease_until: None,
        last_refreshed_at: None,
        created_at: connected,
        updated_at: connected,
        version: 1,
    };
    i.refresh_at = i.refresh_time();
    i
}

struct RefreshRun {
    backend: Backend,
    issuer: Issuer,
    due: usize,
    not_due: usize,
    rounds: Vec<Measured>,
    /// The index read alone (`IntegrationRepo::refresh_due`), before each timed round.
    reads: Vec<StdDuration>,
    /// An integration as stored, in JSON: about its DynamoDB item's size.
    item_bytes: usize,
}

/// Rounds of `refresh_due` on `rig`, the first at `first` and each an hour after the last: the
/// tokens a round got are due again at the next. Before each, the index read is timed alone.
async fn refresh_rounds(
    rig: &Rig,
    due: usize,
    first: DateTime<Utc>,
    warm: usize,
    rounds: usize,
) -> (Vec<Measured>, Vec<StdDuration>) {
    let (mut timed, mut reads) = (Vec::new(), Vec::new());
    for round in 0..warm + rounds {
        let now = first + Duration::seconds(TOKEN_LIFETIME) * round as i32;
        let t = Instant::now();
        let read = rig.ports.integrations.refresh_due(now + REFRESH_AHEAD).await.expect("index read");
        let read_took = t.elapsed();
        assert_eq!(read.len(), due, "the index names the due integrations only");
        let (report, m) = rig.measure(integrations::refresh_due(&rig.ports, now)).await;
        let report = report.expect("refresh_due");
        let want = Refreshed { due, refreshed: due, ..Refreshed::default() };
        assert_eq!(report, want, "{} N={due} round {round}", rig.backend.label());
        assert_eq!(m.provider.len(), due, "one token endpoint call per integration");
        eprintln!(
            "{} via {} N={due} round {round}: read {}, refresh_due {} ({} at the provider)",
            rig.backend.label(),
            rig.issuer.label(),
            ms(read_took),
            ms(m.took),
            ms(total(&m.provider))
        );
        if round >= warm {
            timed.push(m);
            reads.push(read_took);
        }
    }
    (timed, reads)
}

/// The size of one of `rig`'s due integrations as stored (its JSON).
async fn item_bytes(rig: &Rig, user: &UserId) -> usize {
    let i = rig.ports.integrations.get_integration(user, &google()).await.expect("read").expect("stored");
    serde_json::to_string(&i).expect("json").len()
}

async fn bench_refresh_local(
    backend: Backend,
    due: usize,
    not_due: usize,
    warm: usize,
    rounds: usize,
) -> RefreshRun {
    let rig = rig(backend, Issuer::Local, Arc::new(LocalProvider::default())).await;
    // Whole seconds: the first round's "now" is the scheduled event's time.
    let first = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    let t = Instant::now();
    let mut users = Vec::new();
    for n in 0..due + not_due {
        let expires = if n < due {
            first + Duration::minutes(10) + Duration::seconds(n as i64 % 600)
        } else {
            first + Duration::days(30) + Duration::minutes(n as i64)
        };
        let i = integration(&rig.keys, UserId::from_uuid(Uuid::now_v7()), expires);
        rig.ports.integrations.put_integration(&i, None).await.expect("seed");
        users.push(i.user_id);
    }
    eprintln!("{} N={due}: seeded in {:.2?}", backend.label(), t.elapsed());
    let (rounds, reads) = refresh_rounds(&rig, due, first, warm, rounds).await;
    let item_bytes = item_bytes(&rig, &users[0]).await;
    RefreshRun { backend, issuer: Issuer::Local, due, not_due, rounds, reads, item_bytes }
}

async fn bench_refresh_oidc(
    backend: Backend,
    oidc: &OidcServer,
    due: usize,
    warm: usize,
    rounds: usize,
) -> RefreshRun {
    let rig = rig(backend, Issuer::Oidc, oidc_client(oidc)).await;
    let t = Instant::now();
    let mut users = Vec::new();
    for _ in 0..due {
        let user = UserId::from_uuid(Uuid::now_v7());
        rig.connect(user, Some(oidc)).await;
        users.push(user);
    }
    let mut latest = None;
    for user in &users {
        let i = rig.ports.integrations.get_integration(user, &google()).await.expect("read").expect("stored");
        latest = latest.max(i.refresh_at);
    }
    eprintln!("{} via oidc-provider N={due}: connected in {:.2?}", backend.label(), t.elapsed());
    // Ten minutes before the last of them expires: every one is within the 30 minutes ahead.
    let first = latest.expect("on the refresh index") - Duration::minutes(10);
    let (rounds, reads) = refresh_rounds(&rig, due, first, warm, rounds).await;
    let item_bytes = item_bytes(&rig, &users[0]).await;
    RefreshRun { backend, issuer: Issuer::Oidc, due, not_due: 0, rounds, reads, item_bytes }
}

fn print_refresh(out: &mut String, runs: &[RefreshRun]) {
    let _ = writeln!(out, "### 3. The refresh schedule: `refresh_due` with N integrations due");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "N users with one integration each, due, among others not due; the timed rounds run an hour \
         apart, each when the tokens the last one got are due; medians. \"Index read\" is \
         `IntegrationRepo::refresh_due` alone, timed before each round; \"ours per integration\" is \
         the wall time less the token endpoint's, over N (only where the provider answers \
         in-process: a real one's calls overlap, 8 at a time)"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| store | provider | N due (not due) | rounds | wall | index read | wall / N | ours per \
         integration | token endpoint per call (sum) | store calls | DynamoDB requests |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        let walls: Vec<_> = r.rounds.iter().map(|m| m.took).collect();
        let provider_calls: Vec<StdDuration> =
            r.rounds.iter().flat_map(|m| m.provider.iter().copied()).collect();
        let provider_sums: Vec<_> = r.rounds.iter().map(|m| total(&m.provider)).collect();
        let wall = median(&walls);
        let ours = match r.issuer {
            Issuer::Local => short(wall.saturating_sub(median(&provider_sums)) / r.due as u32),
            Issuer::Oidc => "–".into(),
        };
        let calls: Vec<Counts> = r.rounds.iter().map(|m| m.calls.clone()).collect();
        // "`refresh_due` + 3 each: …": the read once, the rest per integration.
        let per_integration = |c: &Counts| -> String {
            let mut c = c.clone();
            let reads = c.remove("refresh_due").unwrap_or(0);
            let each = |n: u64| {
                let x = n as f64 / r.due as f64;
                if x.fract() == 0.0 { format!("{x}") } else { format!("{x:.2}") }
            };
            let names: Vec<String> = c
                .iter()
                .map(|(m, k)| match each(*k).as_str() {
                    "1" => format!("`{m}`"),
                    x => format!("`{m}` ×{x}"),
                })
                .collect();
            format!("`refresh_due` ×{reads} + {} each: {}", each(c.values().sum()), names.join(", "))
        };
        let requests: Vec<_> = r.rounds.iter().map(|m| m.requests.clone()).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {ours} | {} ({}) | {} | {} |",
            r.backend.label(),
            r.issuer.label(),
            r.due,
            r.not_due,
            r.rounds.len(),
            ms(wall),
            short(median(&r.reads)),
            short(wall / r.due as u32),
            short(median(&provider_calls)),
            short(median(&provider_sums)),
            same_each_round(&calls, per_integration),
            requests_cell(r.backend, &requests),
        );
    }
    let _ = writeln!(out);
    let sizes: Vec<String> = [Issuer::Local, Issuer::Oidc]
        .iter()
        .filter_map(|&issuer| {
            let n: Vec<usize> = runs.iter().filter(|r| r.issuer == issuer).map(|r| r.item_bytes).collect();
            let (lo, hi) = (n.iter().min()?, n.iter().max()?);
            let bytes = if lo == hi { format!("{lo}") } else { format!("{lo}–{hi}") };
            Some(format!("{bytes} bytes with the {}'s tokens", issuer.label()))
        })
        .collect();
    let _ =
        writeln!(out, "An integration as stored (its JSON, sealed tokens included): {}.", sizes.join("; "));
    let _ = writeln!(out);
}

// ---- main -----------------------------------------------------------------------------------

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name).ok().map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let number = |name: &str| {
        std::env::var(name).ok().map(|v| v.parse::<usize>().unwrap_or_else(|_| panic!("{name}: {v}")))
    };
    let iters = number("OAUTH_BENCH_ITERS").unwrap_or(20_000);
    let runs = number("OAUTH_BENCH_RUNS");
    let not_due = number("OAUTH_BENCH_NOT_DUE").unwrap_or(100);
    let oidc_n = number("OAUTH_BENCH_OIDC_N").unwrap_or(50);
    let sizes: Vec<usize> = env_list("OAUTH_BENCH_SIZES")
        .map_or(vec![1, 50, 200], |v| v.iter().map(|s| s.parse().expect("OAUTH_BENCH_SIZES")).collect());
    let backends: Vec<Backend> =
        env_list("OAUTH_BENCH_BACKENDS").map_or(vec![Backend::Sqlite, Backend::Dynamo], |v| {
            v.iter()
                .map(|b| match b.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "dynamodb" => Backend::Dynamo,
                    other => panic!("OAUTH_BENCH_BACKENDS: unknown backend {other}"),
                })
                .collect()
        });

    let mut out = String::new();
    bench_sealing(&mut out, iters);

    let oidc = start_oidc();
    let mut callbacks = Vec::new();
    let mut refreshes = Vec::new();
    for &backend in &backends {
        // (warm-up, timed) rounds of the callback and of the refresh.
        let ((cw, cr), (rw, rr), token_calls) = match backend {
            Backend::Sqlite => ((20, runs.unwrap_or(200)), (2, runs.unwrap_or(10)), 2_000),
            Backend::Dynamo => ((3, runs.unwrap_or(20)), (1, runs.unwrap_or(3)), 200),
        };
        callbacks.push(bench_callback(backend, Issuer::Local, None, cw, cr, token_calls).await);
        callbacks.push(bench_callback(backend, Issuer::Oidc, Some(&oidc), cw.min(3), cr.min(20), 0).await);
        for &n in &sizes {
            refreshes.push(bench_refresh_local(backend, n, not_due, rw, rr).await);
        }
        refreshes.push(bench_refresh_oidc(backend, &oidc, oidc_n, rw, rr).await);
    }
    if !callbacks.is_empty() {
        print_callbacks(&mut out, &callbacks);
        print_refresh(&mut out, &refreshes);
        print_tokens(&mut out, &callbacks);
    }
    print!("{out}");
}
