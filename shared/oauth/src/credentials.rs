//! The providers' client ids and secrets: one JSON document,
//! `{"google":{"client_id":"…","client_secret":"…"},…}`, read through a
//! [`SecretSource`](nudge_domain::SecretSource) at each call, never at start-up.
//!
//! In AWS the document is a Secrets Manager secret (which caches it). Locally the same
//! document is made from `OAUTH_<NAME>_CLIENT_ID` and `OAUTH_<NAME>_CLIENT_SECRET` by
//! [`from_env`], so the adapter has one way to find credentials.

use std::collections::BTreeMap;

use nudge_domain::{OAuthError, Provider, Secret, SecretSource};
use serde::{Deserialize, Serialize};

use crate::config::{OAuthConfig, var};

/// One provider's client registration.
#[derive(Clone, Serialize, Deserialize)]
pub struct ClientCredentials {
    pub client_id: String,
    /// Absent for a public client (none of the built-ins is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "redacted"))
            .finish()
    }
}

/// The credentials document for the configured providers, from the environment (providers
/// without a client id are left out: using them answers `NotConfigured`).
pub fn from_env(config: &OAuthConfig, lookup: impl Fn(&str) -> Option<String>) -> Secret {
    let get = |k: &str| lookup(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let doc: BTreeMap<&str, ClientCredentials> = config
        .providers
        .iter()
        .filter_map(|p| {
            let client_id = get(&var(&p.name, "CLIENT_ID"))?;
            let client_secret = get(&var(&p.name, "CLIENT_SECRET"));
            Some((p.name.as_str(), ClientCredentials { client_id, client_secret }))
        })
        .collect();
    // A map of strings always serializes.
    Secret::new(serde_json::to_vec(&doc).unwrap_or_default())
}

/// `provider`'s credentials from the document `source` holds.
pub(crate) async fn lookup(
    source: &dyn SecretSource,
    provider: &Provider,
) -> Result<ClientCredentials, OAuthError> {
    let doc = source
        .secret()
        .await
        .map_err(|e| OAuthError::Unavailable(format!("client credentials unavailable: {e}")))?;
    // The parse error is not shown: its text could quote part of a secret.
    let mut all: BTreeMap<String, ClientCredentials> = serde_json::from_slice(doc.expose()).map_err(|_| {
        OAuthError::Unavailable(
            "client credentials are not JSON of the form {\"<provider>\":{\"client_id\":…,\"client_secret\":…}}"
                .into(),
        )
    })?;
    match all.remove(provider.as_str()) {
        Some(c) if !c.client_id.trim().is_empty() => Ok(ClientCredentials {
            client_id: c.client_id.trim().to_owned(),
            client_secret: c.client_secret.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
        }),
        _ => Err(OAuthError::NotConfigured(format!("{provider} (no client id in the credentials)"))),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[tokio::test]
    async fn the_env_document_holds_each_configured_provider_with_a_client_id() {
        let vars = env(&[
            ("OAUTH_PROVIDERS", "google,notion,my-idp"),
            ("OAUTH_GOOGLE_CLIENT_ID", "g-id"),
            ("OAUTH_GOOGLE_CLIENT_SECRET", "g-secret\n"),
            ("OAUTH_MY_IDP_CLIENT_ID", "m-id"),
            ("OAUTH_MY_IDP_AUTH_URL", "https://idp.example/a"),
            ("OAUTH_MY_IDP_TOKEN_URL", "https://idp.example/t"),
        ]);
        let config = OAuthConfig::from_env(&vars).unwrap();
        let doc = from_env(&config, &vars);
        let google = lookup(&doc, &Provider::parse("google").unwrap()).await.unwrap();
        assert_eq!((google.client_id.as_str(), google.client_secret.as_deref()), ("g-id", Some("g-secret")));
        let idp = lookup(&doc, &Provider::parse("my-idp").unwrap()).await.unwrap();
        assert_eq!((idp.client_id.as_str(), idp.client_secret), ("m-id", None));
        let notion = lookup(&doc, &Provider::parse("notion").unwrap()).await.unwrap_err();
        assert!(matches!(notion, OAuthError::NotConfigured(_)), "{notion:?}");
    }

    #[tokio::test]
    async fn a_malformed_document_is_reported_without_its_content() {
        let doc = Secret::new(&b"{\"google\": \"s3cr3t-value\""[..]);
        let err = lookup(&doc, &Provider::parse("google").unwrap()).await.unwrap_err();
        assert!(matches!(err, OAuthError::Unavailable(_)));
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = ClientCredentials { client_id: "id".into(), client_secret: Some("s3cr3t".into()) };
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }
}
