//! The OAuth 2.0 side of connected accounts: [`OAuthProviders`] implements the domain's
//! [`OAuthClient`] for Google, YouTube, Microsoft, Notion and generic providers, with the
//! authorization code grant and PKCE (S256), refresh, and RFC 7009 revocation.
//!
//! Wiring (locally; in AWS `credentials` is instead the Secrets Manager secret holding the same
//! JSON document, `{"google":{"client_id":…,"client_secret":…},…}`, and `OAUTH_PROVIDERS` names
//! the enabled providers, since no client id is in the environment there):
//! ```no_run
//! # fn wire() -> Result<(), nudge_oauth::ConfigError> {
//! use std::sync::Arc;
//! let env = |k: &str| std::env::var(k).ok();
//! let config = nudge_oauth::OAuthConfig::from_env(env)?;
//! let credentials = Arc::new(nudge_oauth::credentials::from_env(&config, env));
//! let oauth = nudge_oauth::OAuthProviders::new(config, credentials)?;
//! # Ok(()) }
//! ```
//!
//! Standard requests go through the `oauth2` crate; Notion's token requests are JSON, as
//! Notion documents them, and revocation is a plain form POST (`oauth2` refuses a revocation
//! URL that is not `https`, which a test server on 127.0.0.1 is not).

pub mod config;
pub mod credentials;
mod grant;
mod http;

use std::{borrow::Cow, sync::Arc};

use async_trait::async_trait;
use nudge_domain::{
    Authorization, OAuthClient, OAuthError, Provider, ProviderInfo, Secret, SecretSource, TokenGrant,
    Verifier,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, StandardRevocableToken, TokenUrl,
    basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse},
};

pub use config::{BodyFormat, ClientAuth, ConfigError, OAuthConfig, ProviderConfig, ProviderKind};
pub use credentials::ClientCredentials;
pub use http::TIMEOUT;

use crate::{
    grant::{TokenResponse, error_answer, grant, token_answer, token_error},
    http::Oauth2Http,
};

/// An `oauth2` client with an authorization and a token endpoint (revocation is ours).
type Oauth2Client = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Every configured provider, over one HTTP client.
pub struct OAuthProviders {
    config: OAuthConfig,
    credentials: Arc<dyn SecretSource>,
    http: reqwest::Client,
}

impl OAuthProviders {
    /// `credentials` holds the JSON document of client ids and secrets (see [`credentials`]);
    /// it is read at each call, so building this makes no network call.
    pub fn new(config: OAuthConfig, credentials: Arc<dyn SecretSource>) -> Result<Self, ConfigError> {
        let http = http::client()
            .map_err(|e| ConfigError::Invalid { var: "HTTP client".into(), reason: e.to_string() })?;
        Ok(Self { config, credentials, http })
    }

    pub fn config(&self) -> &OAuthConfig {
        &self.config
    }

    fn provider(&self, name: &Provider) -> Result<&ProviderConfig, OAuthError> {
        self.config.get(name).ok_or_else(|| OAuthError::NotConfigured(name.to_string()))
    }

    async fn client_credentials(&self, name: &Provider) -> Result<ClientCredentials, OAuthError> {
        credentials::lookup(self.credentials.as_ref(), name).await
    }

    fn oauth2_client(p: &ProviderConfig, c: &ClientCredentials) -> Oauth2Client {
        let client = oauth2::Client::new(ClientId::new(c.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(p.auth_url.clone()))
            .set_token_uri(TokenUrl::from_url(p.token_url.clone()))
            .set_auth_type(match p.client_auth {
                ClientAuth::Basic => AuthType::BasicAuth,
                ClientAuth::Post => AuthType::RequestBody,
            });
        match &c.client_secret {
            Some(s) => client.set_client_secret(ClientSecret::new(s.clone())),
            None => client,
        }
    }

    /// Notion's token request: JSON, Basic client authentication, the same answers as RFC 6749.
    async fn json_token_request(
        &self,
        p: &ProviderConfig,
        c: &ClientCredentials,
        fields: &[(&str, &str)],
    ) -> Result<TokenGrant, OAuthError> {
        let (status, body) = http::post(&self.http, &p.token_url, c, p.client_auth, BodyFormat::Json, fields)
            .await
            .map_err(|e| OAuthError::Unavailable(format!("token endpoint: {e}")))?;
        if status.is_success() { token_answer(&body) } else { Err(error_answer(status, &body)) }
    }
}

fn redirect_url(raw: &str) -> Result<RedirectUrl, OAuthError> {
    RedirectUrl::new(raw.to_owned()).map_err(|_| OAuthError::Refused {
        code: "invalid_request".into(),
        description: Some("the redirect URI is not a URL".into()),
    })
}

#[async_trait]
impl OAuthClient for OAuthProviders {
    fn providers(&self) -> Vec<ProviderInfo> {
        self.config
            .providers
            .iter()
            .map(|p| ProviderInfo {
                name: p.name.clone(),
                display_name: p.display_name.clone(),
                default_scopes: p.default_scopes.clone(),
                revocable: p.revoke_url.is_some(),
            })
            .collect()
    }

