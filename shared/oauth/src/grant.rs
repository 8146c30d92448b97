//! A token endpoint's answer, success or error, in the domain's terms.

use base64::Engine;
use nudge_domain::{OAuthError, Secret, TokenGrant};
use oauth2::{
    ExtraTokenFields, RequestTokenError, StandardTokenResponse, TokenResponse as _,
    basic::{BasicErrorResponse, BasicTokenType},
};
use serde::{Deserialize, Serialize};

use crate::http::HttpError;

/// The fields beyond RFC 6749 we read: an OpenID Connect `id_token` (its `email` claim labels
/// the account) and Notion's `workspace_name`. The rest of Notion's answer (`workspace_id`,
/// `bot_id`, `owner`, …) is not needed and is ignored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Extra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_name: Option<String>,
}
impl ExtraTokenFields for Extra {}

pub type TokenResponse = StandardTokenResponse<Extra, BasicTokenType>;

/// The longest provider-written description kept in an error.
const MAX_DESCRIPTION: usize = 200;

pub fn grant(response: &TokenResponse) -> TokenGrant {
    TokenGrant {
        access_token: Secret::new(response.access_token().secret().as_bytes()),
        refresh_token: response.refresh_token().map(|t| Secret::new(t.secret().as_bytes())),
        expires_in: response.expires_in().and_then(|d| chrono::Duration::from_std(d).ok()),
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.to_string()).filter(|s| !s.is_empty()).collect()),
        account: account(response.extra_fields()),
    }
}

/// Who the account is: Notion's workspace, else the ID token's e-mail.
fn account(extra: &Extra) -> Option<String> {
    extra
        .workspace_name
        .clone()
        .filter(|w| !w.trim().is_empty())
        .or_else(|| extra.id_token.as_deref().and_then(email_claim))
}

/// The `email` claim of an ID token, read without checking its signature: it only labels the
/// account for the user, it proves nothing and authorizes nothing.
fn email_claim(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("email")?.as_str().map(str::to_owned).filter(|e| !e.is_empty())
}

/// An RFC 6749 §5.2 error code (and description) as the domain's error.
pub fn refusal(code: &str, description: Option<&str>) -> OAuthError {
    let description = description.map(|d| d.chars().take(MAX_DESCRIPTION).collect::<String>());
    match code {
        "invalid_grant" => OAuthError::InvalidGrant(description.unwrap_or_else(|| code.to_owned())),
        // RFC 6749 §4.1.2.1: the server's own trouble, not an answer to the request.
        "server_error" | "temporarily_unavailable" => {
            OAuthError::Unavailable(description.unwrap_or_else(|| code.to_owned()))
        }
        _ => OAuthError::Refused { code: code.to_owned(), description },
    }
}

/// What `oauth2`'s token request failed with. Response bodies are never quoted: a provider's
/// malformed success could hold a token.
pub fn token_error(e: RequestTokenError<HttpError, BasicErrorResponse>) -> OAuthError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            refusal(r.error().as_ref(), r.error_description().map(String::as_str))
        }
        RequestTokenError::Request(e) => OAuthError::Unavailable(format!("token endpoint: {e}")),
        RequestTokenError::Parse(e, _) => {
            OAuthError::Unavailable(format!("token endpoint answered nonsense (at `{}`)", e.path()))
        }
        RequestTokenError::Other(what) => OAuthError::Unavailable(format!("token endpoint: {what}")),
    }
}

/// An error body: RFC 6749's (`error`, `error_description`), or the API error Notion answers
/// for a malformed request (`code`, `message`).
#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// A non-success answer to a request we made ourselves (not through `oauth2`).
pub fn error_answer(status: reqwest::StatusCode, body: &[u8]) -> OAuthError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error: Some(code), error_description, .. }) => {
            refusal(&code, error_description.as_deref())
        }
        Ok(ErrorBody { code: Some(code), message, .. }) => refusal(&code, message.as_deref()),
        _ => OAuthError::Unavailable(format!(
            "the endpoint answered HTTP {} without an OAuth error",
            status.as_u16()
        )),
    }
}

/// A success answer to a token request we made ourselves (Notion's), read leniently:
/// Notion's documented example has no `token_type`, and `expires_in` may come as a string.
#[derive(Deserialize)]
struct PlainAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    scope: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

