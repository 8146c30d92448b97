//! The domain's `ProviderApis` port over the providers' own HTTP APIs, with a user's access
//! token: Google Calendar and Microsoft Graph calendars, Notion, YouTube Data.
//!
//! Each API has its module, written against the provider's documented request and answer
//! shapes; [`call`] sorts every answer into the domain's `ApiError` the same way. Base URLs
//! come from [`ApiConfig`], so tests point them at a stand-in on 127.0.0.1.
//!
//! No token reaches a log line or an error (see `call`).

mod call;
pub mod config;
mod google;
mod graph;
mod notion;
mod youtube;
mod zone;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use nudge_domain::{ApiError, CalendarEvent, NewEvent, NotionPage, Provider, ProviderApis, Secret, Video};

pub use config::{ApiConfig, ConfigError};
pub use google::event_id as google_event_id;
pub use notion::NOTION_VERSION;

/// How long one API call may take, connection included: a tool call waits on it inside a
/// chat turn, which has its own budget.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most pages of events one listing reads (250 Google events or 50 Graph events a page).
pub const MAX_PAGES: usize = 5;

/// The client the APIs share, built once per process: rustls, a timeout, and no redirects
/// (none of these APIs redirects, and a redirect must not take the bearer token elsewhere).
///
/// # Panics
///
/// If the TLS backend cannot start, which with rustls and bundled roots means a broken build.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("nudge")
        .build()
        .expect("the rustls HTTP client builds")
}

/// `ProviderApis` over HTTP.
#[derive(Clone)]
pub struct HttpProviderApis {
    http: reqwest::Client,
    config: ApiConfig,
}

impl HttpProviderApis {
    pub fn new(http: reqwest::Client, config: ApiConfig) -> Self {
        Self { http, config }
    }

    pub fn config(&self) -> &ApiConfig {
        &self.config
    }
}

/// The error for a calendar call to a provider without a calendar API.
fn no_calendar(provider: &Provider) -> ApiError {
    ApiError::Rejected(format!("{provider} has no calendar; connect Google or Microsoft for one"))
}

#[async_trait]
impl ProviderApis for HttpProviderApis {
    async fn list_events(
        &self,
        provider: &Provider,
        token: &Secret,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CalendarEvent>, ApiError> {
        if to <= from {
            return Ok(vec![]);
        }
        match provider.as_str() {
            Provider::GOOGLE => {
                google::list_events(&self.http, &self.config.google_calendar, token, from, to).await
            }
            Provider::MICROSOFT => {
                graph::list_events(&self.http, &self.config.microsoft_graph, token, from, to).await
            }
            _ => Err(no_calendar(provider)),
        }
    }

    async fn create_event(
        &self,
        provider: &Provider,
        token: &Secret,
        event: &NewEvent,
        key: &str,
    ) -> Result<CalendarEvent, ApiError> {
        if event.end < event.start {
            return Err(ApiError::Rejected("an event cannot end before it starts".into()));
        }
        match provider.as_str() {
            Provider::GOOGLE => {
                google::create_event(&self.http, &self.config.google_calendar, token, event, key).await
            }
            Provider::MICROSOFT => {
                graph::create_event(&self.http, &self.config.microsoft_graph, token, event, key).await
            }
            _ => Err(no_calendar(provider)),
        }
    }

    async fn notion_search(&self, token: &Secret, query: &str) -> Result<Vec<NotionPage>, ApiError> {
        notion::search(&self.http, &self.config.notion, token, query).await
    }

    async fn notion_create_page(
        &self,
        token: &Secret,
        database_id: &str,
        title: &str,
        content: Option<&str>,
    ) -> Result<NotionPage, ApiError> {
        notion::create_page(&self.http, &self.config.notion, token, database_id, title, content).await
    }

    async fn youtube_search(&self, token: &Secret, query: &str, max: u8) -> Result<Vec<Video>, ApiError> {
        youtube::search(&self.http, &self.config.youtube, token, query, max).await
    }

    async fn youtube_add_to_playlist(
        &self,
        token: &Secret,
        playlist_id: &str,
        video_id: &str,
    ) -> Result<String, ApiError> {
        youtube::add_to_playlist(&self.http, &self.config.youtube, token, playlist_id, video_id).await
    }
}
