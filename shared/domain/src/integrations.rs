//! Connected accounts, seed 000's OAuthManager done to RFC 9700: a sign-in is started by an
//! authenticated user and bound to them with a single-use state (PKCE S256, ten minutes); the
//! callback checks it, exchanges the code, seals the tokens and stores the integration; the
//! schedule refreshes tokens before they expire; disconnecting revokes at the provider. Every
//! step is recorded in the audit log (the security event log).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, stream};
use serde::Serialize;
use serde_json::json;

use crate::{
    Actor, ApiError, Channel, Connections, Consent, DomainError, FireKind, Integration, IntegrationId,
    IntegrationStatus, Notification, NotificationId, NotifyMessage, OAuthError, OAuthState, Ports, Provider,
    ProviderInfo, Secret, StoreError, UserId, ValidationError, audit,
    integration::{RECONNECT_LIFETIME, REFRESH_AHEAD, STATE_LIFETIME, StatePurpose, Verifier, digest},
    sealing::KeyRing,
};

/// The cookie that binds a sign-in to the browser that started it.
pub const BROWSER_COOKIE: &str = "nudge_oauth";
/// How long a refresher holds an integration: longer than a refresh takes, short enough that
/// a refresher that died is replaced by the next run.
const LEASE: Duration = Duration::seconds(60);
/// A token this close to expiry is refreshed before a tool uses it.
const USE_MARGIN: Duration = Duration::seconds(60);
/// At most this many scopes may be asked for.
const MAX_SCOPES: usize = 20;

fn connections(p: &Ports) -> Result<&Connections, DomainError> {
    p.connections.as_ref().ok_or(DomainError::NotFound("provider"))
}

/// The configured providers.
pub fn providers(p: &Ports) -> Vec<ProviderInfo> {
    p.connections.as_ref().map(|c| c.oauth.providers()).unwrap_or_default()
}

fn provider_info(p: &Ports, raw: &str) -> Result<ProviderInfo, DomainError> {
    let name = Provider::parse(raw)?;
    providers(p).into_iter().find(|i| i.name == name).ok_or(DomainError::NotFound("provider"))
}

/// Where the provider sends the browser back: `<PUBLIC_BASE_URL>/oauth/<provider>/callback`.
pub fn redirect_uri(c: &Connections, provider: &Provider) -> String {
    format!("{}/oauth/{provider}/callback", c.public_base_url.trim_end_matches('/'))
}

fn display_name(p: &Ports, provider: &Provider) -> String {
    providers(p)
        .into_iter()
        .find(|i| &i.name == provider)
        .map_or_else(|| provider.to_string(), |i| i.display_name)
}

fn subject(provider: &Provider) -> String {
    format!("integration/{provider}")
}

fn unavailable(e: OAuthError) -> DomainError {
    match e {
        OAuthError::NotConfigured(_) => DomainError::NotFound("provider"),
        other => DomainError::Unavailable(other.to_string()),
    }
}

async fn key_ring(c: &Connections) -> Result<KeyRing, DomainError> {
    let secret = c.keys.secret().await?;
    KeyRing::parse(&secret).map_err(|e| DomainError::Internal(e.to_string()))
}

