//! Which providers are enabled and where their endpoints are, read from the environment.
//!
//! `OAUTH_PROVIDERS` lists the enabled names (comma separated); without it, the built-in
//! providers whose `OAUTH_<NAME>_CLIENT_ID` is set. Each provider then reads, all optional for
//! the built-ins and the two URLs required for any other name:
//! `OAUTH_<NAME>_AUTH_URL`, `_TOKEN_URL`, `_REVOKE_URL`, `_SCOPES` (space separated),
//! `_TENANT` (Microsoft), `_CLIENT_AUTH` (`basic` or `post`). `<NAME>` is the provider's name
//! in upper case with `-` as `_`. Client ids and secrets are not here: see [`crate::credentials`].

use nudge_domain::Provider;
use url::Url;

/// Google's endpoints, shared by the `google` and `youtube` providers.
pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const GOOGLE_REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Microsoft identity platform v2.0; `{tenant}` is `OAUTH_MICROSOFT_TENANT` (default `common`).
pub const MICROSOFT_AUTH_URL: &str = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize";
pub const MICROSOFT_TOKEN_URL: &str = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token";
pub const MICROSOFT_DEFAULT_TENANT: &str = "common";
pub const NOTION_AUTH_URL: &str = "https://api.notion.com/v1/oauth/authorize";
pub const NOTION_TOKEN_URL: &str = "https://api.notion.com/v1/oauth/token";

const GOOGLE_SCOPES: &[&str] = &["openid", "email", "https://www.googleapis.com/auth/calendar.events"];
const YOUTUBE_SCOPES: &[&str] = &["https://www.googleapis.com/auth/youtube"];
const MICROSOFT_SCOPES: &[&str] = &["offline_access", "openid", "email", "Calendars.ReadWrite"];

/// The built-in providers, enabled by default when their client id is in the environment.
pub const BUILT_IN: &[&str] = &[Provider::GOOGLE, Provider::MICROSOFT, Provider::NOTION, Provider::YOUTUBE];

/// What a provider's name says about how it speaks OAuth beyond RFC 6749.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// `access_type=offline` and `prompt=consent` on authorize, so a refresh token is issued
    /// (and issued again on every new consent).
    Google,
    /// Google's endpoints and extra parameters, YouTube's scope.
    YouTube,
    /// Refresh tokens rotate: every refresh answers a new one, which replaces the old.
    Microsoft,
    /// `owner=user` on authorize; token requests are JSON with HTTP Basic client
    /// authentication; the answer names the workspace and has no expiry.
    Notion,
    /// Plain RFC 6749, configured only by endpoints and scopes.
    Generic,
}

impl ProviderKind {
    pub fn of(name: &Provider) -> Self {
        match name.as_str() {
            Provider::GOOGLE => Self::Google,
            Provider::YOUTUBE => Self::YouTube,
            Provider::MICROSOFT => Self::Microsoft,
            Provider::NOTION => Self::Notion,
            _ => Self::Generic,
        }
    }

    /// Extra query parameters of the authorization request.
    pub fn auth_params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Google | Self::YouTube => &[("access_type", "offline"), ("prompt", "consent")],
            Self::Notion => &[("owner", "user")],
            Self::Microsoft | Self::Generic => &[],
        }
    }

    fn display_name(self, name: &Provider) -> String {
        match self {
            Self::Google => "Google".into(),
            Self::YouTube => "YouTube".into(),
            Self::Microsoft => "Microsoft".into(),
            Self::Notion => "Notion".into(),
            Self::Generic => name.to_string(),
        }
    }
}

/// How the client authenticates at the token and revocation endpoints (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic` with the url-encoded id and secret (`client_secret_basic`).
    Basic,
    /// `client_id` and `client_secret` in the request body (`client_secret_post`).
    Post,
}

/// How a request body is encoded: RFC 6749's form, or Notion's documented JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Form,
    Json,
}

/// One enabled provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    pub name: Provider,
    pub kind: ProviderKind,
    pub display_name: String,
    pub auth_url: Url,
    pub token_url: Url,
    /// RFC 7009 endpoint; without one, `revoke` answers `Ok(false)`.
    pub revoke_url: Option<Url>,
    /// Asked for when `authorize` is given none.
    pub default_scopes: Vec<String>,
    pub client_auth: ClientAuth,
    pub body: BodyFormat,
}

