//! Notion API, version pinned by the `Notion-Version` header:
//! <https://developers.notion.com/reference/intro>.
//!
//! - search: `POST /search` (pages and databases shared with the integration, by title);
//! - create a page in a database: `GET /databases/{id}` to find the database's title property
//!   (its name varies: "Name", "Task", …), then `POST /pages` with that property set and the
//!   content as one paragraph block.

use nudge_domain::{ApiError, NotionPage, Secret};
use serde_json::{Value, json};

use crate::call::{Caller, Service};

/// The API version we speak: the last one whose databases hold pages directly (later versions
/// put data sources between them).
pub const NOTION_VERSION: &str = "2022-06-28";
/// Results of one search: enough for a person to choose from.
const SEARCH_PAGE_SIZE: u32 = 10;
/// Notion's limit on one rich text object's `text.content`.
const MAX_TEXT_CHARS: usize = 2000;
/// Notion's limit on the rich text objects of one property or block.
const MAX_RICH_TEXTS: usize = 100;

pub(crate) async fn search(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    query: &str,
) -> Result<Vec<NotionPage>, ApiError> {
    let api = Caller::new(http, Service::Notion, token);
    let request = api
        .http
        .post(format!("{base}/search"))
        .header("Notion-Version", NOTION_VERSION)
        .json(&json!({"query": query, "page_size": SEARCH_PAGE_SIZE}));
    let list: Value = api.call(request).await?;
    let results = list.get("results").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    Ok(results.iter().filter_map(to_domain).collect())
}

pub(crate) async fn create_page(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    database_id: &str,
    title: &str,
    content: Option<&str>,
) -> Result<NotionPage, ApiError> {
    let Some(id) = notion_id(database_id) else {
        return Err(ApiError::Rejected(format!("'{database_id}' is not a Notion database id or link")));
    };
    let api = Caller::new(http, Service::Notion, token);
    let database: Value = api
        .call(api.http.get(format!("{base}/databases/{id}")).header("Notion-Version", NOTION_VERSION))
        .await?;
    let Some(title_property) = title_property(&database) else {
        return Err(ApiError::Unavailable("Notion answered a database without a title property".into()));
    };
    let mut body = json!({
        "parent": {"database_id": id},
        "properties": {title_property: {"title": rich_text(title)}},
    });
    if let Some(text) = content.filter(|c| !c.trim().is_empty()) {
        body["children"] = json!([{
            "object": "block",
            "type": "paragraph",
            "paragraph": {"rich_text": rich_text(text)},
        }]);
    }
    let request = api.http.post(format!("{base}/pages")).header("Notion-Version", NOTION_VERSION).json(&body);
    let page: Value = api.call(request).await?;
    to_domain(&page).ok_or_else(|| ApiError::Unavailable("Notion answered a page without an id".into()))
}

/// The name of the database's property of type `title` (every database has exactly one).
fn title_property(database: &Value) -> Option<String> {
    database.get("properties")?.as_object()?.iter().find_map(|(name, property)| {
        // A property's own `name` is authoritative; the map key is the same name.
        (property.get("type")? == "title")
            .then(|| property.get("name").and_then(Value::as_str).unwrap_or(name).to_owned())
    })
}

/// `text` as rich text objects, cut where Notion's length limit says.
fn rich_text(text: &str) -> Value {
    let chars: Vec<char> = text.chars().collect();
    let parts: Vec<Value> = chars
        .chunks(MAX_TEXT_CHARS)
        .take(MAX_RICH_TEXTS)
        .map(|chunk| json!({"type": "text", "text": {"content": chunk.iter().collect::<String>()}}))
        .collect();
    Value::Array(parts)
}

