//! AWS adapters for the domain's ports, and the one place a Lambda function chooses them.

pub mod bedrock;
pub mod dynamodb;
pub mod secrets;
pub mod ses;
pub mod sqs;

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, SdkConfig};
use nudge_domain::{
    Address, Connections, Notification, Ports, Secret, SecretSource, SendError, Sender, Senders, StoreError,
    SystemClock, UuidV7Ids,
};

pub use bedrock::BedrockConverse;
pub use dynamodb::DynamoStore;
pub use secrets::{JsonField, SecretsManagerSecret};
pub use ses::SesEmail;
pub use sqs::SqsQueues;

/// What a function needs from its environment to run on AWS.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable set to something it cannot be (its name and why; never its value).
    #[error("{0}")]
    Invalid(String),
}

/// The SDK configuration from the environment (region, credentials, and `AWS_ENDPOINT_URL`, which
/// points every client at a local server in tests). Builds clients only: no network call.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

fn env(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The ports of a function running on AWS: the DynamoDB table named by `TABLE_NAME`, the SQS
/// queues named by `NOTIFY_QUEUE_URL` and `AGENT_QUEUE_URL` (a function given neither fails
/// only if it enqueues), the system clock and UUIDv7 ids.
pub fn ports_from_env(config: &SdkConfig) -> Result<Ports, ConfigError> {
    let table = env("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
    let store = Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(config), table));
    let queues =
        SqsQueues::new(aws_sdk_sqs::Client::new(config), env("NOTIFY_QUEUE_URL"), env("AGENT_QUEUE_URL"));
    Ok(Ports::over(store, Arc::new(queues), Arc::new(SystemClock), Arc::new(UuidV7Ids)))
}

/// The notifier's providers on AWS: Twilio (`TWILIO_FROM_NUMBER`, `TWILIO_API_BASE_URL`, the
/// account SID and auth token from the secret `TWILIO_AUTH_TOKEN_ARN`), SES v2 from `EMAIL_FROM`, signed webhooks (their key derives from the
/// JWT secret). A channel that is not configured fails each send permanently, saying why.
pub fn senders_from_env(config: &SdkConfig, webhook_key: Arc<dyn SecretSource>) -> Senders {
    let http = nudge_senders::http_client();
    let (sid, token) = twilio_credentials(config);
    let sms: Arc<dyn Sender> = match (sid, env("TWILIO_FROM_NUMBER"), token) {
        (Some(sid), Some(from), Some(token)) => {
            let base =
                env("TWILIO_API_BASE_URL").unwrap_or_else(|| nudge_senders::twilio::DEFAULT_BASE_URL.into());
            Arc::new(nudge_senders::TwilioSms::new(http.clone(), base, sid, from, token))
        }
        _ => Arc::new(Unconfigured("SMS needs TWILIO_FROM_NUMBER and Twilio credentials")),
    };
    let email: Arc<dyn Sender> = match env("EMAIL_FROM") {
        Some(from) => Arc::new(SesEmail::new(aws_sdk_sesv2::Client::new(config), from)),
        None => Arc::new(Unconfigured("e-mail needs EMAIL_FROM (an SES verified identity)")),
    };
    Senders {
        sms,
        email,
        webhook: Arc::new(nudge_senders::WebhookSender::new(http)),
        console: Arc::new(Unconfigured("the console channel exists in the local stack only")),
        webhook_key,
    }
}

type Source = Option<Arc<dyn SecretSource>>;

/// Twilio's account SID and auth token. In AWS both live in one JSON secret,
/// `{"account_sid", "auth_token"}` (`TWILIO_AUTH_TOKEN_ARN`), read on first use;
/// `TWILIO_ACCOUNT_SID` overrides the SID, and `TWILIO_AUTH_TOKEN` stands in for the secret.
fn twilio_credentials(config: &SdkConfig) -> (Source, Source) {
    let (sid, token): (Source, Source) = match (env("TWILIO_AUTH_TOKEN_ARN"), env("TWILIO_AUTH_TOKEN")) {
        (Some(arn), _) => {
            let client = aws_sdk_secretsmanager::Client::new(config);
            let secret: Arc<dyn SecretSource> = Arc::new(SecretsManagerSecret::new(client, arn));
            (
                Some(Arc::new(JsonField::new(secret.clone(), "account_sid"))),
                Some(Arc::new(JsonField::new(secret, "auth_token"))),
            )
        }
        (None, Some(t)) => (None, Some(Arc::new(Secret::new(t.into_bytes())))),
        _ => (None, None),
    };
    let sid = env("TWILIO_ACCOUNT_SID")
        .map(|s| Arc::new(Secret::new(s.into_bytes())) as Arc<dyn SecretSource>)
        .or(sid);
    (sid, token)
}

/// The auth token that signs Twilio's webhooks (see [`senders_from_env`] for where it lives).
pub fn twilio_auth_token_from_env(config: &SdkConfig) -> Result<Arc<dyn SecretSource>, ConfigError> {
    twilio_credentials(config).1.ok_or(ConfigError::Missing("TWILIO_AUTH_TOKEN_ARN (or TWILIO_AUTH_TOKEN)"))
}

