//! JWT auth: `Authorization: Bearer <JWT>`, HS256 only, `exp`, `iss`, `aud` and `sub` required
//! and checked; `sub` is the user id. The key comes from a [`SecretSource`] on first use.

use std::sync::Arc;

use axum::{extract::FromRequestParts, http::request::Parts};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use nudge_domain::{SecretSource, UserId};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::OnceCell;

use crate::{ApiError, ApiState};

/// Who tokens come from and are for. Both default to `nudge`.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub issuer: String,
    pub audience: String,
}

impl AuthConfig {
    /// `JWT_ISSUER` and `JWT_AUDIENCE`, `nudge` when unset.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| "nudge".into());
        Self { issuer: var("JWT_ISSUER"), audience: var("JWT_AUDIENCE") }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// The keys derived from the one secret: the JWT key is the secret itself (so any issuer that
/// shares it can mint tokens); the cursor key is derived, so a cursor never doubles as a token.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    cursor: Vec<u8>,
}

impl Keys {
    fn new(secret: &[u8]) -> Self {
        let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        m.update(b"nudge/cursor/v1");
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            cursor: m.finalize().into_bytes().to_vec(),
        }
    }
    pub fn cursor_key(&self) -> &[u8] {
        &self.cursor
    }
}

pub struct Authenticator {
    source: Arc<dyn SecretSource>,
    config: AuthConfig,
    keys: OnceCell<Keys>,
    validation: Validation,
}

impl Authenticator {
    pub fn new(source: Arc<dyn SecretSource>, config: AuthConfig) -> Self {
        // Pinned to HS256: a token that names another algorithm (none, RS256 with our secret as
        // a "public key", …) is refused before its signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        Self { source, config, keys: OnceCell::new(), validation }
    }

    pub async fn keys(&self) -> Result<&Keys, ApiError> {
        self.keys
            .get_or_try_init(|| async {
                let secret = self.source.secret().await.map_err(ApiError::internal)?;
                Ok(Keys::new(secret.expose()))
            })
            .await
    }

    /// A token for `user`, valid for `ttl` from `now`.
    pub async fn issue(&self, user: UserId, now: DateTime<Utc>, ttl: Duration) -> Result<String, ApiError> {
        let claims = Claims {
            sub: user.to_string(),
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            iat: now.timestamp(),
            exp: (now + ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.keys().await?.encoding)
            .map_err(ApiError::internal)
    }

    /// The user a bearer token speaks for.
    pub async fn verify(&self, token: &str) -> Result<UserId, ApiError> {
        let keys = self.keys().await?;
        let data = jsonwebtoken::decode::<Claims>(token, &keys.decoding, &self.validation).map_err(|e| {
            ApiError::unauthorized(match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => "the token is not for this service",
                _ => "the token is not valid",
            })
        })?;
        data.claims.sub.parse().map_err(|_| ApiError::unauthorized("the token is not valid"))
    }
}

/// The authenticated caller. Another user's objects are not found for them.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub UserId);

impl FromRequestParts<ApiState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <token>"))?;
        let user = state.auth.verify(token).await?;
        tracing::Span::current().record("user_id", tracing::field::display(&user));
        Ok(AuthUser(user))
    }
}