/// Scopes as asked for (space or comma separated), each an RFC 6749 scope token.
pub fn parse_scopes(raw: &str) -> Result<Vec<String>, ValidationError> {
    let mut scopes: Vec<String> = Vec::new();
    for s in raw.split([' ', ',']).filter(|s| !s.is_empty()) {
        let ok = s.len() <= 200
            && s.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
        if !ok {
            return Err(ValidationError::new("scope", format!("'{s}' is not a valid scope")));
        }
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.len() > MAX_SCOPES {
        return Err(ValidationError::new("scope", format!("at most {MAX_SCOPES} scopes")));
    }
    Ok(scopes)
}

/// A sign-in, started.
#[derive(Debug, Clone)]
pub struct Started {
    /// The provider's authorization URL to send the browser to.
    pub url: String,
    /// The value of [`BROWSER_COOKIE`] to set on the browser.
    pub browser: String,
    pub expires_at: DateTime<Utc>,
}

/// Starts connecting `provider` for `user`: stores the single-use state with the PKCE verifier
/// and the scopes, and answers where to send the browser.
pub async fn start(
    p: &Ports,
    user: UserId,
    provider: &str,
    scopes: Option<&str>,
    actor: &Actor,
) -> Result<Started, DomainError> {
    let info = provider_info(p, provider)?;
    let c = connections(p)?;
    let scopes = match scopes.map(parse_scopes).transpose()? {
        Some(s) if !s.is_empty() => s,
        _ => info.default_scopes.clone(),
    };
    let redirect = redirect_uri(c, &info.name);
    let auth = c.oauth.authorize(&info.name, &scopes, &redirect).await.map_err(unavailable)?;
    let now = p.clock.now();
    let browser = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let state = OAuthState {
        key: digest(&auth.state),
        user_id: user,
        provider: info.name.clone(),
        verifier: auth.verifier,
        scopes: scopes.clone(),
        redirect_uri: redirect,
        browser: Some(digest(&browser)),
        created_at: now,
        expires_at: now + STATE_LIFETIME,
        purpose: StatePurpose::SignIn,
    };
    p.oauth_states.put_state(&state).await?;
    let details = json!({"provider": info.name, "scopes": scopes});
    audit::record(p, user, actor, "oauth.flow_started", &subject(&info.name), now, details).await?;
    Ok(Started { url: auth.url, browser, expires_at: state.expires_at })
}

/// Whom a reconnect link is for, as its page shows them before they go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketHolder {
    pub display_name: String,
    pub name: String,
    /// The last two digits of their phone number.
    pub phone_ending: String,
}

fn ticket_refused() -> DomainError {
    DomainError::Unauthorized(
        "this reconnect link was already used or has expired: open Nudge to reconnect".into(),
    )
}

/// Reads whom a reconnect link's ticket is for, leaving it in place: the page asks the person
/// who opened it to confirm (a link preview or a scanner that fetches it spends nothing).
pub async fn ticket_holder(p: &Ports, provider: &str, ticket: &str) -> Result<TicketHolder, DomainError> {
    let state = p.oauth_states.get_state(&digest(ticket)).await?.ok_or_else(ticket_refused)?;
    if state.purpose != StatePurpose::Reconnect
        || p.clock.now() >= state.expires_at
        || state.provider.as_str() != provider
    {
        return Err(ticket_refused());
    }
    let user = p.users.get_user(&state.user_id).await?.ok_or_else(ticket_refused)?;
    let phone = user.phone.as_str();
    Ok(TicketHolder {
        display_name: display_name(p, &state.provider),
        name: user.name.as_str().to_owned(),
        phone_ending: phone[phone.len().saturating_sub(2)..].to_owned(),
    })
}

/// Starts a sign-in from a reconnect link: the link's ticket names the user (a browser opening
/// a link from a text has no bearer token) and works once, for its provider, within
/// [`RECONNECT_LIFETIME`].
pub async fn start_by_ticket(
    p: &Ports,
    provider: &str,
    ticket: &str,
    scopes: Option<&str>,
    ip: Option<String>,
) -> Result<Started, DomainError> {
    let refused = ticket_refused;
    let taken = p.oauth_states.take_state(&digest(ticket)).await?.ok_or_else(refused)?;
    let now = p.clock.now();
    if taken.purpose != StatePurpose::Reconnect
        || now >= taken.expires_at
        || taken.provider.as_str() != provider
    {
        return Err(refused());
    }
    let scopes = scopes.map(str::to_owned).unwrap_or_else(|| taken.scopes.join(" "));
    let actor = Actor::user(taken.user_id, crate::approval::Via::Api, ip);
    start(p, taken.user_id, provider, Some(&scopes), &actor).await
}