/// A channel with no provider configured.
pub struct Unconfigured(pub &'static str);

#[async_trait]
impl Sender for Unconfigured {
    async fn send(&self, _: &Address, _: &Notification) -> Result<String, SendError> {
        Err(SendError::Permanent(self.0.into()))
    }
}

/// The agent of a function on AWS: the providers `LLM_PROVIDERS` names, their keys read on first
/// use from the JSON secret `LLM_KEYS_SECRET_ARN` (`{"openai_api_key", "anthropic_api_key"}`),
/// Bedrock Converse for `BEDROCK_MODEL_ID`; the offline brain when none is configured.
pub fn agent_from_env(config: &SdkConfig) -> nudge_domain::Agent {
    let keys = match env("LLM_KEYS_SECRET_ARN") {
        Some(arn) => {
            let secret: Arc<dyn SecretSource> =
                Arc::new(SecretsManagerSecret::new(aws_sdk_secretsmanager::Client::new(config), arn));
            nudge_llm::Keys {
                openai: Some(Arc::new(JsonField::new(secret.clone(), "openai_api_key"))),
                anthropic: Some(Arc::new(JsonField::new(secret, "anthropic_api_key"))),
            }
        }
        None => nudge_llm::Keys::default(),
    };
    let bedrock = env("BEDROCK_MODEL_ID").map(|model| {
        Arc::new(BedrockConverse::new(aws_sdk_bedrockruntime::Client::new(config), model))
            as Arc<dyn nudge_domain::LanguageModel>
    });
    nudge_llm::agent_from_env(keys, bedrock)
}

/// Connected accounts on AWS, for every function that uses them (oauth, token-refresh, chat,
/// agent-worker, admin):
/// - the providers `OAUTH_PROVIDERS` names (comma separated), with endpoints, scopes and tenant
///   from `OAUTH_<NAME>_*` (see `nudge_oauth::config`); none named, none configured, and every
///   provider answers 404;
/// - their client ids and secrets from the JSON secret `OAUTH_CLIENTS_SECRET_ARN`
///   (`{"google":{"client_id":…,"client_secret":…},…}`), read on use; without it, from
///   `OAUTH_<NAME>_CLIENT_ID` and `_CLIENT_SECRET` (for `cargo lambda watch`);
/// - the token key ring from the secret `TOKEN_KEYS_SECRET_ARN`, or `TOKEN_KEYS` itself
///   (`nudge_domain::sealing` has its format); re-read every five minutes, so a rotated ring
///   reaches warm functions on its own;
/// - the providers' APIs at `GOOGLE_CALENDAR_API_URL`, `MICROSOFT_GRAPH_API_URL`,
///   `NOTION_API_URL`, `YOUTUBE_API_URL` (the production APIs when unset);
/// - redirect URIs under `PUBLIC_BASE_URL` (the HTTP API's URL), which a configured provider
///   requires.
///
/// Builds clients only: no network call.
pub fn connections_from_env(config: &SdkConfig) -> Result<Connections, ConfigError> {
    let lookup = |k: &str| std::env::var(k).ok();
    let oauth =
        nudge_oauth::OAuthConfig::from_env(lookup).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let credentials: Arc<dyn SecretSource> = match env("OAUTH_CLIENTS_SECRET_ARN") {
        Some(arn) => Arc::new(SecretsManagerSecret::new(aws_sdk_secretsmanager::Client::new(config), arn)),
        None => Arc::new(nudge_oauth::credentials::from_env(&oauth, lookup)),
    };
    let keys: Arc<dyn SecretSource> = match (env("TOKEN_KEYS_SECRET_ARN"), env("TOKEN_KEYS")) {
        (Some(arn), _) => {
            Arc::new(SecretsManagerSecret::new(aws_sdk_secretsmanager::Client::new(config), arn))
        }
        (None, Some(ring)) => Arc::new(Secret::new(ring.into_bytes())),
        (None, None) => Arc::new(MissingSecret("TOKEN_KEYS_SECRET_ARN (or TOKEN_KEYS)")),
    };
    let public_base_url = env("PUBLIC_BASE_URL").unwrap_or_default().trim().trim_end_matches('/').to_owned();
    if !oauth.providers.is_empty() {
        if public_base_url.is_empty() {
            return Err(ConfigError::Missing("PUBLIC_BASE_URL (OAuth redirect URIs are under it)"));
        }
        if !(public_base_url.starts_with("https://") || public_base_url.starts_with("http://")) {
            return Err(ConfigError::Invalid("PUBLIC_BASE_URL must be an http(s) URL".into()));
        }
    }
    let oauth = nudge_oauth::OAuthProviders::new(oauth, credentials)
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let apis =
        nudge_providers::ApiConfig::from_process_env().map_err(|e| ConfigError::Invalid(e.to_string()))?;
    Ok(Connections {
        oauth: Arc::new(oauth),
        apis: Arc::new(nudge_providers::HttpProviderApis::new(nudge_providers::http_client(), apis)),
        keys,
        public_base_url,
    })
}

/// A secret that is not configured: using it fails, naming what to set. A function that never
/// uses it (no provider connected) runs without it.
pub struct MissingSecret(pub &'static str);

#[async_trait]
impl SecretSource for MissingSecret {
    async fn secret(&self) -> Result<Secret, StoreError> {
        Err(StoreError::Backend(format!("{} is not set", self.0)))
    }
}

/// The JWT signing secret: from Secrets Manager by `JWT_SECRET_ARN` (what the SAM template
/// wires), or `JWT_SECRET` itself for `cargo lambda watch` against a local server.
pub fn jwt_secret_from_env(config: &SdkConfig) -> Result<Arc<dyn SecretSource>, ConfigError> {
    if let Ok(arn) = std::env::var("JWT_SECRET_ARN") {
        let client = aws_sdk_secretsmanager::Client::new(config);
        return Ok(Arc::new(SecretsManagerSecret::new(client, arn)));
    }
    match std::env::var("JWT_SECRET") {
        Ok(s) if !s.is_empty() => Ok(Arc::new(nudge_domain::Secret::new(s.into_bytes()))),
        _ => Err(ConfigError::Missing("JWT_SECRET_ARN (or JWT_SECRET)")),
    }
}
