//! The providers' APIs through `nudge-providers`, against the stand-ins of
//! `nudge_tests::providers`: what we send (paths, parameters, headers, bodies as documented),
//! what we make of the answers, and how failures reach the caller.

use chrono::{DateTime, NaiveDate, Utc};
use nudge_domain::{ApiError, NewEvent, Provider, ProviderApis as _, Secret};
use nudge_providers::{ApiConfig, HttpProviderApis};
use nudge_tests::providers::{
    self, CALENDAR_TIME_ZONE, Event, GOOGLE_TOKEN, MICROSOFT_TOKEN, NOTION_TOKEN, YOUTUBE_TOKEN,
};
use serde_json::json;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("an RFC 3339 time")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

fn provider(name: &str) -> Provider {
    Provider::parse(name).expect("a provider")
}

fn token(value: &str) -> Secret {
    Secret::new(value)
}

async fn start() -> (providers::ProviderApis, HttpProviderApis) {
    let stand_in = providers::ProviderApis::start().await;
    let apis = stand_in.apis();
    (stand_in, apis)
}

fn new_event() -> NewEvent {
    NewEvent {
        title: "Call the dentist".into(),
        start: at("2025-07-14T08:00:00Z"),
        end: at("2025-07-14T08:30:00Z"),
        time_zone: "Europe/Paris".into(),
        description: Some("Ask about the crown".into()),
        location: Some("Home".into()),
    }
}

// ---- Google Calendar -------------------------------------------------------------------

#[tokio::test]
async fn google_lists_timed_and_all_day_events_in_the_window() {
    let (stand_in, apis) = start().await;
    stand_in.add_event(
        "google",
        Event::timed("dentist1", "Dentist", at("2025-07-14T08:00:00Z"), at("2025-07-14T09:00:00Z"))
            .at("Rue de Rivoli"),
    );
    stand_in.add_event("google", Event::all_day("holiday1", "Bastille Day", day("2025-07-14"), 1));
    stand_in.add_event(
        "google",
        Event::timed("later1", "Later", at("2025-07-20T08:00:00Z"), at("2025-07-20T09:00:00Z")),
    );

    let events = apis
        .list_events(
            &provider("google"),
            &token(GOOGLE_TOKEN),
            at("2025-07-14T00:00:00Z"),
            at("2025-07-15T00:00:00Z"),
        )
        .await
        .expect("events");

    // By start: the all-day event starts at midnight in Paris, the evening before in UTC.
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["holiday1", "dentist1"]);
    let holiday = &events[0];
    assert!(holiday.all_day);
    assert_eq!(holiday.title, "Bastille Day");
    assert_eq!((holiday.start, holiday.end), (at("2025-07-13T22:00:00Z"), at("2025-07-14T22:00:00Z")));
    let dentist = &events[1];
    assert!(!dentist.all_day);
    // Google wrote it as 10:00+02:00: the same instant.
    assert_eq!((dentist.start, dentist.end), (at("2025-07-14T08:00:00Z"), at("2025-07-14T09:00:00Z")));
    assert_eq!(dentist.location.as_deref(), Some("Rue de Rivoli"));
    assert!(
        dentist.link.as_deref().is_some_and(|l| l.starts_with("https://www.google.com/calendar/event?eid="))
    );

    let sent = stand_in.requests_to("/calendar/v3");
    assert_eq!(sent.len(), 1);
    let list = &sent[0];
    assert_eq!(list.path, "/calendar/v3/calendars/primary/events");
    assert_eq!(list.param("timeMin"), Some("2025-07-14T00:00:00Z"));
    assert_eq!(list.param("timeMax"), Some("2025-07-15T00:00:00Z"));
    assert_eq!(list.param("singleEvents"), Some("true"));
    assert_eq!(list.param("orderBy"), Some("startTime"));
    assert_eq!(list.header("authorization"), Some(format!("Bearer {GOOGLE_TOKEN}").as_str()));
}