/// What the provider sent the browser back with, and where and from whom it arrived.
#[derive(Debug, Clone, Default)]
pub struct CallbackRequest {
    /// The provider named in the callback's path.
    pub provider: String,
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The URI this callback was served at (public base URL and path, no query).
    pub served_at: String,
    /// The [`BROWSER_COOKIE`] the browser sent, if any.
    pub browser: Option<String>,
    /// The signed-in user, if the request carried a token.
    pub caller: Option<UserId>,
    pub ip: Option<String>,
}

/// Why a callback connected nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// No `state` parameter.
    MissingState,
    /// A state we do not hold: used before, expired long ago, or never ours.
    UnknownState,
    Expired,
    /// Started by another user or another browser.
    Foreign,
    /// Served at another redirect URI (or provider) than the sign-in was started for.
    WrongRedirect,
    /// The provider answered with an error (the user declined, …).
    ProviderError,
    /// The code could not be exchanged.
    Exchange,
}

impl Failure {
    pub fn as_str(&self) -> &'static str {
        match self {
            Failure::MissingState => "missing_state",
            Failure::UnknownState => "unknown_state",
            Failure::Expired => "expired_state",
            Failure::Foreign => "foreign_state",
            Failure::WrongRedirect => "wrong_redirect_uri",
            Failure::ProviderError => "provider_error",
            Failure::Exchange => "exchange_failed",
        }
    }
}

/// What a callback came to, for the page the browser is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    Connected { provider: Provider, display_name: String, account: Option<String>, scopes: Vec<String> },
    Failed { failure: Failure, message: String },
}

fn failed(failure: Failure, message: impl Into<String>) -> CallbackOutcome {
    CallbackOutcome::Failed { failure, message: message.into() }
}

