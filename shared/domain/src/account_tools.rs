//! Tools over the user's connected accounts: their calendars (Google, Microsoft), Notion and
//! YouTube. Reading runs at once; writing (an event, a page, a playlist item) is an approval
//! first, and runs here once approved.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Approval, DomainError, IntegrationStatus, NewEvent, Ports, Provider, ToolSpec, UserId,
    integrations::with_token,
    schedule,
    tools::{AT, Risk, ToolContext, local, object, parse_at, spec},
};

pub const CREATE_CALENDAR_EVENT: &str = "create_calendar_event";
pub const CREATE_NOTION_PAGE: &str = "create_notion_page";
pub const ADD_TO_YOUTUBE_PLAYLIST: &str = "add_to_youtube_playlist";

/// The calendars Nudge reads, in the order it prefers them for a new event.
const CALENDARS: [&str; 2] = [Provider::GOOGLE, Provider::MICROSOFT];
/// The longest span `calendar_events` reads.
const MAX_DAYS: i64 = 14;
/// An event without an end lasts this long.
const DEFAULT_EVENT_MINUTES: i64 = 30;

pub(crate) fn specs() -> Vec<(ToolSpec, Risk)> {
    let text = |max: u32| json!({ "type": "string", "minLength": 1, "maxLength": max });
    let at = json!({ "type": "string", "minLength": 10, "maxLength": 40, "description": AT });
    let day = json!({ "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "description": "YYYY-MM-DD in the user's zone; default today" });
    let id = json!({ "type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$" });
    vec![
        spec(
            "calendar_events",
            "The events in the user's connected calendars (Google, Microsoft) for a day, or several days from it.",
            object(
                json!({ "day": day, "days": { "type": "integer", "minimum": 1, "maximum": MAX_DAYS } }),
                &[],
            ),
            Risk::Read,
        ),
        spec(
            CREATE_CALENDAR_EVENT,
            "Add an event to the user's connected calendar (asks the user first).",
            object(
                json!({
                    "title": text(255), "start": at.clone(), "end": at,
                    "description": text(5_000), "location": text(255),
                    "calendar": { "type": "string", "enum": CALENDARS },
                }),
                &["title", "start"],
            ),
            Risk::External,
        ),
        spec(
            "notion_search",
            "Search the user's connected Notion workspace for pages and databases by title.",
            object(json!({ "query": text(200) }), &["query"]),
            Risk::Read,
        ),
        spec(
            CREATE_NOTION_PAGE,
            "Add a page to one of the user's Notion databases (its id from notion_search; asks the user first).",
            object(
                json!({ "database_id": id.clone(), "title": text(200), "content": text(2_000) }),
                &["database_id", "title"],
            ),
            Risk::External,
        ),
        spec(
            "youtube_search",
            "Search YouTube videos with the user's connected account.",
            object(
                json!({ "query": text(200), "max": { "type": "integer", "minimum": 1, "maximum": 10 } }),
                &["query"],
            ),
            Risk::Read,
        ),
        spec(
            ADD_TO_YOUTUBE_PLAYLIST,
            "Add a video to one of the user's YouTube playlists (asks the user first).",
            object(json!({ "playlist_id": id.clone(), "video_id": id }), &["playlist_id", "video_id"]),
            Risk::External,
        ),
    ]
}

/// Whether Nudge runs this approved action itself.
pub(crate) fn runs_here(action: &str) -> bool {
    matches!(action, CREATE_CALENDAR_EVENT | CREATE_NOTION_PAGE | ADD_TO_YOUTUBE_PLAYLIST)
}

/// The question an approval asks, made from what will run.
pub(crate) fn summary(
    action: &str,
    details: &Value,
    said: impl Fn(&Value, usize) -> String,
) -> Option<String> {
    match action {
        CREATE_CALENDAR_EVENT => Some(format!(
            "add \"{}\" to your calendar at {}",
            said(&details["title"], 80),
            said(&details["start"], 25).replace('T', " ")
        )),
        CREATE_NOTION_PAGE => {
            Some(format!("add a page \"{}\" to your Notion database", said(&details["title"], 100)))
        }
        ADD_TO_YOUTUBE_PLAYLIST => Some(format!(
            "add YouTube video {} to your playlist {}",
            said(&details["video_id"], 40),
            said(&details["playlist_id"], 60)
        )),
        _ => None,
    }
}

/// Runs a read tool of this module; `None` if `name` is not one.
pub(crate) async fn execute(
    cx: &ToolContext<'_>,
    name: &str,
    args: Value,
) -> Option<Result<Value, DomainError>> {
    Some(match name {
        "calendar_events" => match serde_json::from_value(args) {
            Ok(a) => calendar_events(cx, a).await,
            Err(e) => Err(bad(e)),
        },
        "notion_search" => match serde_json::from_value::<Query>(args) {
            Ok(a) => notion_search(cx, a).await,
            Err(e) => Err(bad(e)),
        },
        "youtube_search" => match serde_json::from_value::<Query>(args) {
            Ok(a) => youtube_search(cx, a).await,
            Err(e) => Err(bad(e)),
        },
        _ => return None,
    })
}

fn bad(e: serde_json::Error) -> DomainError {
    crate::ValidationError::new("arguments", e.to_string()).into()
}

fn provider(name: &str) -> Provider {
    Provider::parse(name).expect("a known provider's name")
}

/// The owner's active calendar integrations, in order of preference.
async fn calendars(p: &Ports, owner: UserId) -> Result<Vec<Provider>, DomainError> {
    let active: Vec<Provider> = p
        .integrations
        .list_integrations(&owner)
        .await?
        .into_iter()
        .filter(|i| i.status == IntegrationStatus::Active)
        .map(|i| i.provider)
        .collect();
    Ok(CALENDARS.iter().map(|c| provider(c)).filter(|c| active.contains(c)).collect())
}

const NO_CALENDAR: &str = "no calendar is connected: the user can connect Google or Microsoft in Nudge";

#[derive(Deserialize)]
struct Days {
    day: Option<String>,
    days: Option<i64>,
}

async fn calendar_events(cx: &ToolContext<'_>, a: Days) -> Result<Value, DomainError> {
    let tz: Tz = cx.user.timezone.tz();
    let day = match a.day.as_deref() {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| crate::ValidationError::new("day", "must be YYYY-MM-DD"))?,
        None => cx.ports.clock.now().with_timezone(&tz).date_naive(),
    };
    let days = a.days.unwrap_or(1).clamp(1, MAX_DAYS);
    let from = schedule::resolve(tz, day.and_hms_opt(0, 0, 0).expect("midnight"));
    let to = schedule::resolve(tz, (day + Duration::days(days)).and_hms_opt(0, 0, 0).expect("midnight"));
    let owned = calendars(cx.ports, cx.user.id).await?;
    if owned.is_empty() {
        return Err(DomainError::Forbidden(NO_CALENDAR.into()));
    }
    let apis = &cx.ports.connections.as_ref().ok_or(DomainError::Forbidden(NO_CALENDAR.into()))?.apis;
    let mut events = Vec::new();
    let mut problems = Vec::new();
    for cal in &owned {
        let listed =
            with_token(
                cx.ports,
                cx.user.id,
                cal,
                |t| async move { apis.list_events(cal, &t, from, to).await },
            )
            .await;
        match listed {
            Ok(list) => events.extend(list.into_iter().map(|e| (cal.clone(), e))),
            Err(e) => problems.push(json!({ "calendar": cal, "error": e.to_string() })),
        }
    }
    if events.is_empty() && problems.len() == owned.len() {
        return Err(DomainError::Unavailable(format!(
            "the calendar could not be read: {}",
            problems[0]["error"]
        )));
    }
    events.sort_by_key(|(_, e)| (e.start, !e.all_day));
    let events: Vec<Value> = events
        .into_iter()
        .map(|(cal, e)| {
            let mut v = json!({
                "title": e.title, "all_day": e.all_day, "calendar": cal,
                "start": local(e.start, tz), "end": local(e.end, tz),
            });
            if let Some(l) = e.location {
                v["location"] = json!(l);
            }
            v
        })
        .collect();
    let mut out = json!({ "day": day.to_string(), "days": days, "events": events, "calendars": owned });
    if !problems.is_empty() {
        out["unavailable"] = json!(problems);
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Query {
    query: String,
    max: Option<u8>,
}

fn api_of(p: &Ports) -> Result<&std::sync::Arc<dyn crate::ProviderApis>, DomainError> {
    p.connections
        .as_ref()
        .map(|c| &c.apis)
        .ok_or_else(|| DomainError::Forbidden("no accounts can be connected here".into()))
}

async fn notion_search(cx: &ToolContext<'_>, a: Query) -> Result<Value, DomainError> {
    let apis = api_of(cx.ports)?;
    let notion = provider(Provider::NOTION);
    let query = a.query.as_str();
    let found =
        with_token(cx.ports, cx.user.id, &notion, |t| async move { apis.notion_search(&t, query).await })
            .await?;
    Ok(json!({ "results": found }))
}

async fn youtube_search(cx: &ToolContext<'_>, a: Query) -> Result<Value, DomainError> {
    let apis = api_of(cx.ports)?;
    let youtube = provider(Provider::YOUTUBE);
    let max = a.max.unwrap_or(5).clamp(1, 10);
    let query = a.query.as_str();
    let found =
        with_token(
            cx.ports,
            cx.user.id,
            &youtube,
            |t| async move { apis.youtube_search(&t, query, max).await },
        )
        .await?;
    Ok(json!({ "videos": found }))
}

#[derive(Deserialize)]
struct EventDetails {
    title: String,
    start: String,
    end: Option<String>,
    description: Option<String>,
    location: Option<String>,
    calendar: Option<String>,
}

/// Runs an approved action of this module: `Ok(Ok(what was done))`, `Ok(Err(why not))` (the
/// approval fails), or `Err` for a store failure (a retry). `None` if it is not one of ours.
pub(crate) async fn run_approved(
    p: &Ports,
    a: &Approval,
) -> Option<Result<Result<String, String>, DomainError>> {
    let ran = match a.action_type.as_str() {
        CREATE_CALENDAR_EVENT => create_event(p, a).await,
        CREATE_NOTION_PAGE => create_page(p, a).await,
        ADD_TO_YOUTUBE_PLAYLIST => add_to_playlist(p, a).await,
        _ => return None,
    };
    // What the user can act on (not connected, refused, gone) fails the approval with its
    // reason; a provider that is down is a failure too (the approval says so, and the user can
    // ask again), but a store error is retried.
    Some(match ran {
        Ok(done) => Ok(Ok(done)),
        Err(DomainError::Internal(m)) => Err(DomainError::Internal(m)),
        Err(e) => Ok(Err(e.to_string())),
    })
}

fn details<T: for<'de> Deserialize<'de>>(a: &Approval) -> Result<T, DomainError> {
    serde_json::from_value(a.details.clone()).map_err(bad)
}

async fn create_event(p: &Ports, a: &Approval) -> Result<String, DomainError> {
    let d: EventDetails = details(a)?;
    let user = p.users.get_user(&a.user_id).await?.ok_or(DomainError::NotFound("user"))?;
    let tz = user.timezone.tz();
    let start: DateTime<Utc> = parse_at(&d.start, tz)?;
    let end = match d.end.as_deref() {
        Some(e) => parse_at(e, tz)?,
        None => start + Duration::minutes(DEFAULT_EVENT_MINUTES),
    };
    if end <= start {
        return Err(crate::ValidationError::new("end", "must be after the start").into());
    }
    let owned = calendars(p, a.user_id).await?;
    let cal = match d.calendar.as_deref() {
        Some(c) => owned.into_iter().find(|o| o.as_str() == c),
        None => owned.into_iter().next(),
    }
    .ok_or_else(|| DomainError::Forbidden(NO_CALENDAR.into()))?;
    let apis = api_of(p)?;
    let event = NewEvent {
        title: d.title,
        start,
        end,
        time_zone: user.timezone.tz().name().to_owned(),
        description: d.description,
        location: d.location,
    };
    // Keyed by the approval: a second run of it adds no second event where the API allows.
    let key = format!("nudge-approval-{}", a.id);
    let (cal, event, key) = (&cal, &event, key.as_str());
    let made = with_token(p, a.user_id, cal, |t| async move { apis.create_event(cal, &t, event, key).await })
        .await?;
    Ok(format!("\"{}\" is in your calendar at {}.", made.title, local(made.start, tz).replace('T', " ")))
}

#[derive(Deserialize)]
struct PageDetails {
    database_id: String,
    title: String,
    content: Option<String>,
}

async fn create_page(p: &Ports, a: &Approval) -> Result<String, DomainError> {
    let d: PageDetails = details(a)?;
    let apis = api_of(p)?;
    let notion = provider(Provider::NOTION);
    let d = &d;
    let page = with_token(p, a.user_id, &notion, |t| async move {
        apis.notion_create_page(&t, &d.database_id, &d.title, d.content.as_deref()).await
    })
    .await?;
    Ok(match page.url {
        Some(url) => format!("the page \"{}\" is in Notion: {url}", page.title),
        None => format!("the page \"{}\" is in Notion.", page.title),
    })
}

#[derive(Deserialize)]
struct PlaylistDetails {
    playlist_id: String,
    video_id: String,
}

async fn add_to_playlist(p: &Ports, a: &Approval) -> Result<String, DomainError> {
    let d: PlaylistDetails = details(a)?;
    let apis = api_of(p)?;
    let youtube = provider(Provider::YOUTUBE);
    let d = &d;
    with_token(p, a.user_id, &youtube, |t| async move {
        apis.youtube_add_to_playlist(&t, &d.playlist_id, &d.video_id).await
    })
    .await?;
    Ok("the video is in your playlist.".into())
}
