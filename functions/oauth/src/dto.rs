//! What the routes take and answer: never a token, a code or a state (the authorization URL
//! carries a state, which is the caller's to follow).

use chrono::{DateTime, Utc};
use nudge_domain::{ProviderInfo, integrations::IntegrationView};
use serde::{Deserialize, Serialize};

/// `GET /oauth/{provider}/start?scope=`
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartParams {
    /// Scopes to ask for, space or comma separated; the provider's defaults when absent.
    pub scope: Option<String>,
    /// A reconnect link's ticket (sent to a user whose connection stopped working): without a
    /// bearer token, the answer is a page that asks whoever opened it to confirm.
    pub ticket: Option<String>,
}

/// What a reconnect link's page posts back (`application/x-www-form-urlencoded`).
#[derive(Debug, Default, utoipa::ToSchema)]
pub struct ReconnectForm {
    pub ticket: String,
    /// The page's value, which must match its cookie.
    pub confirm: String,
}

impl ReconnectForm {
    /// Reads the form; what is missing is empty (and refused by the handler).
    pub fn parse(body: &[u8]) -> Self {
        let mut form = Self::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "ticket" => form.ticket = v.into_owned(),
                "confirm" => form.confirm = v.into_owned(),
                _ => {}
            }
        }
        form
    }
}

/// A sign-in, started, for a client that opens the provider itself (`Accept: application/json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StartedView {
    /// Where to send the user's browser. Open it in the browser that got the `nudge_oauth`
    /// cookie of this answer: the callback checks it.
    pub authorization_url: String,
    /// The sign-in must come back before this (ten minutes).
    pub expires_at: DateTime<Utc>,
}

/// `GET /api/integrations`: the caller's connected accounts and the providers they can connect.
/// The shape of every list (`items`, `next_cursor`), plus `providers`; there is never a second
/// page (one integration per provider).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IntegrationsBody {
    pub items: Vec<IntegrationView>,
    /// Always `null`.
    pub next_cursor: Option<String>,
    /// The providers this deployment has configured.
    pub providers: Vec<ProviderInfo>,
}

/// The callback's query string, as the provider sent it: the first of each parameter counts.
#[derive(Debug, Default)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackParams {
    pub fn parse(query: Option<&str>) -> Self {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match k.as_ref() {
                "state" => &mut p.state,
                "code" => &mut p.code,
                "error" => &mut p.error,
                "error_description" => &mut p.error_description,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v.into_owned());
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_params_take_the_first_of_each() {
        let p = CallbackParams::parse(Some("code=a%2Fb&state=s1&state=s2&scope=x&error_description=no+way"));
        assert_eq!(p.code.as_deref(), Some("a/b"));
        assert_eq!(p.state.as_deref(), Some("s1"));
        assert_eq!(p.error, None);
        assert_eq!(p.error_description.as_deref(), Some("no way"));
        assert!(CallbackParams::parse(None).state.is_none());
    }
}

/// A one-time sign-in link (`POST /api/integrations/{provider}/link`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignInLink {
    /// Open it in any browser: its page names the account and asks to confirm; it works once.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}