/// Finishes a sign-in. The state is taken first (so it works once, whatever follows); any
/// failure stores nothing and says what happened in words the page can show.
pub async fn callback(p: &Ports, req: CallbackRequest) -> Result<CallbackOutcome, DomainError> {
    const AGAIN: &str = "Start connecting again from Nudge.";
    let Some(state_param) = req.state.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(failed(Failure::MissingState, format!("This sign-in link is incomplete. {AGAIN}")));
    };
    let Some(state) = p.oauth_states.take_state(&digest(state_param)).await? else {
        tracing::warn!(provider = %req.provider, "oauth callback with an unknown or used state");
        return Ok(failed(
            Failure::UnknownState,
            format!("This sign-in link was already used, has expired, or is not from Nudge. {AGAIN}"),
        ));
    };
    if state.purpose != StatePurpose::SignIn {
        return Ok(failed(
            Failure::UnknownState,
            format!("This sign-in link is not from a sign-in. {AGAIN}"),
        ));
    }
    let now = p.clock.now();
    let user = state.user_id;
    let name = display_name(p, &state.provider);
    let actor = Actor::user(user, crate::approval::Via::Api, req.ip.clone());
    let fail = |failure: Failure, message: String| fail_flow(p, &state, &actor, now, failure, message);
    if now >= state.expires_at {
        return fail(
            Failure::Expired,
            format!("This sign-in took longer than 10 minutes and expired. {AGAIN}"),
        )
        .await;
    }
    if req.provider != state.provider.as_str() || req.served_at != state.redirect_uri {
        return fail(Failure::WrongRedirect, format!("This sign-in came back to the wrong address. {AGAIN}"))
            .await;
    }
    let other_user = req.caller.is_some_and(|c| c != user);
    // A sign-in bound to a browser completes only in it (RFC 9700 4.7): a callback without
    // the cookie may be a victim's browser sent an attacker's authorization URL.
    let other_browser = match (&state.browser, &req.browser) {
        (Some(want), Some(got)) => *want != digest(got),
        (Some(_), None) => true,
        (None, _) => false,
    };
    if other_user || other_browser {
        return fail(
            Failure::Foreign,
            format!("This sign-in was started by another account or in another browser. {AGAIN}"),
        )
        .await;
    }
    if let Some(error) = req.error.as_deref() {
        // The page says what the error means in our words: the query's text is anyone's.
        let message = match error {
            "access_denied" => format!("{name} was not connected: access was declined."),
            "invalid_scope" => format!("{name} did not grant what Nudge asked for. {AGAIN}"),
            "temporarily_unavailable" | "server_error" => {
                format!("{name} could not sign you in just now. {AGAIN}")
            }
            _ => format!("{name} could not connect. {AGAIN}"),
        };
        return fail(Failure::ProviderError, message).await;
    }
    let Some(code) = req.code.as_deref().filter(|c| !c.is_empty()) else {
        return fail(Failure::Exchange, format!("{name} sent no authorization code. {AGAIN}")).await;
    };
    let c = connections(p)?;
    // Before the exchange: a ring that cannot be read must not cost the user a grant.
    let keys = key_ring(c).await?;
    let grant = match c.oauth.exchange(&state.provider, code, &state.verifier, &state.redirect_uri).await {
        Ok(g) => g,
        Err(OAuthError::Unavailable(_)) => {
            return fail(Failure::Exchange, format!("{name} could not be reached. {AGAIN}")).await;
        }
        Err(e) => {
            return fail(Failure::Exchange, format!("{name} did not accept the sign-in ({e}). {AGAIN}"))
                .await;
        }
    };
    let aad = Integration::aad(&user, &state.provider);
    let scopes = grant.scopes.clone().unwrap_or_else(|| state.scopes.clone());
    let access = keys.seal(grant.access_token.expose(), &aad);
    let fresh_refresh = grant.refresh_token.as_ref().map(|t| keys.seal(t.expose(), &aad));
    for _ in 0..3 {
        let existing = p.integrations.get_integration(&user, &state.provider).await?;
        let mut i = Integration {
            id: existing.as_ref().map_or_else(|| IntegrationId::from_uuid(p.ids.new_id()), |e| e.id),
            user_id: user,
            provider: state.provider.clone(),
            status: IntegrationStatus::Active,
            account: grant.account.clone().or_else(|| existing.as_ref().and_then(|e| e.account.clone())),
            consent: Consent { scopes: scopes.clone(), granted_at: now },
            access_token: access.clone(),
            // A provider that sends no new refresh token on a second consent keeps the old one,
            // if it is the same account's and still good.
            refresh_token: fresh_refresh.clone().or_else(|| {
                existing
                    .as_ref()
                    .filter(|e| e.status == IntegrationStatus::Active && e.account == grant.account)
                    .and_then(|e| e.refresh_token.clone())
            }),
            expires_at: grant.expires_in.map(|d| now + d),
            refresh_at: None,
            lease_until: None,
            last_refreshed_at: None,
            created_at: existing.as_ref().map_or(now, |e| e.created_at),
            updated_at: now,
            version: existing.as_ref().map_or(1, |e| e.version + 1),
        };
        i.refresh_at = i.refresh_time();
        match p.integrations.put_integration(&i, existing.as_ref().map(|e| e.version)).await {
            Ok(()) => {
                let details = json!({"provider": i.provider, "scopes": scopes, "account": i.account});
                audit::record(p, user, &actor, "oauth.flow_completed", &subject(&i.provider), now, details)
                    .await?;
                return Ok(CallbackOutcome::Connected {
                    provider: i.provider,
                    display_name: name,
                    account: i.account,
                    scopes,
                });
            }
            Err(StoreError::Conflict(_) | StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict("the integration kept changing; try again".into()))
}

/// Records a sign-in that connected nothing, and answers what the page says.
async fn fail_flow(
    p: &Ports,
    state: &OAuthState,
    actor: &Actor,
    now: DateTime<Utc>,
    failure: Failure,
    message: String,
) -> Result<CallbackOutcome, DomainError> {
    let details = json!({"provider": state.provider, "reason": failure.as_str()});
    audit::record(p, state.user_id, actor, "oauth.flow_failed", &subject(&state.provider), now, details)
        .await?;
    Ok(failed(failure, message))
}

/// An integration as the API shows it: never a token.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IntegrationView {
    pub id: IntegrationId,
    pub provider: Provider,
    pub display_name: String,
    pub status: IntegrationStatus,
    pub account: Option<String>,
    pub scopes: Vec<String>,
    pub connected_at: DateTime<Utc>,
    /// When the current access token expires (it is refreshed before then).
    pub expires_at: Option<DateTime<Utc>>,
    pub last_refreshed_at: Option<DateTime<Utc>>,
}

