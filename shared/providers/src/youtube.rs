//! YouTube Data API v3: <https://developers.google.com/youtube/v3/docs>.
//!
//! - search: `GET /search?part=snippet&type=video&maxResults&q`;
//! - add to a playlist: `POST /playlistItems?part=snippet` with the playlist and the video.

use nudge_domain::{ApiError, Secret, Video};
use serde::Deserialize;
use serde_json::json;

use crate::call::{Caller, Service};

/// The API's own bound on `maxResults`.
const MAX_RESULTS: u8 = 50;

#[derive(Deserialize)]
struct SearchList {
    #[serde(default)]
    items: Vec<SearchResult>,
}

#[derive(Deserialize)]
struct SearchResult {
    id: ResourceId,
    snippet: Option<Snippet>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceId {
    video_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snippet {
    title: Option<String>,
    channel_title: Option<String>,
}

#[derive(Deserialize)]
struct PlaylistItem {
    id: String,
}

pub(crate) async fn search(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    query: &str,
    max: u8,
) -> Result<Vec<Video>, ApiError> {
    if max == 0 {
        return Ok(vec![]);
    }
    let api = Caller::new(http, Service::YouTube, token);
    let max = max.min(MAX_RESULTS).to_string();
    let query = [("part", "snippet"), ("type", "video"), ("maxResults", max.as_str()), ("q", query)];
    let list: SearchList = api.call(api.http.get(format!("{base}/search")).query(&query)).await?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|item| {
            let id = item.id.video_id?;
            let snippet = item.snippet;
            let title = snippet.as_ref().and_then(|s| s.title.as_deref()).map(unescape_html);
            let channel = snippet.as_ref().and_then(|s| s.channel_title.as_deref()).map(unescape_html);
            Some(Video {
                url: format!("https://www.youtube.com/watch?v={id}"),
                title: title.filter(|t| !t.is_empty()).unwrap_or_else(|| "(untitled video)".into()),
                channel: channel.filter(|c| !c.is_empty()),
                id,
            })
        })
        .collect())
}

pub(crate) async fn add_to_playlist(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    playlist_id: &str,
    video_id: &str,
) -> Result<String, ApiError> {
    let api = Caller::new(http, Service::YouTube, token);
    let body = json!({"snippet": {
        "playlistId": playlist_id,
        "resourceId": {"kind": "youtube#video", "videoId": video_id},
    }});
    let request = api.http.post(format!("{base}/playlistItems")).query(&[("part", "snippet")]).json(&body);
    let item: PlaylistItem = api.call(request).await?;
    Ok(item.id)
}

/// Search snippets come HTML-escaped (`Rock &amp; Roll`, `Don&#39;t`): the text as written.
fn unescape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|end| *end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => entity.strip_prefix('#').and_then(|d| d.parse().ok()),
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_unescaped() {
        assert_eq!(unescape_html("Rock &amp; Roll"), "Rock & Roll");
        assert_eq!(unescape_html("Don&#39;t &quot;stop&quot; &#x1F600;"), "Don't \"stop\" 😀");
        assert_eq!(unescape_html("AT&T & co; &unknown; &"), "AT&T & co; &unknown; &");
        assert_eq!(unescape_html("plain"), "plain");
    }
}
