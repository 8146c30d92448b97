//! One harness for every cross-function test: stores on either backend (SQLite, or DynamoDB on
//! a moto server over loopback, in a fresh table made from `template.yaml`), and [`TestApp`],
//! which serves every route on an ephemeral port.
//!
//! A DynamoDB test that cannot reach moto fails with a message saying how to start it; it
//! never skips. `scripts/test` starts moto and points `NUDGE_TEST_MOTO_URL` at it.

pub mod contract;
pub mod counting;
pub mod llm;
pub mod oidc;
pub mod providers;
pub mod queue;
pub mod sms;
pub mod stats;
pub mod table;
pub mod twilio;

use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use chrono::Duration;
use nudge_aws::DynamoStore;
use nudge_domain::{
    Agent, AgentConfig, Ports, Role, Secret, SystemClock, User, UuidV7Ids,
    sms::SmsSettings,
    users::{self, NewUser},
};
use nudge_http::ApiState;
use nudge_sqlite::SqliteStore;

/// The JWT secret every test app signs with.
pub const TEST_SECRET: &[u8] = b"test-secret-of-at-least-32-bytes!!";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Dynamo,
}

impl Backend {
    /// How a benchmark's table names it.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite (in memory)",
            Backend::Dynamo => "DynamoDB (moto)",
        }
    }
}

pub fn moto_url() -> String {
    std::env::var("NUDGE_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".into())
}

/// SDK configuration for the moto server, with its fixed test credentials.
pub async fn moto_config() -> SdkConfig {
    let url = moto_url();
    let authority = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    if tokio::net::TcpStream::connect(&authority).await.is_err() {
        panic!(
            "moto is not reachable at {url}. Run ./scripts/test (it starts moto), or start \
             `moto_server -p 5000` and set NUDGE_TEST_MOTO_URL. DynamoDB tests never skip."
        );
    }
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "moto"))
        .load()
        .await
}

/// A store on `backend`, empty: an in-memory SQLite database (whose own table holds the queues)
/// or a new DynamoDB table with new SQS `notify` and `agent` queues, all in moto.
pub async fn store(backend: Backend) -> Ports {
    store_with_queue(backend).await.0
}

/// A store on `backend` and a tap on its `notify` and `agent` queues.
pub async fn store_with_queue(backend: Backend) -> (Ports, queue::QueueTap) {
    store_with_clock(backend, Arc::new(SystemClock)).await
}

/// The same, with time from `clock` (a `FixedClock` for tests that move time).
pub async fn store_with_clock(
    backend: Backend,
    clock: Arc<dyn nudge_domain::Clock>,
) -> (Ports, queue::QueueTap) {
    let ids = Arc::new(UuidV7Ids);
    match backend {
        Backend::Sqlite => {
            let s = Arc::new(SqliteStore::in_memory().expect("sqlite"));
            (Ports::over(s.clone(), s.clone(), clock, ids), queue::QueueTap::Sqlite((*s).clone()))
        }
        Backend::Dynamo => {
            let config = moto_config().await;
            let client = aws_sdk_dynamodb::Client::new(&config);
            let table = table::create_fresh(&client).await;
            let queues = queue::create_fresh(&config).await;
            let tap = queue::QueueTap::of_sqs(&queues);
            (Ports::over(Arc::new(DynamoStore::new(client, table)), Arc::new(queues), clock, ids), tap)
        }
    }
}

/// The ports over one store (every repository) and one queue adapter (both queues), with the
/// system clock and UUIDv7 ids.
pub fn ports<S, Q>(s: Arc<S>, queues: Arc<Q>) -> Ports
where
    S: nudge_domain::UserRepo
        + nudge_domain::TaskRepo
        + nudge_domain::ReminderRepo
        + nudge_domain::NotificationRepo
        + nudge_domain::ConversationRepo
        + nudge_domain::MemoryRepo
        + nudge_domain::PromptRepo
        + nudge_domain::UsageRepo
        + nudge_domain::InboundSmsRepo
        + nudge_domain::CounterRepo
        + nudge_domain::ApprovalRepo
        + nudge_domain::AuditRepo
        + nudge_domain::IntegrationRepo
        + nudge_domain::OAuthStateRepo
        + 'static,
    Q: nudge_domain::NotifyQueue + nudge_domain::AgentQueue + 'static,
{
    Ports::over(s, queues, Arc::new(SystemClock), Arc::new(UuidV7Ids))
}

/// Every route of every function, served on 127.0.0.1 on a free port, over a store on `backend`.
pub struct TestApp {
    pub base: String,
    pub state: ApiState,
    pub http: reqwest::Client,
    /// What the app's `notify` and `agent` queues hold (absent for an app served on given state).
    pub queue: Option<queue::QueueTap>,
    /// What chat turns think with: the offline brain unless the test gave another.
    pub agent: Arc<Agent>,
    /// How the SMS webhook behaves (limits, replies); its token is `twilio::AUTH_TOKEN`.
    pub sms: SmsSettings,
}