fn view(p: &Ports, i: Integration) -> IntegrationView {
    IntegrationView {
        id: i.id,
        display_name: display_name(p, &i.provider),
        provider: i.provider,
        status: i.status,
        account: i.account,
        scopes: i.consent.scopes,
        connected_at: i.consent.granted_at,
        expires_at: i.expires_at,
        last_refreshed_at: i.last_refreshed_at,
    }
}

/// The owner's connected accounts.
pub async fn list(p: &Ports, owner: UserId) -> Result<Vec<IntegrationView>, DomainError> {
    let all = p.integrations.list_integrations(&owner).await?;
    Ok(all.into_iter().map(|i| view(p, i)).collect())
}

/// What disconnecting did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Disconnected {
    pub provider: Provider,
    /// Whether the provider confirmed the grant is revoked (some have no way to).
    pub revoked_at_provider: bool,
}

/// Disconnects one of the owner's integrations: revokes the grant at the provider where it
/// can, then deletes the tokens. A provider that cannot be reached does not keep the tokens
/// here: the user asked for them to go.
pub async fn disconnect(
    p: &Ports,
    owner: UserId,
    id: IntegrationId,
    actor: &Actor,
) -> Result<Disconnected, DomainError> {
    let all = p.integrations.list_integrations(&owner).await?;
    let Some(i) = all.into_iter().find(|i| i.id == id) else {
        return Err(DomainError::NotFound("integration"));
    };
    // Deleted first: a refresh running meanwhile then finds nothing to write back (and tells
    // no one that a grant being revoked stopped working).
    p.integrations.delete_integration(&owner, &i.provider).await?;
    let mut revoked = false;
    let mut provider_error = None;
    if let Some(c) = p.connections.as_ref() {
        // Revoking the refresh token ends the whole grant at Google; the access token is what
        // is left where there is none.
        let (sealed, is_refresh) = match &i.refresh_token {
            Some(r) => (r, true),
            None => (&i.access_token, false),
        };
        let aad = Integration::aad(&owner, &i.provider);
        let token = key_ring(c)
            .await
            .and_then(|k| k.open(sealed, &aad).map_err(|e| DomainError::Internal(e.to_string())));
        match token {
            Ok(token) => match c.oauth.revoke(&i.provider, &token, is_refresh).await {
                Ok(done) => revoked = done,
                Err(e) => provider_error = Some(e.to_string()),
            },
            Err(e) => provider_error = Some(e.to_string()),
        }
    }
    let now = p.clock.now();
    let details =
        json!({"provider": i.provider, "revoked_at_provider": revoked, "provider_error": provider_error});
    audit::record(p, owner, actor, "oauth.revoked", &subject(&i.provider), now, details).await?;
    Ok(Disconnected { provider: i.provider, revoked_at_provider: revoked })
}

/// What one run of the refresh schedule did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    /// Integrations the index named.
    pub due: usize,
    pub refreshed: usize,
    /// Refused by the provider (`invalid_grant`): marked, and the user told.
    pub needs_reauth: usize,
    /// The provider failed or could not be reached: tried again next run.
    pub failed: usize,
    /// Held by another refresher, or refreshed meanwhile.
    pub skipped: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Refreshed,
    NeedsReauth,
    Failed,
    Skipped,
}