#[tokio::test]
async fn google_all_day_dates_are_read_in_the_calendars_zone() {
    let (stand_in, apis) = start().await;
    assert_eq!(CALENDAR_TIME_ZONE, "Europe/Paris");
    stand_in.set_calendar_time_zone("America/New_York");
    stand_in.add_event("google", Event::all_day("trip1", "Trip", day("2025-01-10"), 3));

    let events = apis
        .list_events(
            &provider("google"),
            &token(GOOGLE_TOKEN),
            at("2025-01-01T00:00:00Z"),
            at("2025-02-01T00:00:00Z"),
        )
        .await
        .expect("events");

    assert_eq!(events.len(), 1);
    // Three days from midnight in New York (UTC-5), the end date excluded.
    assert_eq!((events[0].start, events[0].end), (at("2025-01-10T05:00:00Z"), at("2025-01-13T05:00:00Z")));
    assert!(events[0].all_day);
}

#[tokio::test]
async fn google_follows_page_tokens() {
    let (stand_in, apis) = start().await;
    stand_in.set_page_size(2);
    for hour in 8..13 {
        let start = at(&format!("2025-07-14T{hour:02}:00:00Z"));
        stand_in.add_event(
            "google",
            Event::timed(&format!("event{hour}"), "Block", start, start + chrono::Duration::minutes(30)),
        );
    }

    let events = apis
        .list_events(
            &provider("google"),
            &token(GOOGLE_TOKEN),
            at("2025-07-14T00:00:00Z"),
            at("2025-07-15T00:00:00Z"),
        )
        .await
        .expect("events");

    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["event8", "event9", "event10", "event11", "event12"]);
    let sent = stand_in.requests_to("/calendar/v3");
    assert_eq!(sent.len(), 3, "three pages of two");
    assert_eq!(sent[0].param("pageToken"), None);
    assert!(sent[1].param("pageToken").is_some());
    assert!(sent[2].param("pageToken").is_some() && sent[2].param("pageToken") != sent[1].param("pageToken"));
    // Every page asks for the same window.
    assert!(sent.iter().all(|s| s.param("timeMin") == Some("2025-07-14T00:00:00Z")));
}

#[tokio::test]
async fn google_create_sends_the_documented_event_with_an_id_from_the_key() {
    let (stand_in, apis) = start().await;

    let created = apis
        .create_event(&provider("google"), &token(GOOGLE_TOKEN), &new_event(), "approval-4821")
        .await
        .expect("created");

    let id = nudge_providers::google_event_id("approval-4821");
    assert!(id.len() >= 5 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)));
    assert_eq!(created.id, id);
    assert_eq!(created.title, "Call the dentist");
    assert_eq!((created.start, created.end), (at("2025-07-14T08:00:00Z"), at("2025-07-14T08:30:00Z")));
    assert_eq!(created.location.as_deref(), Some("Home"));
    assert!(!created.all_day);

    let made = stand_in.created_events();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].provider, "google");
    assert_eq!(
        made[0].body,
        json!({
            "id": id,
            "summary": "Call the dentist",
            "description": "Ask about the crown",
            "location": "Home",
            "start": {"dateTime": "2025-07-14T08:00:00Z", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2025-07-14T08:30:00Z", "timeZone": "Europe/Paris"},
        })
    );
    let post = &stand_in.requests_to("/calendar/v3")[0];
    assert_eq!(post.path, "/calendar/v3/calendars/primary/events");
    assert_eq!(post.header("authorization"), Some(format!("Bearer {GOOGLE_TOKEN}").as_str()));
}