/// A search result or created page as the domain has it: a page's title is in its property of
/// type `title`, a database's in its own `title`.
fn to_domain(object: &Value) -> Option<NotionPage> {
    let kind = object.get("object")?.as_str()?;
    let id = object.get("id")?.as_str()?.to_owned();
    let title = match kind {
        "page" => object
            .get("properties")
            .and_then(Value::as_object)
            .and_then(|props| props.values().find(|p| p.get("type").is_some_and(|t| t == "title")))
            .map(|p| plain_text(p.get("title"))),
        "database" => Some(plain_text(object.get("title"))),
        _ => return None,
    };
    let title = title.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| "Untitled".into());
    Some(NotionPage {
        id,
        title,
        url: object.get("url").and_then(Value::as_str).map(str::to_owned),
        object: kind.to_owned(),
    })
}

/// The `plain_text` of a rich text array, joined.
fn plain_text(rich_text: Option<&Value>) -> String {
    rich_text
        .and_then(Value::as_array)
        .map(|parts| parts.iter().filter_map(|p| p.get("plain_text").and_then(Value::as_str)).collect())
        .unwrap_or_default()
}

/// A Notion id (a UUID, with or without dashes) from an id or a page's link (whose last path
/// segment ends with the id: `https://www.notion.so/acme/Reading-list-0123…?v=…`), dashed as
/// the API writes it. Anything else is refused before it can reach a URL path.
fn notion_id(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let compact = |s: &str| s.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    let hex = if raw.contains("://") {
        let path = raw.split(['?', '#']).next().unwrap_or(raw);
        let segment = compact(path.trim_end_matches('/').rsplit('/').next().unwrap_or(path));
        segment.get(segment.len().checked_sub(32)?..)?.to_owned()
    } else {
        compact(raw)
    };
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_ids_and_links() {
        let dashed = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        assert_eq!(notion_id(dashed).as_deref(), Some(dashed));
        assert_eq!(notion_id("0F1E2D3C4B5A69788796A5B4C3D2E1F0").as_deref(), Some(dashed));
        assert_eq!(
            notion_id("https://www.notion.so/acme/Reading-list-0f1e2d3c4b5a69788796a5b4c3d2e1f0?v=123")
                .as_deref(),
            Some(dashed)
        );
        assert_eq!(notion_id("reading list"), None);
        assert_eq!(notion_id("../../users/0f1e2d3c4b5a69788796a5b4c3d2e1f0"), None);
        assert_eq!(notion_id("xx0f1e2d3c4b5a69788796a5b4c3d2e1f0"), None);
    }

    #[test]
    fn titles_of_pages_and_databases() {
        let page = json!({
            "object": "page", "id": "p1", "url": "https://www.notion.so/Plan-p1",
            "properties": {
                "Status": {"id": "a", "type": "select", "select": null},
                "Task": {"id": "title", "type": "title", "title": [
                    {"type": "text", "plain_text": "Weekly"}, {"type": "text", "plain_text": " plan"}
                ]}
            }
        });
        let page = to_domain(&page).unwrap();
        assert_eq!((page.title.as_str(), page.object.as_str()), ("Weekly plan", "page"));
        let database = json!({"object": "database", "id": "d1", "title": [{"plain_text": "Reading list"}]});
        assert_eq!(to_domain(&database).unwrap().title, "Reading list");
        let untitled =
            json!({"object": "page", "id": "p2", "properties": {"title": {"type": "title", "title": []}}});
        assert_eq!(to_domain(&untitled).unwrap().title, "Untitled");
        assert!(to_domain(&json!({"object": "block", "id": "b"})).is_none());
    }

    #[test]
    fn the_title_property_is_found_by_type() {
        let database = json!({"properties": {
            "Tags": {"id": "x", "name": "Tags", "type": "multi_select"},
            "Book": {"id": "title", "name": "Book", "type": "title", "title": {}}
        }});
        assert_eq!(title_property(&database).as_deref(), Some("Book"));
        assert_eq!(title_property(&json!({"properties": {}})), None);
    }

    #[test]
    fn long_text_is_cut_to_notions_limits() {
        let parts = rich_text(&"é".repeat(4500));
        let parts = parts.as_array().unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0]["text"]["content"].as_str().unwrap().chars().count(), 2000);
        assert_eq!(parts[2]["text"]["content"].as_str().unwrap().chars().count(), 500);
    }
}