/// Every enabled provider, in the order configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuthConfig {
    pub providers: Vec<ProviderConfig>,
}

/// A variable that does not say what it must.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{var}: {reason}")]
    Invalid { var: String, reason: String },
    #[error("{var} must be set for provider {provider}")]
    Missing { var: String, provider: String },
    /// The HTTP client could not be built (no TLS roots, say).
    #[error("HTTP client: {0}")]
    Http(String),
}

impl OAuthConfig {
    /// Reads the providers from variables looked up by name (`std::env::var(..).ok()` in a
    /// function; a map in tests). An empty value counts as unset.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |var: &str| lookup(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let names: Vec<Provider> = match get("OAUTH_PROVIDERS") {
            Some(list) => {
                let mut names = Vec::new();
                for raw in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let name = Provider::parse(raw).map_err(|e| ConfigError::Invalid {
                        var: "OAUTH_PROVIDERS".into(),
                        reason: format!("{raw:?}: {e}"),
                    })?;
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            }
            None => BUILT_IN
                .iter()
                .filter_map(|n| Provider::parse(n).ok())
                .filter(|p| get(&var(p, "CLIENT_ID")).is_some())
                .collect(),
        };
        let providers = names.into_iter().map(|name| provider(name, &get)).collect::<Result<_, _>>()?;
        Ok(Self { providers })
    }

    pub fn get(&self, name: &Provider) -> Option<&ProviderConfig> {
        self.providers.iter().find(|p| &p.name == name)
    }
}

/// `OAUTH_<NAME>_<FIELD>` for a provider.
pub fn var(name: &Provider, field: &str) -> String {
    format!("OAUTH_{}_{field}", name.as_str().to_ascii_uppercase().replace('-', "_"))
}