#[tokio::test]
async fn google_create_with_the_same_key_twice_adds_one_event() {
    let (stand_in, apis) = start().await;
    let google = provider("google");

    let first =
        apis.create_event(&google, &token(GOOGLE_TOKEN), &new_event(), "approval-7").await.expect("first");
    let again =
        apis.create_event(&google, &token(GOOGLE_TOKEN), &new_event(), "approval-7").await.expect("again");
    let other =
        apis.create_event(&google, &token(GOOGLE_TOKEN), &new_event(), "approval-8").await.expect("other");

    assert_eq!(first, again, "the retry answers the event the first call made");
    assert_ne!(first.id, other.id);
    assert_eq!(stand_in.created_events().len(), 2);
    assert_eq!(stand_in.events("google").len(), 2);
    // The retry was refused as a duplicate, then the existing event was read.
    let sent: Vec<(String, String)> =
        stand_in.requests_to("/calendar/v3").iter().map(|s| (s.method.to_string(), s.path.clone())).collect();
    let event_path = format!("/calendar/v3/calendars/primary/events/{}", first.id);
    assert_eq!(sent[2], ("GET".to_owned(), event_path));
}

// ---- Microsoft Graph -------------------------------------------------------------------

#[tokio::test]
async fn microsoft_lists_in_utc_and_follows_next_links() {
    let (stand_in, apis) = start().await;
    stand_in.set_page_size(2);
    stand_in.add_event(
        "microsoft",
        Event::timed("AAMkA1", "Stand-up", at("2025-07-14T07:00:00Z"), at("2025-07-14T07:15:00Z"))
            .at("Room 4"),
    );
    stand_in.add_event("microsoft", Event::all_day("AAMkA2", "Offsite", day("2025-07-15"), 2));
    stand_in.add_event(
        "microsoft",
        Event::timed("AAMkA3", "Review", at("2025-07-15T13:00:00Z"), at("2025-07-15T14:00:00Z")),
    );
    stand_in.add_event(
        "microsoft",
        Event::timed("AAMkA0", "Last week", at("2025-07-07T13:00:00Z"), at("2025-07-07T14:00:00Z")),
    );

    let events = apis
        .list_events(
            &provider("microsoft"),
            &token(MICROSOFT_TOKEN),
            at("2025-07-14T00:00:00Z"),
            at("2025-07-21T00:00:00Z"),
        )
        .await
        .expect("events");

    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["AAMkA1", "AAMkA2", "AAMkA3"]);
    assert_eq!((events[0].start, events[0].end), (at("2025-07-14T07:00:00Z"), at("2025-07-14T07:15:00Z")));
    assert_eq!(events[0].title, "Stand-up");
    assert_eq!(events[0].location.as_deref(), Some("Room 4"));
    assert!(events[0].link.as_deref().is_some_and(|l| l.starts_with("https://outlook.office365.com/owa/")));
    assert!(events[1].all_day);
    assert_eq!((events[1].start, events[1].end), (at("2025-07-15T00:00:00Z"), at("2025-07-17T00:00:00Z")));
    assert_eq!(events[1].location, None, "an empty displayName is no location");

    let sent = stand_in.requests_to("/graph/v1.0");
    assert_eq!(sent.len(), 2, "the second page came from @odata.nextLink");
    let first = &sent[0];
    assert_eq!(first.path, "/graph/v1.0/me/calendarView");
    assert_eq!(first.param("startDateTime"), Some("2025-07-14T00:00:00Z"));
    assert_eq!(first.param("endDateTime"), Some("2025-07-21T00:00:00Z"));
    assert_eq!(first.param("$orderby"), Some("start/dateTime"));
    assert_eq!(first.param("$top"), Some("50"));
    assert!(sent.iter().all(|s| s.header("prefer") == Some("outlook.timezone=\"UTC\"")));
    assert!(sent.iter().all(|s| s.header("authorization") == Some(&format!("Bearer {MICROSOFT_TOKEN}"))));
    assert_eq!(sent[1].param("$skip"), Some("2"));
}

