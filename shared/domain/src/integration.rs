//! A connected account (seed 000's OAuth integration): a user's grant at a provider, its
//! tokens sealed at rest, and the single-use state of a sign-in in flight.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::{IntegrationId, UserId, ValidationError, sealing::Sealed};

/// How long a sign-in may take between `start` and the callback.
pub const STATE_LIFETIME: Duration = Duration::minutes(10);
/// Tokens that expire within this are refreshed by the schedule (which runs every 15 minutes,
/// so every token is seen at least once before it expires).
pub const REFRESH_AHEAD: Duration = Duration::minutes(30);

/// A provider's name in routes and config: `google`, `microsoft`, `notion`, `youtube`, or a
/// generic one: 1 to 32 lower-case letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "google")]
pub struct Provider(String);

impl Provider {
    pub const GOOGLE: &'static str = "google";
    pub const MICROSOFT: &'static str = "microsoft";
    pub const NOTION: &'static str = "notion";
    pub const YOUTUBE: &'static str = "youtube";

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(ValidationError::new(
                "provider",
                "must be 1 to 32 lower-case letters, digits or '-'",
            ));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Provider {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Provider> for String {
    fn from(p: Provider) -> Self {
        p.0
    }
}
impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStatus {
    Active,
    /// The provider refused the refresh token (`invalid_grant`): the user must connect again.
    NeedsReauth,
}

/// What the user agreed to, and when (seed 000's consent record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    /// The scopes the provider granted (which may be fewer than were asked for).
    pub scopes: Vec<String>,
    pub granted_at: DateTime<Utc>,
}

/// A user's connected account at one provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    pub id: IntegrationId,
    pub user_id: UserId,
    pub provider: Provider,
    pub status: IntegrationStatus,
    /// Who the account is at the provider, when it says (an e-mail, a Notion workspace).
    pub account: Option<String>,
    pub consent: Consent,
    pub access_token: Sealed,
    pub refresh_token: Option<Sealed>,
    /// When the access token expires; `None` when the provider did not say (Notion's never do).
    pub expires_at: Option<DateTime<Utc>>,
    /// On the refresh index (sharded, sparse) while the token can and must be refreshed: the
    /// access token's expiry, for an active integration with a refresh token.
    pub refresh_at: Option<DateTime<Utc>>,
    /// While a refresher holds it: another one leaves it alone (the provider may rotate the
    /// refresh token, so two refreshes with one token would lose the grant).
    pub lease_until: Option<DateTime<Utc>>,
    pub last_refreshed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl Integration {
    /// The refresh index's time for the integration as it is now.
    pub fn refresh_time(&self) -> Option<DateTime<Utc>> {
        match (self.status, &self.refresh_token, self.expires_at) {
            (IntegrationStatus::Active, Some(_), Some(at)) => Some(at),
            _ => None,
        }
    }
    /// Whether the access token is spent, or will be within `margin` of `now`.
    pub fn stale(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        self.expires_at.is_some_and(|at| at - margin <= now)
    }
    /// What the sealed tokens are bound to: a ciphertext moved to another user's or provider's
    /// item does not open.
    pub fn aad(user: &UserId, provider: &Provider) -> String {
        format!("nudge/integration/{user}/{provider}")
    }
}

/// A PKCE code verifier (RFC 7636). Kept for the ten minutes of a sign-in; never shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Verifier(String);

impl Verifier {
    pub fn new(v: impl Into<String>) -> Self {
        Self(v.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}
impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(redacted)")
    }
}

/// A sign-in in flight: stored at `start` under the SHA-256 of its `state` parameter, taken
/// (read and deleted at once) by the callback, so it works once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OAuthState {
    /// Hex SHA-256 of the `state` parameter: the store never holds the value itself.
    pub key: String,
    pub user_id: UserId,
    pub provider: Provider,
    pub verifier: Verifier,
    pub scopes: Vec<String>,
    /// The exact redirect URI the provider was given; the callback must be served at it.
    pub redirect_uri: String,
    /// Hex SHA-256 of the cookie set on the browser that started it, when there was one.
    pub browser: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub purpose: StatePurpose,
}

/// What a stored state is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatePurpose {
    /// A sign-in in flight, taken by the callback.
    #[default]
    SignIn,
    /// A reconnect link sent to a user whose grant was lost: it starts a sign-in for them
    /// without a bearer token (a link in a text has none), once, within [`RECONNECT_LIFETIME`].
    Reconnect,
}

/// How long a reconnect link works.
pub const RECONNECT_LIFETIME: Duration = Duration::days(7);

/// Hex SHA-256 of a value the store keys by but must not hold.
pub fn digest(value: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