    async fn authorize(
        &self,
        provider: &Provider,
        scopes: &[String],
        redirect_uri: &str,
    ) -> Result<Authorization, OAuthError> {
        let p = self.provider(provider)?;
        let c = self.client_credentials(provider).await?;
        let scopes = if scopes.is_empty() { &p.default_scopes[..] } else { scopes };
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = Self::oauth2_client(p, &c);
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_redirect_uri(Cow::Owned(redirect_url(redirect_uri)?))
            .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
            .set_pkce_challenge(challenge);
        for (name, value) in p.kind.auth_params() {
            request = request.add_extra_param(*name, *value);
        }
        let (url, state) = request.url();
        Ok(Authorization {
            url: url.into(),
            state: state.secret().clone(),
            verifier: Verifier::new(verifier.secret().clone()),
        })
    }

    async fn exchange(
        &self,
        provider: &Provider,
        code: &str,
        verifier: &Verifier,
        redirect_uri: &str,
    ) -> Result<TokenGrant, OAuthError> {
        let p = self.provider(provider)?;
        let c = self.client_credentials(provider).await?;
        if p.body == BodyFormat::Json {
            // Notion documents a JSON body with exactly these fields, and no PKCE (the
            // challenge in the URL is ignored). Some clients post a form and report that Notion
            // takes it too; we follow the documentation rather than rely on that.
            let fields =
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect_uri)];
            return self.json_token_request(p, &c, &fields).await;
        }
        let client = Self::oauth2_client(p, &c);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()))
            .set_redirect_uri(Cow::Owned(redirect_url(redirect_uri)?))
            .request_async(&Oauth2Http(&self.http))
            .await
            .map_err(token_error)?;
        Ok(grant(&response))
    }

    async fn refresh(&self, provider: &Provider, refresh_token: &Secret) -> Result<TokenGrant, OAuthError> {
        let p = self.provider(provider)?;
        let c = self.client_credentials(provider).await?;
        let token = String::from_utf8_lossy(refresh_token.expose());
        if p.body == BodyFormat::Json {
            let fields = [("grant_type", "refresh_token"), ("refresh_token", token.as_ref())];
            return self.json_token_request(p, &c, &fields).await;
        }
        let client = Self::oauth2_client(p, &c);
        let token = RefreshToken::new(token.into_owned());
        let response = client
            .exchange_refresh_token(&token)
            .request_async(&Oauth2Http(&self.http))
            .await
            .map_err(token_error)?;
        Ok(grant(&response))
    }

    async fn revoke(
        &self,
        provider: &Provider,
        token: &Secret,
        is_refresh_token: bool,
    ) -> Result<bool, OAuthError> {
        let p = self.provider(provider)?;
        let Some(url) = &p.revoke_url else { return Ok(false) };
        let c = self.client_credentials(provider).await?;
        let token = String::from_utf8_lossy(token.expose());
        let hint = if is_refresh_token { "refresh_token" } else { "access_token" };
        // Notion's documented revocation body is `{"token": …}` alone.
        let fields: &[(&str, &str)] = match p.body {
            BodyFormat::Json => &[("token", &token)],
            BodyFormat::Form => &[("token", &token), ("token_type_hint", hint)],
        };
        let (status, body) = http::post(&self.http, url, &c, p.client_auth, p.body, fields)
            .await
            .map_err(|e| OAuthError::Unavailable(format!("revocation endpoint: {e}")))?;
        if status.is_success() {
            return Ok(true);
        }
        match error_answer(status, &body) {
            // Google answers 400 `invalid_token` for a token that no longer works: the
            // revocation's goal is met.
            OAuthError::Refused { code, .. } if code == "invalid_token" => Ok(true),
            e => Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