#[tokio::test]
async fn microsoft_create_posts_the_documented_event_and_a_retry_adds_nothing() {
    let (stand_in, apis) = start().await;
    let microsoft = provider("microsoft");

    let created = apis
        .create_event(&microsoft, &token(MICROSOFT_TOKEN), &new_event(), "approval-12")
        .await
        .expect("created");
    let again = apis
        .create_event(&microsoft, &token(MICROSOFT_TOKEN), &new_event(), "approval-12")
        .await
        .expect("again");

    assert_eq!(created, again);
    assert_eq!(created.title, "Call the dentist");
    assert_eq!((created.start, created.end), (at("2025-07-14T08:00:00Z"), at("2025-07-14T08:30:00Z")));
    assert_eq!(created.location.as_deref(), Some("Home"));
    let made = stand_in.created_events();
    assert_eq!(made.len(), 1, "Graph answered the retry with the event of the same transactionId");
    assert_eq!(made[0].provider, "microsoft");
    assert_eq!(made[0].id, created.id);
    assert_eq!(
        made[0].body,
        json!({
            "subject": "Call the dentist",
            "body": {"contentType": "text", "content": "Ask about the crown"},
            // 08:00 UTC is 10:00 in Paris in July: wall-clock time in the user's zone.
            "start": {"dateTime": "2025-07-14T10:00:00", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2025-07-14T10:30:00", "timeZone": "Europe/Paris"},
            "location": {"displayName": "Home"},
            "transactionId": "approval-12",
        })
    );
    let post = &stand_in.requests_to("/graph/v1.0/me/events")[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.header("authorization"), Some(format!("Bearer {MICROSOFT_TOKEN}").as_str()));
}

#[tokio::test]
async fn a_provider_without_a_calendar_is_rejected_without_a_call() {
    let (stand_in, apis) = start().await;
    let notion = provider("notion");
    let listed = apis
        .list_events(&notion, &token(NOTION_TOKEN), at("2025-07-14T00:00:00Z"), at("2025-07-15T00:00:00Z"))
        .await;
    assert!(
        matches!(listed, Err(ApiError::Rejected(ref m)) if m.contains("notion has no calendar")),
        "{listed:?}"
    );
    let created = apis.create_event(&notion, &token(NOTION_TOKEN), &new_event(), "k").await;
    assert!(matches!(created, Err(ApiError::Rejected(_))), "{created:?}");
    assert!(stand_in.requests().is_empty());
}

// ---- Notion ----------------------------------------------------------------------------

const READING_LIST: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const WEEKLY_PLAN: &str = "9a8b7c6d5e4f40318293a4b5c6d7e8f9";

#[tokio::test]
async fn notion_search_reads_page_and_database_titles() {
    let (stand_in, apis) = start().await;
    stand_in.add_database(READING_LIST, "Reading list", "Book");
    stand_in.add_page(WEEKLY_PLAN, "Weekly plan");

    let all = apis.notion_search(&token(NOTION_TOKEN), "").await.expect("search");
    let found: Vec<(&str, &str)> = all.iter().map(|p| (p.object.as_str(), p.title.as_str())).collect();
    assert_eq!(found, [("database", "Reading list"), ("page", "Weekly plan")]);
    assert_eq!(all[0].id, READING_LIST);
    assert_eq!(
        all[1].url.as_deref(),
        Some("https://www.notion.so/Weekly-plan-9a8b7c6d5e4f40318293a4b5c6d7e8f9")
    );

    let plan = apis.notion_search(&token(NOTION_TOKEN), "plan").await.expect("search");
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].title, "Weekly plan");

    let sent = stand_in.requests_to("/notion/v1");
    assert_eq!(sent[1].path, "/notion/v1/search");
    assert_eq!(sent[1].method, "POST");
    assert_eq!(sent[1].body, json!({"query": "plan", "page_size": 10}));
    assert_eq!(sent[1].header("notion-version"), Some("2022-06-28"));
    assert_eq!(sent[1].header("authorization"), Some(format!("Bearer {NOTION_TOKEN}").as_str()));
}

