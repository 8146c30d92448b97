//! Where each provider's API lives. Production defaults, overridable from the environment so
//! tests and the local stack can point at a server on 127.0.0.1 (DESIGN.md, "Outbound services").

use reqwest::Url;

pub const DEFAULT_GOOGLE_CALENDAR_API_URL: &str = "https://www.googleapis.com/calendar/v3";
pub const DEFAULT_MICROSOFT_GRAPH_API_URL: &str = "https://graph.microsoft.com/v1.0";
pub const DEFAULT_NOTION_API_URL: &str = "https://api.notion.com/v1";
pub const DEFAULT_YOUTUBE_API_URL: &str = "https://www.googleapis.com/youtube/v3";

/// The base URL of each API, up to and including its version, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// `GOOGLE_CALENDAR_API_URL`.
    pub google_calendar: String,
    /// `MICROSOFT_GRAPH_API_URL`.
    pub microsoft_graph: String,
    /// `NOTION_API_URL`.
    pub notion: String,
    /// `YOUTUBE_API_URL`.
    pub youtube: String,
}

/// A variable whose value is not an http(s) URL: caught at start-up rather than at the first
/// tool call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable} must be an http(s) URL")]
pub struct ConfigError {
    pub variable: &'static str,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            google_calendar: DEFAULT_GOOGLE_CALENDAR_API_URL.to_owned(),
            microsoft_graph: DEFAULT_MICROSOFT_GRAPH_API_URL.to_owned(),
            notion: DEFAULT_NOTION_API_URL.to_owned(),
            youtube: DEFAULT_YOUTUBE_API_URL.to_owned(),
        }
    }
}

impl ApiConfig {
    /// The defaults, each replaced by its variable when `lookup` gives a non-empty value.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let url = |variable: &'static str, default: &str| -> Result<String, ConfigError> {
            match lookup(variable).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                None => Ok(default.to_owned()),
                Some(value) => base_url(&value).ok_or(ConfigError { variable }),
            }
        };
        Ok(Self {
            google_calendar: url("GOOGLE_CALENDAR_API_URL", DEFAULT_GOOGLE_CALENDAR_API_URL)?,
            microsoft_graph: url("MICROSOFT_GRAPH_API_URL", DEFAULT_MICROSOFT_GRAPH_API_URL)?,
            notion: url("NOTION_API_URL", DEFAULT_NOTION_API_URL)?,
            youtube: url("YOUTUBE_API_URL", DEFAULT_YOUTUBE_API_URL)?,
        })
    }

    /// [`ApiConfig::from_env`] over the process environment.
    pub fn from_process_env() -> Result<Self, ConfigError> {
        Self::from_env(|name| std::env::var(name).ok())
    }
}

/// `value` as a base URL (http or https, no query), without its trailing slash.
fn base_url(value: &str) -> Option<String> {
    let url = Url::parse(value).ok()?;
    let ok = matches!(url.scheme(), "http" | "https") && url.has_host() && url.query().is_none();
    ok.then(|| value.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_production_apis() {
        let config = ApiConfig::from_env(|_| None).unwrap();
        assert_eq!(config, ApiConfig::default());
        assert_eq!(config.microsoft_graph, "https://graph.microsoft.com/v1.0");
    }

    #[test]
    fn variables_override_and_lose_their_trailing_slash() {
        let config = ApiConfig::from_env(|name| match name {
            "NOTION_API_URL" => Some("http://127.0.0.1:9999/notion/v1/".into()),
            "YOUTUBE_API_URL" => Some("  ".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.notion, "http://127.0.0.1:9999/notion/v1");
        assert_eq!(config.youtube, DEFAULT_YOUTUBE_API_URL);
    }

    #[test]
    fn a_value_that_is_not_a_url_names_its_variable() {
        let err = ApiConfig::from_env(|name| (name == "GOOGLE_CALENDAR_API_URL").then(|| "calendar".into()))
            .unwrap_err();
        assert_eq!(err.variable, "GOOGLE_CALENDAR_API_URL");
        let err =
            ApiConfig::from_env(|name| (name == "NOTION_API_URL").then(|| "ftp://x/v1".into())).unwrap_err();
        assert_eq!(err.variable, "NOTION_API_URL");
    }
}