pub fn token_answer(body: &[u8]) -> Result<TokenGrant, OAuthError> {
    let answer: PlainAnswer = serde_json::from_slice(body).map_err(|e| {
        // Only the position: serde's message can quote the offending value.
        OAuthError::Unavailable(format!(
            "token endpoint answered nonsense (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let expires_in = match &answer.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(TokenGrant {
        access_token: Secret::new(answer.access_token.into_bytes()),
        refresh_token: answer.refresh_token.filter(|t| !t.is_empty()).map(|t| Secret::new(t.into_bytes())),
        expires_in: expires_in.and_then(|s| i64::try_from(s).ok()).map(chrono::Duration::seconds),
        scopes: answer.scope.map(|s| s.split_whitespace().map(str::to_owned).collect()),
        account: account(&answer.extra),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both readers (ours for Notion, `oauth2`'s for the rest) agree on a standard answer.
    fn parse(json: &str) -> TokenGrant {
        let ours = token_answer(json.as_bytes()).unwrap();
        if let Ok(theirs) = serde_json::from_str::<TokenResponse>(json) {
            let theirs = grant(&theirs);
            assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
            assert_eq!(ours.access_token, theirs.access_token);
            assert_eq!(ours.refresh_token, theirs.refresh_token);
        }
        ours
    }

    #[test]
    fn a_standard_answer_maps_every_field() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"1","email":"ada@example.test"}"#);
        let g = parse(&format!(
            r#"{{"access_token":"at","token_type":"Bearer","expires_in":3599,"refresh_token":"rt",
                "scope":"openid email https://www.googleapis.com/auth/calendar.events","id_token":"h.{claims}.s"}}"#
        ));
        assert_eq!(g.access_token.expose(), b"at");
        assert_eq!(g.refresh_token.unwrap().expose(), b"rt");
        assert_eq!(g.expires_in, Some(chrono::Duration::seconds(3599)));
        assert_eq!(g.scopes.unwrap(), ["openid", "email", "https://www.googleapis.com/auth/calendar.events"]);
        assert_eq!(g.account.as_deref(), Some("ada@example.test"));
    }

    #[test]
    fn notion_answers_a_workspace_and_no_expiry() {
        let g = parse(
            r#"{"access_token":"secret_x","bot_id":"b","workspace_name":"Ada's notes",
                "workspace_icon":null,"workspace_id":"w","owner":{"type":"user","user":{"id":"u"}},
                "duplicated_template_id":null,"request_id":"r"}"#,
        );
        assert_eq!(g.account.as_deref(), Some("Ada's notes"));
        assert_eq!((g.expires_in, g.scopes, g.refresh_token.is_none()), (None, None, true));
    }

    #[test]
    fn an_expiry_given_as_a_string_still_counts() {
        let g = parse(r#"{"access_token":"at","token_type":"Bearer","expires_in":"3600"}"#);
        assert_eq!(g.expires_in, Some(chrono::Duration::seconds(3600)));
    }

    #[test]
    fn a_bad_id_token_only_loses_the_label() {
        let g = parse(r#"{"access_token":"at","token_type":"bearer","id_token":"not-a-jwt"}"#);
        assert_eq!(g.account, None);
    }

    #[test]
    fn errors_map_to_what_the_caller_does_next() {
        assert!(matches!(refusal("invalid_grant", Some("used")), OAuthError::InvalidGrant(d) if d == "used"));
        assert!(matches!(refusal("temporarily_unavailable", None), OAuthError::Unavailable(_)));
        assert!(matches!(
            refusal("invalid_client", None),
            OAuthError::Refused { code, description: None } if code == "invalid_client"
        ));
        let status = reqwest::StatusCode::BAD_REQUEST;
        assert!(matches!(
            error_answer(status, br#"{"object":"error","status":400,"code":"validation_error","message":"m"}"#),
            OAuthError::Refused { code, .. } if code == "validation_error"
        ));
        assert!(matches!(error_answer(status, b"<html>"), OAuthError::Unavailable(_)));
    }

    #[test]
    fn an_unreadable_success_does_not_quote_it() {
        let err = token_answer(br#"{"access_token":7,"refresh_token":"tok-123"}"#).unwrap_err();
        assert!(matches!(err, OAuthError::Unavailable(_)));
        assert!(!err.to_string().contains("tok-123"), "{err}");
    }
}