#[tokio::test]
async fn notion_create_page_uses_the_databases_title_property() {
    let (stand_in, apis) = start().await;
    stand_in.add_database(READING_LIST, "Reading list", "Book");

    let page = apis
        .notion_create_page(&token(NOTION_TOKEN), READING_LIST, "Piranesi", Some("Recommended by Sam."))
        .await
        .expect("created");

    assert_eq!(page.object, "page");
    assert_eq!(page.title, "Piranesi");
    assert!(page.url.as_deref().is_some_and(|u| u.starts_with("https://www.notion.so/Piranesi-")));
    let made = stand_in.created_pages();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].id, page.id);
    assert_eq!(made[0].database_id, READING_LIST);
    assert_eq!(made[0].title, "Piranesi");
    assert_eq!(made[0].content.as_deref(), Some("Recommended by Sam."));
    assert_eq!(made[0].body["properties"]["Book"]["title"][0]["text"]["content"], "Piranesi");
    assert_eq!(made[0].body["children"][0]["type"], "paragraph");

    // The database was read first, for the name of its title property.
    let sent: Vec<(String, String)> =
        stand_in.requests_to("/notion/v1").iter().map(|s| (s.method.to_string(), s.path.clone())).collect();
    assert_eq!(
        sent,
        [
            ("GET".to_owned(), format!("/notion/v1/databases/{READING_LIST}")),
            ("POST".to_owned(), "/notion/v1/pages".to_owned())
        ]
    );
    // And the page is there to be found.
    let found = apis.notion_search(&token(NOTION_TOKEN), "piranesi").await.expect("search");
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn notion_create_page_takes_a_database_link_and_long_text() {
    let (stand_in, apis) = start().await;
    stand_in.add_database(READING_LIST, "Reading list", "Name");
    let link = "https://www.notion.so/acme/Reading-list-0f1e2d3c4b5a69788796a5b4c3d2e1f0?v=42";
    let long = "word ".repeat(900);

    apis.notion_create_page(&token(NOTION_TOKEN), link, "Notes", Some(&long)).await.expect("created");

    let made = stand_in.created_pages();
    assert_eq!(made[0].database_id, READING_LIST);
    assert_eq!(made[0].content.as_deref(), Some(long.as_str()), "4500 characters, cut where Notion allows");
}

#[tokio::test]
async fn notion_create_page_in_a_missing_database_is_rejected_in_notions_words() {
    let (stand_in, apis) = start().await;

    let missing = "11111111-2222-4333-8444-555555555555";
    let result = apis.notion_create_page(&token(NOTION_TOKEN), missing, "Piranesi", None).await;

    match result {
        Err(ApiError::Rejected(message)) => assert_eq!(
            message,
            format!(
                "Could not find database with ID: {missing}. Make sure the relevant pages and databases are shared with your integration."
            )
        ),
        other => panic!("expected Notion's refusal, got {other:?}"),
    }
    assert!(stand_in.created_pages().is_empty());
    assert!(stand_in.requests_to("/notion/v1/pages").is_empty());

    let nonsense = apis.notion_create_page(&token(NOTION_TOKEN), "../users", "x", None).await;
    assert!(
        matches!(nonsense, Err(ApiError::Rejected(ref m)) if m.contains("not a Notion database")),
        "{nonsense:?}"
    );
    assert_eq!(stand_in.requests().len(), 1, "a malformed id never reaches Notion");
}

// ---- YouTube ---------------------------------------------------------------------------