/// The agent of a stack with no provider configured: the offline brain, default limits.
pub fn offline_agent() -> Agent {
    Agent { model: Arc::new(nudge_brain::OfflineBrain), embedder: None, config: AgentConfig::default() }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, offline_agent(), chat::TURN_TIMEOUT).await
    }

    /// An app whose chat turns think with `agent` and give up after `turn_timeout`.
    pub async fn spawn_with(backend: Backend, agent: Agent, turn_timeout: std::time::Duration) -> Self {
        let (ports, tap) = store_with_queue(backend).await;
        let mut app = Self::on(ports, Arc::new(agent), turn_timeout, SmsSettings::default()).await;
        app.queue = Some(tap);
        app
    }

    pub async fn serve(state: ApiState) -> Self {
        Self::serve_with(state, Arc::new(offline_agent()), chat::TURN_TIMEOUT, SmsSettings::default()).await
    }

    /// An app on `ports` (a test's clock, say), its SMS webhook behaving as `sms` says.
    pub async fn on(
        ports: Ports,
        agent: Arc<Agent>,
        turn_timeout: std::time::Duration,
        sms: SmsSettings,
    ) -> Self {
        let state = ApiState::new(ports, Arc::new(Secret::new(TEST_SECRET)));
        Self::serve_with(state, agent, turn_timeout, sms).await
    }

    async fn serve_with(
        state: ApiState,
        agent: Arc<Agent>,
        turn_timeout: std::time::Duration,
        sms: SmsSettings,
    ) -> Self {
        let (listener, _) = reserve().await;
        Self::serve_on(listener, state, agent, turn_timeout, sms).await
    }

    /// An app on `ports`, served on a listener the test bound first (so that its configuration,
    /// a public base URL say, could name the app's own address).
    pub async fn on_listener(listener: tokio::net::TcpListener, ports: Ports) -> Self {
        let state = ApiState::new(ports, Arc::new(Secret::new(TEST_SECRET)));
        let agent = Arc::new(offline_agent());
        Self::serve_on(listener, state, agent, chat::TURN_TIMEOUT, SmsSettings::default()).await
    }

    async fn serve_on(
        listener: tokio::net::TcpListener,
        state: ApiState,
        agent: Arc<Agent>,
        turn_timeout: std::time::Duration,
        sms: SmsSettings,
    ) -> Self {
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        // Twilio signs the URL it was given: this app's own.
        let webhook = Arc::new(sms_inbound::Webhook {
            auth_token: Arc::new(Secret::new(twilio::AUTH_TOKEN)),
            public_base_url: Some(base.clone()),
            settings: sms.clone(),
        });
        let routes = nudge_local::routes_with(agent.clone(), turn_timeout, webhook);
        let router = nudge_http::app("test", routes, state.clone());
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.expect("serve") });
        Self { base, state, http: reqwest::Client::new(), queue: None, agent, sms }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request (JSON body if any, bearer token if any) and returns the status and the
    /// parsed body, after checking the body is an envelope whose request id is the header's.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.http.request(method.parse().expect("method"), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        envelope(req.send().await.expect("request")).await
    }
}

/// A listener on a free port of 127.0.0.1, and its base URL.
pub async fn reserve() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    (listener, base)
}

/// The status and body of a response, checked to be an envelope of the contract.
pub async fn envelope(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let header_id = res.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body: serde_json::Value = res.json().await.expect("a JSON body");
    assert_eq!(body["success"], status < 400, "success flag for {status}: {body}");
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{body}");
    assert_eq!(body["request_id"].as_str(), header_id.as_deref(), "request id: {body}");
    if status >= 400 {
        let code = body["error"]["code"].as_str().expect("error code");
        assert!(code.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{code}");
        assert!(body["error"]["message"].is_string() && body["error"]["details"].is_object(), "{body}");
    } else {
        assert!(body.get("data").is_some() && body["message"].is_string(), "{body}");
    }
    (status, body)
}

impl TestApp {
    /// A new user (an admin if asked) and a valid token for them.
    pub async fn user(&self, name: &str, phone: &str, admin: bool) -> (User, String) {
        let new = NewUser {
            name: nudge_domain::PersonName::parse(name).expect("name"),
            phone: nudge_domain::PhoneNumber::parse(phone).expect("phone"),
            email: None,
            timezone: nudge_domain::TimeZone::parse("Europe/Paris").expect("tz"),
            roles: if admin { vec![Role::Admin] } else { vec![] },
        };
        let user = users::create_user(&self.state.ports, new).await.expect("create user");
        let token = self.token(&user).await;
        (user, token)
    }

    pub async fn token(&self, user: &User) -> String {
        let now = self.state.ports.clock.now();
        self.state.auth.issue(user.id, now, Duration::hours(1)).await.expect("token")
    }
}

/// Runs each listed async test body (taking a [`Backend`]) once per backend, as
/// `sqlite::<name>` and `dynamodb::<name>`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Dynamo).await
                }
            )*
        }
    };
}