/// Refreshes every integration whose access token expires within [`REFRESH_AHEAD`] of `now`
/// (the schedule's time), a few at a time. Leases and new expiries are reckoned from the
/// clock, so a run delivered late still holds its lease and dates its tokens right.
pub async fn refresh_due(p: &Ports, now: DateTime<Utc>) -> Result<Refreshed, DomainError> {
    let due = p.integrations.refresh_due(now + REFRESH_AHEAD).await?;
    let mut summary = Refreshed { due: due.len(), ..Refreshed::default() };
    if due.is_empty() {
        return Ok(summary);
    }
    let c = connections(p)?;
    let keys = key_ring(c).await?;
    let outcomes: Vec<Result<Outcome, DomainError>> = stream::iter(due)
        .map(|i| refresh_one(p, c, &keys, i, p.clock.now()))
        .buffer_unordered(8)
        .collect()
        .await;
    for o in outcomes {
        match o {
            Ok(Outcome::Refreshed) => summary.refreshed += 1,
            Ok(Outcome::NeedsReauth) => summary.needs_reauth += 1,
            Ok(Outcome::Skipped) => summary.skipped += 1,
            Ok(Outcome::Failed) => summary.failed += 1,
            Err(e) => {
                tracing::error!(error = %e, "refreshing an integration failed");
                summary.failed += 1;
            }
        }
    }
    Ok(summary)
}