#[tokio::test]
async fn youtube_search_maps_videos_as_written() {
    let (stand_in, apis) = start().await;
    stand_in.add_video("dQw4w9WgXcQ", "Rick Astley - Never Gonna Give You Up", "Rick Astley");
    stand_in.add_video("kJQP7kiw5Fk", "Rock & Roll: Don't \"Stop\"", "Tom's <Music>");
    stand_in.add_video("9bZkp7q19f0", "Rock lessons", "Teacher");

    let videos = apis.youtube_search(&token(YOUTUBE_TOKEN), "rock", 5).await.expect("search");

    assert_eq!(videos.len(), 2);
    assert_eq!(videos[0].id, "kJQP7kiw5Fk");
    assert_eq!(videos[0].title, "Rock & Roll: Don't \"Stop\"", "YouTube's HTML escapes are undone");
    assert_eq!(videos[0].channel.as_deref(), Some("Tom's <Music>"));
    assert_eq!(videos[0].url, "https://www.youtube.com/watch?v=kJQP7kiw5Fk");

    let one = apis.youtube_search(&token(YOUTUBE_TOKEN), "rock", 1).await.expect("search");
    assert_eq!(one.len(), 1);
    let sent = stand_in.requests_to("/youtube/v3");
    assert_eq!(sent[1].path, "/youtube/v3/search");
    assert_eq!(sent[1].param("part"), Some("snippet"));
    assert_eq!(sent[1].param("type"), Some("video"));
    assert_eq!(sent[1].param("maxResults"), Some("1"));
    assert_eq!(sent[1].param("q"), Some("rock"));
    assert_eq!(sent[1].header("authorization"), Some(format!("Bearer {YOUTUBE_TOKEN}").as_str()));
}

#[tokio::test]
async fn youtube_adds_a_video_to_a_playlist() {
    let (stand_in, apis) = start().await;
    stand_in.add_video("dQw4w9WgXcQ", "Never Gonna Give You Up", "Rick Astley");
    stand_in.add_playlist("PLwatchlater");

    let item = apis
        .youtube_add_to_playlist(&token(YOUTUBE_TOKEN), "PLwatchlater", "dQw4w9WgXcQ")
        .await
        .expect("added");

    assert!(!item.is_empty());
    assert_eq!(stand_in.playlist("PLwatchlater"), ["dQw4w9WgXcQ"]);
    let post = &stand_in.requests_to("/youtube/v3/playlistItems")[0];
    assert_eq!(post.param("part"), Some("snippet"));
    assert_eq!(
        post.body,
        json!({"snippet": {"playlistId": "PLwatchlater", "resourceId": {"kind": "youtube#video", "videoId": "dQw4w9WgXcQ"}}})
    );

    let missing = apis.youtube_add_to_playlist(&token(YOUTUBE_TOKEN), "PLnope", "dQw4w9WgXcQ").await;
    match missing {
        Err(ApiError::Rejected(m)) => {
            assert_eq!(m, "The playlist identified with the request's playlistId parameter cannot be found.")
        }
        other => panic!("{other:?}"),
    }
}

// ---- Failures --------------------------------------------------------------------------

/// One call to each API with `token` for all of them.
async fn call_each(apis: &HttpProviderApis, token: &Secret) -> Vec<(&'static str, Result<(), ApiError>)> {
    let (from, to) = (at("2025-07-14T00:00:00Z"), at("2025-07-15T00:00:00Z"));
    vec![
        ("google list", apis.list_events(&provider("google"), token, from, to).await.map(drop)),
        ("google create", apis.create_event(&provider("google"), token, &new_event(), "k1").await.map(drop)),
        ("microsoft list", apis.list_events(&provider("microsoft"), token, from, to).await.map(drop)),
        (
            "microsoft create",
            apis.create_event(&provider("microsoft"), token, &new_event(), "k1").await.map(drop),
        ),
        ("notion search", apis.notion_search(token, "plan").await.map(drop)),
        ("notion create", apis.notion_create_page(token, READING_LIST, "t", None).await.map(drop)),
        ("youtube search", apis.youtube_search(token, "rock", 3).await.map(drop)),
        ("youtube add", apis.youtube_add_to_playlist(token, "PLx", "v1").await.map(drop)),
    ]
}