fn provider(name: Provider, get: &impl Fn(&str) -> Option<String>) -> Result<ProviderConfig, ConfigError> {
    let kind = ProviderKind::of(&name);
    let tenant = match get(&var(&name, "TENANT")) {
        Some(t) if valid_tenant(&t) => t,
        Some(_) => {
            return Err(ConfigError::Invalid {
                var: var(&name, "TENANT"),
                reason: "must be a tenant id or domain (letters, digits, '-', '.')".into(),
            });
        }
        None => MICROSOFT_DEFAULT_TENANT.into(),
    };
    let (auth, token, revoke, scopes, client_auth, body): (_, _, _, &[&str], _, _) = match kind {
        ProviderKind::Google => (
            Some(GOOGLE_AUTH_URL.to_owned()),
            Some(GOOGLE_TOKEN_URL.to_owned()),
            Some(GOOGLE_REVOKE_URL.to_owned()),
            GOOGLE_SCOPES,
            ClientAuth::Post,
            BodyFormat::Form,
        ),
        ProviderKind::YouTube => (
            Some(GOOGLE_AUTH_URL.to_owned()),
            Some(GOOGLE_TOKEN_URL.to_owned()),
            Some(GOOGLE_REVOKE_URL.to_owned()),
            YOUTUBE_SCOPES,
            ClientAuth::Post,
            BodyFormat::Form,
        ),
        ProviderKind::Microsoft => (
            Some(MICROSOFT_AUTH_URL.replace("{tenant}", &tenant)),
            Some(MICROSOFT_TOKEN_URL.replace("{tenant}", &tenant)),
            None,
            MICROSOFT_SCOPES,
            ClientAuth::Post,
            BodyFormat::Form,
        ),
        ProviderKind::Notion => (
            Some(NOTION_AUTH_URL.to_owned()),
            Some(NOTION_TOKEN_URL.to_owned()),
            None,
            &[],
            ClientAuth::Basic,
            BodyFormat::Json,
        ),
        // RFC 6749 §2.3.1: every authorization server supports Basic.
        ProviderKind::Generic => (None, None, None, &[], ClientAuth::Basic, BodyFormat::Form),
    };
    let url = |field: &str, default: Option<String>| -> Result<Option<Url>, ConfigError> {
        let key = var(&name, field);
        match get(&key).or(default) {
            None => Ok(None),
            Some(raw) => match Url::parse(&raw) {
                Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(Some(u)),
                _ => Err(ConfigError::Invalid { var: key, reason: "must be an http(s) URL".into() }),
            },
        }
    };
    let required = |field: &str, default: Option<String>| -> Result<Url, ConfigError> {
        url(field, default)?
            .ok_or_else(|| ConfigError::Missing { var: var(&name, field), provider: name.to_string() })
    };
    let auth_url = required("AUTH_URL", auth)?;
    let token_url = required("TOKEN_URL", token)?;
    let revoke_url = url("REVOKE_URL", revoke)?;
    // A blank value keeps the defaults, like every other variable here.
    let default_scopes = match get(&var(&name, "SCOPES")) {
        Some(list) => list.split_whitespace().map(str::to_owned).collect(),
        None => scopes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let client_auth = match get(&var(&name, "CLIENT_AUTH")).as_deref() {
        None => client_auth,
        Some("basic") => ClientAuth::Basic,
        Some("post") => ClientAuth::Post,
        Some(_) => {
            return Err(ConfigError::Invalid {
                var: var(&name, "CLIENT_AUTH"),
                reason: "must be basic or post".into(),
            });
        }
    };
    Ok(ProviderConfig {
        display_name: kind.display_name(&name),
        name,
        kind,
        auth_url,
        token_url,
        revoke_url,
        default_scopes,
        client_auth,
        body,
    })
}

/// A tenant goes into a URL path: an id, a domain, or `common`/`organizations`/`consumers`.
fn valid_tenant(t: &str) -> bool {
    t.len() <= 128 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<OAuthConfig, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        OAuthConfig::from_env(|k| map.get(k).cloned())
    }

    fn names(c: &OAuthConfig) -> Vec<&str> {
        c.providers.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn nothing_configured_enables_nothing() {
        assert!(config(&[]).unwrap().providers.is_empty());
    }

    #[test]
    fn without_a_list_the_built_ins_with_a_client_id_are_enabled() {
        let c = config(&[
            ("OAUTH_NOTION_CLIENT_ID", "n"),
            ("OAUTH_GOOGLE_CLIENT_ID", "g"),
            ("OAUTH_MICROSOFT_CLIENT_ID", ""),
            ("OAUTH_ACME_CLIENT_ID", "a"),
        ])
        .unwrap();
        assert_eq!(names(&c), ["google", "notion"]);
    }

    #[test]
    fn the_list_enables_exactly_what_it_names_once() {
        let c =
            config(&[("OAUTH_PROVIDERS", " youtube, microsoft,youtube "), ("OAUTH_GOOGLE_CLIENT_ID", "g")])
                .unwrap();
        assert_eq!(names(&c), ["youtube", "microsoft"]);
    }

    #[test]
    fn built_ins_have_their_documented_endpoints_and_scopes() {
        let c = config(&[("OAUTH_PROVIDERS", "google,youtube,microsoft,notion")]).unwrap();
        let google = &c.providers[0];
        assert_eq!(google.kind, ProviderKind::Google);
        assert_eq!(google.auth_url.as_str(), GOOGLE_AUTH_URL);
        assert_eq!(google.token_url.as_str(), GOOGLE_TOKEN_URL);
        assert_eq!(google.revoke_url.as_ref().map(Url::as_str), Some(GOOGLE_REVOKE_URL));
        assert_eq!(
            google.default_scopes,
            ["openid", "email", "https://www.googleapis.com/auth/calendar.events"]
        );
        let youtube = &c.providers[1];
        assert_eq!(youtube.token_url.as_str(), GOOGLE_TOKEN_URL);
        assert_eq!(youtube.default_scopes, ["https://www.googleapis.com/auth/youtube"]);
        let microsoft = &c.providers[2];
        assert_eq!(
            microsoft.auth_url.as_str(),
            "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
        );
        assert_eq!(
            microsoft.token_url.as_str(),
            "https://login.microsoftonline.com/common/oauth2/v2.0/token"
        );
        assert_eq!(microsoft.revoke_url, None);
        assert_eq!(microsoft.default_scopes, ["offline_access", "openid", "email", "Calendars.ReadWrite"]);
        let notion = &c.providers[3];
        assert_eq!(notion.token_url.as_str(), NOTION_TOKEN_URL);
        assert_eq!((notion.client_auth, notion.body), (ClientAuth::Basic, BodyFormat::Json));
        assert!(notion.default_scopes.is_empty() && notion.revoke_url.is_none());
        assert_eq!(notion.display_name, "Notion");
    }

    #[test]
    fn microsoft_takes_its_tenant_and_refuses_one_that_would_break_the_url() {
        let c = config(&[
            ("OAUTH_PROVIDERS", "microsoft"),
            ("OAUTH_MICROSOFT_TENANT", "contoso.onmicrosoft.com"),
        ])
        .unwrap();
        assert_eq!(
            c.providers[0].token_url.as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let err =
            config(&[("OAUTH_PROVIDERS", "microsoft"), ("OAUTH_MICROSOFT_TENANT", "a/../b")]).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { ref var, .. } if var == "OAUTH_MICROSOFT_TENANT"));
    }

    #[test]
    fn endpoints_scopes_and_client_auth_are_overridable() {
        let c = config(&[
            ("OAUTH_PROVIDERS", "google"),
            ("OAUTH_GOOGLE_AUTH_URL", "http://127.0.0.1:9/auth"),
            ("OAUTH_GOOGLE_TOKEN_URL", "http://127.0.0.1:9/token"),
            ("OAUTH_GOOGLE_REVOKE_URL", "http://127.0.0.1:9/revoke"),
            ("OAUTH_GOOGLE_SCOPES", "openid  calendar"),
            ("OAUTH_GOOGLE_CLIENT_AUTH", "basic"),
        ])
        .unwrap();
        let g = &c.providers[0];
        assert_eq!(g.auth_url.as_str(), "http://127.0.0.1:9/auth");
        assert_eq!(g.token_url.as_str(), "http://127.0.0.1:9/token");
        assert_eq!(g.revoke_url.as_ref().map(Url::as_str), Some("http://127.0.0.1:9/revoke"));
        assert_eq!(g.default_scopes, ["openid", "calendar"]);
        assert_eq!(g.client_auth, ClientAuth::Basic);
        assert_eq!(g.kind.auth_params(), [("access_type", "offline"), ("prompt", "consent")]);
    }

    #[test]
    fn a_generic_provider_needs_both_urls_and_defaults_to_basic_auth() {
        let err =
            config(&[("OAUTH_PROVIDERS", "my-idp"), ("OAUTH_MY_IDP_AUTH_URL", "https://idp.example/a")])
                .unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing { var: "OAUTH_MY_IDP_TOKEN_URL".into(), provider: "my-idp".into() }
        );
        let c = config(&[
            ("OAUTH_PROVIDERS", "my-idp"),
            ("OAUTH_MY_IDP_AUTH_URL", "https://idp.example/a"),
            ("OAUTH_MY_IDP_TOKEN_URL", "https://idp.example/t"),
            ("OAUTH_MY_IDP_SCOPES", "read write"),
        ])
        .unwrap();
        let p = &c.providers[0];
        assert_eq!(
            (p.kind, p.client_auth, p.body),
            (ProviderKind::Generic, ClientAuth::Basic, BodyFormat::Form)
        );
        assert_eq!(p.default_scopes, ["read", "write"]);
        assert_eq!(p.revoke_url, None);
        assert_eq!(p.display_name, "my-idp");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let bad = |vars: &[(&str, &str)], expected: &str| match config(vars) {
            Err(ConfigError::Invalid { var, .. }) => assert_eq!(var, expected),
            other => panic!("{vars:?}: {other:?}"),
        };
        bad(&[("OAUTH_PROVIDERS", "Google")], "OAUTH_PROVIDERS");
        bad(
            &[("OAUTH_PROVIDERS", "google"), ("OAUTH_GOOGLE_TOKEN_URL", "not a url")],
            "OAUTH_GOOGLE_TOKEN_URL",
        );
        bad(&[("OAUTH_PROVIDERS", "notion"), ("OAUTH_NOTION_AUTH_URL", "ftp://x/")], "OAUTH_NOTION_AUTH_URL");
        bad(
            &[("OAUTH_PROVIDERS", "google"), ("OAUTH_GOOGLE_CLIENT_AUTH", "jwt")],
            "OAUTH_GOOGLE_CLIENT_AUTH",
        );
    }
}