/// Refreshes one integration under a lease: it is claimed with a versioned write first, so of
/// two refreshers only one calls the provider (which may rotate the refresh token, making a
/// second call with the old one fail as `invalid_grant`).
async fn refresh_one(
    p: &Ports,
    c: &Connections,
    keys: &KeyRing,
    listed: Integration,
    now: DateTime<Utc>,
) -> Result<Outcome, DomainError> {
    // Read again: the index's copy may be minutes old, and the integration may since have been
    // disconnected and connected anew (a new id, whose versions start again).
    let Some(mut i) = p.integrations.get_integration(&listed.user_id, &listed.provider).await? else {
        return Ok(Outcome::Skipped);
    };
    if i.id != listed.id || i.status != IntegrationStatus::Active || i.lease_until.is_some_and(|l| l > now) {
        return Ok(Outcome::Skipped);
    }
    let Some(sealed) = i.refresh_token.clone() else { return Ok(Outcome::Skipped) };
    let read = i.version;
    i.lease_until = Some(now + LEASE);
    i.version = read + 1;
    match p.integrations.put_integration(&i, Some(read)).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_) | StoreError::NotFound) => return Ok(Outcome::Skipped),
        Err(e) => return Err(e.into()),
    }
    let claimed = i.version;
    let aad = Integration::aad(&i.user_id, &i.provider);
    let refresh = match keys.open(&sealed, &aad) {
        Ok(t) => t,
        Err(e) => {
            // A key ring that lost this token's key: nothing a retry fixes, and nothing the
            // user did. Said loudly; the lease lapses and the next run says it again.
            tracing::error!(provider = %i.provider, error = %e, "a refresh token did not open");
            return Ok(Outcome::Failed);
        }
    };
    let subject = subject(&i.provider);
    match c.oauth.refresh(&i.provider, &refresh).await {
        Ok(grant) => {
            i.access_token = keys.seal(grant.access_token.expose(), &aad);
            if let Some(rotated) = &grant.refresh_token {
                i.refresh_token = Some(keys.seal(rotated.expose(), &aad));
            }
            if let Some(scopes) = grant.scopes {
                i.consent.scopes = scopes;
            }
            i.expires_at = grant.expires_in.map(|d| now + d);
            i.last_refreshed_at = Some(now);
            i.lease_until = None;
            i.updated_at = now;
            i.refresh_at = i.refresh_time();
            i.version = claimed + 1;
            match p.integrations.put_integration(&i, Some(claimed)).await {
                Ok(()) => {}
                // Disconnected meanwhile: the new tokens go with it.
                Err(StoreError::Conflict(_) | StoreError::NotFound) => return Ok(Outcome::Skipped),
                Err(e) => return Err(e.into()),
            }
            let details = json!({"provider": i.provider, "rotated": grant.refresh_token.is_some()});
            audit::record(p, i.user_id, &Actor::system(), "oauth.refreshed", &subject, now, details).await?;
            Ok(Outcome::Refreshed)
        }
        Err(OAuthError::InvalidGrant(_)) => {
            i.status = IntegrationStatus::NeedsReauth;
            i.lease_until = None;
            i.updated_at = now;
            i.refresh_at = None;
            i.version = claimed + 1;
            match p.integrations.put_integration(&i, Some(claimed)).await {
                Ok(()) => {}
                // Disconnected or connected anew meanwhile: nothing to tell.
                Err(StoreError::Conflict(_) | StoreError::NotFound) => return Ok(Outcome::Skipped),
                Err(e) => return Err(e.into()),
            }
            // Told only once the mark is written, so a grant that was being replaced or revoked
            // on purpose raises no alarm.
            tell_reauth(p, c, &i, now).await?;
            let details = json!({"provider": i.provider, "reason": "invalid_grant"});
            audit::record(p, i.user_id, &Actor::system(), "oauth.refresh_failed", &subject, now, details)
                .await?;
            Ok(Outcome::NeedsReauth)
        }
        Err(e) => {
            tracing::warn!(provider = %i.provider, error = %e, "token refresh failed; retrying next run");
            i.lease_until = None;
            i.version = claimed + 1;
            match p.integrations.put_integration(&i, Some(claimed)).await {
                Ok(()) | Err(StoreError::Conflict(_) | StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
            let details = json!({"provider": i.provider, "reason": e.to_string()});
            audit::record(p, i.user_id, &Actor::system(), "oauth.refresh_failed", &subject, now, details)
                .await?;
            Ok(Outcome::Failed)
        }
    }
}

/// Tells the user, on their channel, that a connection must be renewed. The message is named by
/// the grant (the integration and when it was consented to), so however often this runs for
/// one lost grant, it is sent once.
async fn tell_reauth(
    p: &Ports,
    c: &Connections,
    i: &Integration,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let Some(user) = p.users.get_user(&i.user_id).await? else { return Ok(()) };
    let name = display_name(p, &i.provider);
    let link = ticket_link(p, c, user.id, &i.provider, &i.consent.scopes, now + RECONNECT_LIFETIME).await?;
    let text = format!(
        "Your {name} connection stopped working, so I can't use it for you. Reconnect it here: {link}"
    );
    let key = format!("integration/{}/reauth/{}", i.id, i.consent.granted_at.timestamp_millis());
    let id = NotificationId::named(&key, i.consent.granted_at);
    let channel: Channel = user.preferences.channel;
    let n = Notification::queued(id, user.id, FireKind::Reply, channel, text, now);
    // Queued even when the notification exists: its id makes delivery once, and a queue that
    // failed after the insert is made good.
    p.notifications.insert_notification(&n).await?;
    p.queue.enqueue(&NotifyMessage { user_id: user.id, notification_id: n.id }).await?;
    Ok(())
}

/// A one-time link that starts a sign-in for `user` in whatever browser opens it, after its page
/// names whose account it is: `<PUBLIC_BASE_URL>/oauth/<provider>/start?ticket=…`.
async fn ticket_link(
    p: &Ports,
    c: &Connections,
    user: UserId,
    provider: &Provider,
    scopes: &[String],
    expires_at: DateTime<Utc>,
) -> Result<String, DomainError> {
    let ticket = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let state = OAuthState {
        key: digest(&ticket),
        user_id: user,
        provider: provider.clone(),
        verifier: Verifier::new(""),
        scopes: scopes.to_vec(),
        redirect_uri: String::new(),
        browser: None,
        created_at: p.clock.now(),
        expires_at,
        purpose: StatePurpose::Reconnect,
    };
    p.oauth_states.put_state(&state).await?;
    Ok(format!("{}/oauth/{provider}/start?ticket={ticket}", c.public_base_url.trim_end_matches('/')))
}

/// A sign-in link for a client whose browser is not the one that calls the API (a phone app
/// opening the system browser): one-time, for ten minutes, confirmed on its page as a
/// reconnect link is.
pub async fn sign_in_link(
    p: &Ports,
    user: UserId,
    provider: &str,
    scopes: Option<&str>,
) -> Result<(String, DateTime<Utc>), DomainError> {
    let info = provider_info(p, provider)?;
    let c = connections(p)?;
    let scopes = match scopes.map(parse_scopes).transpose()? {
        Some(s) if !s.is_empty() => s,
        _ => info.default_scopes.clone(),
    };
    let expires_at = p.clock.now() + STATE_LIFETIME;
    let link = ticket_link(p, c, user, &info.name, &scopes, expires_at).await?;
    Ok((link, expires_at))
}

/// A usable access token for the owner's integration with `provider`, refreshed first if it
/// is spent or about to be (the schedule normally got there first).
pub async fn access_token(p: &Ports, owner: UserId, provider: &Provider) -> Result<Secret, DomainError> {
    let c = connections(p)?;
    let keys = key_ring(c).await?;
    let name = display_name(p, provider);
    let mut refreshed = false;
    for attempt in 0..6 {
        let Some(i) = p.integrations.get_integration(&owner, provider).await? else {
            return Err(DomainError::Forbidden(format!(
                "{name} is not connected: connect it in Nudge first"
            )));
        };
        if i.status == IntegrationStatus::NeedsReauth {
            return Err(DomainError::Forbidden(format!(
                "the {name} connection needs renewing: reconnect it in Nudge"
            )));
        }
        let now = p.clock.now();
        // A token just refreshed is used even if the provider gives short ones.
        if refreshed || !i.stale(now, USE_MARGIN) || i.refresh_token.is_none() {
            let aad = Integration::aad(&owner, provider);
            return keys.open(&i.access_token, &aad).map_err(|e| DomainError::Internal(e.to_string()));
        }
        match refresh_one(p, c, &keys, i, now).await? {
            Outcome::Refreshed => refreshed = true,
            Outcome::NeedsReauth => {}
            Outcome::Failed => return Err(DomainError::Unavailable(format!("{name} could not be reached"))),
            // Another refresher holds it: wait for its result.
            Outcome::Skipped => tokio::time::sleep(StdDuration::from_millis(200 * (attempt + 1))).await,
        }
    }
    Err(DomainError::Unavailable(format!("{name} is busy; try again in a moment")))
}

/// Runs `call` with the owner's token for `provider`; a token the API refuses is refreshed
/// once and the call tried again.
pub async fn with_token<T, F, Fut>(
    p: &Ports,
    owner: UserId,
    provider: &Provider,
    call: F,
) -> Result<T, DomainError>
where
    F: Fn(Secret) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let token = access_token(p, owner, provider).await?;
    match call(token).await {
        Err(ApiError::Unauthorized) => {}
        other => return other.map_err(api_error),
    }
    force_stale(p, owner, provider).await?;
    let token = access_token(p, owner, provider).await?;
    call(token).await.map_err(api_error)
}

fn api_error(e: ApiError) -> DomainError {
    match e {
        ApiError::Unauthorized => {
            DomainError::Forbidden("the provider refused the connection: reconnect it in Nudge".into())
        }
        ApiError::Rejected(m) => DomainError::Conflict(m),
        ApiError::Unavailable(m) => DomainError::Unavailable(m),
    }
}

/// Marks the stored access token spent, so the next use refreshes it.
async fn force_stale(p: &Ports, owner: UserId, provider: &Provider) -> Result<(), DomainError> {
    let Some(mut i) = p.integrations.get_integration(&owner, provider).await? else { return Ok(()) };
    let now = p.clock.now();
    // A refresher holds it: its result is the fresh token, and a write now would make it
    // throw that (and a rotated refresh token) away.
    if i.lease_until.is_some_and(|l| l > now) {
        return Ok(());
    }
    let read = i.version;
    i.expires_at = Some(now);
    i.refresh_at = i.refresh_time();
    i.version = read + 1;
    match p.integrations.put_integration(&i, Some(read)).await {
        Ok(()) | Err(StoreError::Conflict(_) | StoreError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