#[tokio::test]
async fn a_refused_token_is_unauthorized_for_every_api() {
    let (stand_in, apis) = start().await;
    stand_in.add_database(READING_LIST, "Reading list", "Name");
    let stale = token("ya29.an-expired-access-token");

    for (call, result) in call_each(&apis, &stale).await {
        assert!(matches!(result, Err(ApiError::Unauthorized)), "{call}: {result:?}");
    }
    // Each API said so in its own format, which was read as a 401 and nothing else.
    assert_eq!(stand_in.requests().len(), 8);
    assert!(stand_in.created_events().is_empty());
}

#[tokio::test]
async fn a_server_error_is_unavailable_for_every_api() {
    let (stand_in, apis) = start().await;
    stand_in.add_database(READING_LIST, "Reading list", "Name");
    for p in ["google", "microsoft", "notion", "youtube"] {
        stand_in.set_token(p, "one-token-for-all");
    }
    for _ in 0..8 {
        stand_in.fail_next(500);
    }

    for (call, result) in call_each(&apis, &token("one-token-for-all")).await {
        assert!(matches!(result, Err(ApiError::Unavailable(_))), "{call}: {result:?}");
    }
    stand_in.fail_next(503);
    let result = apis.notion_search(&token("one-token-for-all"), "x").await;
    assert!(matches!(result, Err(ApiError::Unavailable(ref m)) if m.contains("503")), "{result:?}");
    // Throttling is worth a later try too.
    stand_in.fail_next(429);
    let result = apis.youtube_search(&token("one-token-for-all"), "x", 1).await;
    assert!(matches!(result, Err(ApiError::Unavailable(_))), "{result:?}");
}

#[tokio::test]
async fn an_unreachable_api_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let config = ApiConfig {
        google_calendar: format!("{closed}/calendar/v3"),
        microsoft_graph: format!("{closed}/graph/v1.0"),
        notion: format!("{closed}/notion/v1"),
        youtube: format!("{closed}/youtube/v3"),
    };
    let apis = HttpProviderApis::new(nudge_providers::http_client(), config);

    for (call, result) in call_each(&apis, &token(GOOGLE_TOKEN)).await {
        assert!(matches!(result, Err(ApiError::Unavailable(_))), "{call}: {result:?}");
    }
}

#[tokio::test]
async fn no_error_text_contains_the_token() {
    let (stand_in, apis) = start().await;
    let secret = "ya29.the-users-very-secret-access-token";
    for p in ["google", "microsoft", "notion", "youtube"] {
        stand_in.set_token(p, secret);
    }
    let secret_token = token(secret);
    let mut texts = vec![];

    // Providers that quote the token back, in a refusal and in a failure.
    for (status, expect_rejected) in [(400, true), (403, true), (500, false), (503, false)] {
        stand_in.fail_next_with(status, &format!("Bearer {secret} is not allowed to do that"));
        let result = apis.notion_search(&secret_token, "plan").await;
        let err = result.expect_err("a failure");
        assert_eq!(matches!(err, ApiError::Rejected(_)), expect_rejected, "{status}: {err:?}");
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
    }
    // A refused token, a missing database, an unreachable API.
    stand_in.set_token("google", "another-token");
    let err =
        apis.create_event(&provider("google"), &secret_token, &new_event(), "k").await.expect_err("401");
    texts.push(format!("{err} {err:?}"));
    let err = apis.notion_create_page(&secret_token, READING_LIST, "t", None).await.expect_err("404");
    texts.push(format!("{err} {err:?}"));
    let unreachable = HttpProviderApis::new(
        nudge_providers::http_client(),
        ApiConfig { youtube: "http://127.0.0.1:9/youtube/v3".into(), ..stand_in.base_urls() },
    );
    let err = unreachable.youtube_search(&secret_token, "x", 1).await.expect_err("unreachable");
    texts.push(format!("{err} {err:?}"));

    for text in &texts {
        assert!(!text.contains(secret), "the token leaked: {text}");
        assert!(!text.contains("very-secret"), "part of the token leaked: {text}");
    }
    assert!(texts[0].contains("[redacted] is not allowed to do that"), "{}", texts[0]);
}
