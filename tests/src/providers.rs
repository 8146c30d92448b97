//! Stand-ins for the providers' APIs the agent's tools call, on one 127.0.0.1 port, each under
//! its own prefix: Google Calendar (`/calendar/v3`), Microsoft Graph (`/graph/v1.0`), Notion
//! (`/notion/v1`) and YouTube Data (`/youtube/v3`). [`ProviderApis::base_urls`] is the
//! `nudge_providers` configuration pointing at them.
//!
//! They check what the real APIs check before answering: the bearer token (each API's own
//! 401 body otherwise), Notion's `Notion-Version` header, required parameters and body
//! fields, Google's rules for client-chosen event ids, Notion's property names and text
//! limits. They answer in the documented JSON shapes (Google's dates with offsets and
//! `nextPageToken`, Graph's offset-less times in the `Prefer`red zone and `@odata.nextLink`,
//! Notion's rich text, YouTube's HTML-escaped snippets), keep what was created so a test can
//! assert it, record every request, and fail on demand ([`ProviderApis::fail_next`]).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use base64::Engine;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use nudge_domain::Secret;
use serde_json::{Map, Value, json};

/// The access tokens each API accepts until a test says otherwise ([`ProviderApis::set_token`]).
pub const GOOGLE_TOKEN: &str = "ya29.stand-in-google-calendar-token";
pub const MICROSOFT_TOKEN: &str = "EwBwA8l6BAAU.stand-in-graph-token";
pub const NOTION_TOKEN: &str = "secret_stand-in-notion-token";
pub const YOUTUBE_TOKEN: &str = "ya29.stand-in-youtube-token";
/// The Google calendar's zone until a test sets another: all-day dates are midnights here.
pub const CALENDAR_TIME_ZONE: &str = "Europe/Paris";
/// The Notion API versions the stand-in knows (`Notion-Version` must name one).
pub const NOTION_VERSIONS: [&str; 4] = ["2021-08-16", "2022-02-22", "2022-06-28", "2025-09-03"];

/// When an event happens.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    At {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Whole days, `until` excluded, as the calendars write them.
    AllDay {
        first: NaiveDate,
        until: NaiveDate,
    },
}

/// An event in a stand-in calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    /// Empty for an untitled event (Google then leaves `summary` out).
    pub title: String,
    pub when: When,
    pub location: Option<String>,
    pub description: Option<String>,
    /// The zone the event was created in (`timeZone` of its start), when it says.
    pub time_zone: Option<String>,
    /// Graph's `transactionId`, for an event created with one.
    pub transaction_id: Option<String>,
}

impl Event {
    pub fn timed(id: &str, title: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self::new(id, title, When::At { start, end })
    }

    /// An all-day event over `days` days from `first`.
    pub fn all_day(id: &str, title: &str, first: NaiveDate, days: u32) -> Self {
        let until = first + chrono::Days::new(u64::from(days));
        Self::new(id, title, When::AllDay { first, until })
    }

    pub fn at(mut self, location: &str) -> Self {
        self.location = Some(location.to_owned());
        self
    }

    fn new(id: &str, title: &str, when: When) -> Self {
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            when,
            location: None,
            description: None,
            time_zone: None,
            transaction_id: None,
        }
    }

    /// Its span as instants, all-day dates read as midnights in `zone`.
    fn span(&self, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        match &self.when {
            When::At { start, end } => (*start, *end),
            When::AllDay { first, until } => (midnight(*first, zone), midnight(*until, zone)),
        }
    }
}

/// An event a request created (a retry answered with the existing event is not one).
#[derive(Debug, Clone)]
pub struct Created {
    /// `google` or `microsoft`.
    pub provider: String,
    pub id: String,
    /// The request body, as sent.
    pub body: Value,
}

/// A Notion page a request created.
#[derive(Debug, Clone)]
pub struct CreatedPage {
    pub id: String,
    /// Dashed, as the API writes ids.
    pub database_id: String,
    pub title: String,
    /// The text of the page's paragraph blocks, when it has any.
    pub content: Option<String>,
    /// The request body, as sent.
    pub body: Value,
}

/// One request the stand-ins received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    /// The query's parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when there was none or it was not JSON).
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

struct Database {
    id: String,
    title: String,
    title_property: String,
}

struct Page {
    id: String,
    title: String,
    /// The database it is a row of; `None` for a page at the workspace's top level.
    database: Option<(String, String)>,
}

struct VideoEntry {
    id: String,
    title: String,
    channel: String,
}

struct Inner {
    tokens: HashMap<&'static str, String>,
    calendar_zone: Tz,
    /// Events by provider (`google`, `microsoft`).
    events: HashMap<String, Vec<Event>>,
    created: Vec<Created>,
    /// At most this many events a page, when a test wants paging without hundreds of events.
    page_size: Option<usize>,
    /// Answers to give before serving again: a status and, optionally, the message in it.
    failures: VecDeque<(u16, Option<String>)>,
    databases: Vec<Database>,
    pages: Vec<Page>,
    created_pages: Vec<CreatedPage>,
    videos: Vec<VideoEntry>,
    /// Playlist id → (item id, video id), in order.
    playlists: HashMap<String, Vec<(String, String)>>,
    seen: Vec<Seen>,
    next_id: u64,
}

impl Inner {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// The four stand-ins. Cloning shares them.
#[derive(Clone)]
pub struct ProviderApis {
    inner: Arc<Mutex<Inner>>,
    /// `http://127.0.0.1:<port>`; each API is under its prefix.
    pub base_url: String,
}

impl ProviderApis {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let tokens = HashMap::from([
            ("google", GOOGLE_TOKEN.to_owned()),
            ("microsoft", MICROSOFT_TOKEN.to_owned()),
            ("notion", NOTION_TOKEN.to_owned()),
            ("youtube", YOUTUBE_TOKEN.to_owned()),
        ]);
        let inner = Inner {
            tokens,
            calendar_zone: CALENDAR_TIME_ZONE.parse().expect("zone"),
            events: HashMap::new(),
            created: vec![],
            page_size: None,
            failures: VecDeque::new(),
            databases: vec![],
            pages: vec![],
            created_pages: vec![],
            videos: vec![],
            playlists: HashMap::new(),
            seen: vec![],
            next_id: 0,
        };
        let me = Self { inner: Arc::new(Mutex::new(inner)), base_url };
        let app = Router::new().fallback(answer).with_state(me.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        me
    }

    /// The `nudge_providers` configuration that points every API here.
    pub fn base_urls(&self) -> nudge_providers::ApiConfig {
        nudge_providers::ApiConfig {
            google_calendar: format!("{}/calendar/v3", self.base_url),
            microsoft_graph: format!("{}/graph/v1.0", self.base_url),
            notion: format!("{}/notion/v1", self.base_url),
            youtube: format!("{}/youtube/v3", self.base_url),
        }
    }

    /// The production adapter, pointed here.
    pub fn apis(&self) -> nudge_providers::HttpProviderApis {
        nudge_providers::HttpProviderApis::new(nudge_providers::http_client(), self.base_urls())
    }

    /// Makes `provider`'s API (`google`, `microsoft`, `notion`, `youtube`) accept `token` only.
    pub fn set_token(&self, provider: &str, token: &str) {
        let key = match provider {
            "google" => "google",
            "microsoft" => "microsoft",
            "notion" => "notion",
            "youtube" => "youtube",
            other => panic!("no stand-in for provider {other}"),
        };
        self.lock().tokens.insert(key, token.to_owned());
    }

    /// The token `provider`'s API accepts now.
    pub fn token(&self, provider: &str) -> Secret {
        Secret::new(self.lock().tokens.get(provider).cloned().unwrap_or_default())
    }

    /// The Google calendar's zone (an IANA name), which all-day dates are read in.
    pub fn set_calendar_time_zone(&self, zone: &str) {
        self.lock().calendar_zone = zone.parse().expect("an IANA zone");
    }

    /// Puts an event in `provider`'s calendar (`google` or `microsoft`).
    pub fn add_event(&self, provider: &str, event: Event) {
        self.lock().events.entry(provider.to_owned()).or_default().push(event);
    }

    /// Everything in `provider`'s calendar, created events included.
    pub fn events(&self, provider: &str) -> Vec<Event> {
        self.lock().events.get(provider).cloned().unwrap_or_default()
    }

    /// The events requests created, in order.
    pub fn created_events(&self) -> Vec<Created> {
        self.lock().created.clone()
    }

    /// At most `n` events a page, whatever the request asks for.
    pub fn set_page_size(&self, n: usize) {
        self.lock().page_size = Some(n.max(1));
    }

    /// The next request (to any of the APIs) answers `status` in that API's error format.
    pub fn fail_next(&self, status: u16) {
        self.lock().failures.push_back((status, None));
    }

    /// The same, with `message` as the API's error message.
    pub fn fail_next_with(&self, status: u16, message: &str) {
        self.lock().failures.push_back((status, Some(message.to_owned())));
    }

    /// A Notion database (shared with the integration) whose title property is `title_property`.
    pub fn add_database(&self, id: &str, title: &str, title_property: &str) {
        let id = notion_id(id).expect("a Notion id");
        self.lock().databases.push(Database {
            id,
            title: title.to_owned(),
            title_property: title_property.to_owned(),
        });
    }

    /// A Notion page at the workspace's top level.
    pub fn add_page(&self, id: &str, title: &str) {
        let id = notion_id(id).expect("a Notion id");
        self.lock().pages.push(Page { id, title: title.to_owned(), database: None });
    }

    /// The Notion pages requests created, in order.
    pub fn created_pages(&self) -> Vec<CreatedPage> {
        self.lock().created_pages.clone()
    }

    /// A YouTube video that search can find.
    pub fn add_video(&self, id: &str, title: &str, channel: &str) {
        let video = VideoEntry { id: id.to_owned(), title: title.to_owned(), channel: channel.to_owned() };
        self.lock().videos.push(video);
    }

    /// An empty playlist of the user's.
    pub fn add_playlist(&self, id: &str) {
        self.lock().playlists.insert(id.to_owned(), vec![]);
    }

    /// The video ids in a playlist, in order.
    pub fn playlist(&self, id: &str) -> Vec<String> {
        let inner = self.lock();
        inner
            .playlists
            .get(id)
            .map(|items| items.iter().map(|(_, v)| v.clone()).collect())
            .unwrap_or_default()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// The requests whose path starts with `prefix` (`/notion/v1`, `/graph/v1.0/me/events`, …).
    pub fn requests_to(&self, prefix: &str) -> Vec<Seen> {
        self.requests().into_iter().filter(|s| s.path.starts_with(prefix)).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }
}

/// Which API a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Calendar,
    Graph,
    Notion,
    YouTube,
}

impl Api {
    /// The API and the rest of the path after its prefix.
    fn route(path: &str) -> Option<(Self, &str)> {
        [("/calendar/v3/", Api::Calendar), ("/graph/v1.0/", Api::Graph), ("/notion/v1/", Api::Notion)]
            .into_iter()
            .chain([("/youtube/v3/", Api::YouTube)])
            .find_map(|(prefix, api)| path.strip_prefix(prefix).map(|rest| (api, rest)))
    }

    fn provider(self) -> &'static str {
        match self {
            Api::Calendar => "google",
            Api::Graph => "microsoft",
            Api::Notion => "notion",
            Api::YouTube => "youtube",
        }
    }

    /// The API's answer to a request without the right token.
    fn unauthorized(self) -> Response {
        match self {
            Api::Calendar | Api::YouTube => {
                let body = json!({"error": {
                    "code": 401,
                    "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
                    "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                                "location": "Authorization", "locationType": "header"}],
                    "status": "UNAUTHENTICATED",
                }});
                let mut res = reply(401, body);
                res.headers_mut().insert(
                    "www-authenticate",
                    HeaderValue::from_static(
                        "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
                    ),
                );
                res
            }
            Api::Graph => graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
            ),
            Api::Notion => notion_error(401, "unauthorized", "API token is invalid."),
        }
    }

    /// An injected failure, in the API's error format.
    fn failure(self, status: u16, message: Option<String>) -> Response {
        let (google_reason, graph_code, notion_code, default) = match status {
            400 => ("badRequest", "BadRequest", "validation_error", "Bad Request"),
            403 => ("forbidden", "ErrorAccessDenied", "restricted_resource", "Forbidden"),
            404 => ("notFound", "ErrorItemNotFound", "object_not_found", "Not Found"),
            409 => ("conflict", "ErrorConflict", "conflict_error", "Conflict"),
            429 => ("rateLimitExceeded", "TooManyRequests", "rate_limited", "Rate Limit Exceeded"),
            503 => (
                "backendError",
                "ServiceNotAvailable",
                "service_unavailable",
                "The service is currently unavailable.",
            ),
            _ => ("backendError", "UnknownError", "internal_server_error", "Backend Error"),
        };
        let message = message.unwrap_or_else(|| default.to_owned());
        match self {
            Api::Calendar | Api::YouTube => google_error(status, google_reason, &message),
            Api::Graph => graph_error(status, graph_code, &message),
            Api::Notion => notion_error(status, notion_code, &message),
        }
    }
}

async fn answer(
    State(me): State<ProviderApis>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let seen = Seen {
        method,
        path: uri.path().to_owned(),
        query,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let mut inner = me.lock();
    inner.seen.push(seen.clone());
    let Some((api, rest)) = Api::route(&seen.path) else {
        return reply(404, json!({"error": format!("no stand-in at {}", seen.path)}));
    };
    if let Some((status, message)) = inner.failures.pop_front() {
        return api.failure(status, message);
    }
    let expected = format!("Bearer {}", inner.tokens.get(api.provider()).map_or("", String::as_str));
    if seen.header("authorization") != Some(expected.as_str()) {
        return api.unauthorized();
    }
    let segments: Vec<&str> = rest.split('/').collect();
    match api {
        Api::Calendar => calendar(&mut inner, &seen, &segments),
        Api::Graph => graph(&mut inner, &seen, &segments, &me.base_url),
        Api::Notion => notion(&mut inner, &seen, &segments),
        Api::YouTube => youtube(&mut inner, &seen, &segments),
    }
}

/// An error answer from a helper that checks part of a request (boxed: a response is large).
type Refused = Box<Response>;

fn reply(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).expect("a status"), axum::Json(body)).into_response()
}

// ---- Google Calendar -------------------------------------------------------------------

/// Google's error body (the Calendar API documents `errors[]` with a `reason`).
fn google_error(status: u16, reason: &str, message: &str) -> Response {
    let body = json!({"error": {
        "code": status,
        "message": message,
        "errors": [{"domain": "global", "reason": reason, "message": message}],
    }});
    reply(status, body)
}

fn calendar(inner: &mut Inner, seen: &Seen, segments: &[&str]) -> Response {
    match (&seen.method, segments) {
        (&Method::GET, ["calendars", "primary", "events"]) => google_list(inner, seen),
        (&Method::POST, ["calendars", "primary", "events"]) => google_insert(inner, seen),
        (&Method::GET, ["calendars", "primary", "events", id]) => {
            let zone = inner.calendar_zone;
            match inner.events.get("google").and_then(|es| es.iter().find(|e| e.id == *id)) {
                Some(e) => reply(200, google_event(e, zone)),
                None => google_error(404, "notFound", "Not Found"),
            }
        }
        _ => google_error(404, "notFound", "Not Found"),
    }
}

fn google_list(inner: &mut Inner, seen: &Seen) -> Response {
    let bound = |name: &str| match seen.param(name) {
        None => Ok(None),
        Some(raw) => DateTime::parse_from_rfc3339(raw).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| ()),
    };
    let (Ok(time_min), Ok(time_max)) = (bound("timeMin"), bound("timeMax")) else {
        return google_error(400, "badRequest", "Bad Request");
    };
    if let (Some(min), Some(max)) = (time_min, time_max)
        && max <= min
    {
        return google_error(400, "timeRangeEmpty", "The specified time range is empty.");
    }
    if seen.param("orderBy") == Some("startTime") && seen.param("singleEvents") != Some("true") {
        return google_error(
            400,
            "badRequest",
            "The requested ordering is not available for the particular query.",
        );
    }
    let max_results = match seen.param("maxResults").map(str::parse::<usize>) {
        None => 250,
        Some(Ok(n)) if (1..=2500).contains(&n) => n,
        Some(_) => return google_error(400, "invalid", "Invalid value for: maxResults"),
    };
    let offset = match seen.param("pageToken") {
        None => 0,
        Some(t) => match t.strip_prefix("standin-page-").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return google_error(400, "invalid", "Invalid page token value."),
        },
    };
    let zone = inner.calendar_zone;
    let mut events: Vec<&Event> = inner
        .events
        .get("google")
        .map(|es| {
            es.iter()
                .filter(|e| {
                    // timeMin bounds an event's end, timeMax its start, both exclusive.
                    let (start, end) = e.span(zone);
                    time_min.is_none_or(|min| end > min) && time_max.is_none_or(|max| start < max)
                })
                .collect()
        })
        .unwrap_or_default();
    events.sort_by_key(|e| e.span(zone).0);
    let size = inner.page_size.map_or(max_results, |p| p.min(max_results));
    let page: Vec<Value> = events.iter().skip(offset).take(size).map(|e| google_event(e, zone)).collect();
    let mut body = json!({
        "kind": "calendar#events",
        "etag": "\"p33ccb5mqkn9o80o\"",
        "summary": "user@example.com",
        "description": "",
        "updated": "2025-01-01T00:00:00.000Z",
        "timeZone": zone.name(),
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "items": page,
    });
    if offset + size < events.len() {
        body["nextPageToken"] = format!("standin-page-{}", offset + size).into();
    }
    reply(200, body)
}

fn google_insert(inner: &mut Inner, seen: &Seen) -> Response {
    let Some(body) = seen.body.as_object() else {
        return google_error(400, "parseError", "Parse Error");
    };
    let id = match body.get("id") {
        None => format!("standin{:08}", inner.next_id()),
        Some(Value::String(id))
            if (5..=1024).contains(&id.len())
                && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)) =>
        {
            id.clone()
        }
        Some(_) => return google_error(400, "invalid", "Invalid resource id value."),
    };
    if inner.events.get("google").is_some_and(|es| es.iter().any(|e| e.id == id)) {
        return google_error(409, "duplicate", "The requested identifier already exists.");
    }
    let start = match google_when(body.get("start"), "start") {
        Ok(w) => w,
        Err(res) => return *res,
    };
    let end = match google_when(body.get("end"), "end") {
        Ok(w) => w,
        Err(res) => return *res,
    };
    let when = match (start.0, end.0) {
        (GoogleWhen::At(start), GoogleWhen::At(end)) => When::At { start, end },
        (GoogleWhen::Date(first), GoogleWhen::Date(until)) => When::AllDay { first, until },
        _ => {
            return google_error(
                400,
                "invalid",
                "Start and end times must either both be date or both be dateTime.",
            );
        }
    };
    let zone = inner.calendar_zone;
    let mut event = Event::new(&id, body.get("summary").and_then(Value::as_str).unwrap_or(""), when);
    let (s, e) = event.span(zone);
    if e < s {
        return google_error(400, "timeRangeEmpty", "The specified time range is empty.");
    }
    event.location = body.get("location").and_then(Value::as_str).map(str::to_owned);
    event.description = body.get("description").and_then(Value::as_str).map(str::to_owned);
    event.time_zone = start.1;
    let answer = google_event(&event, zone);
    inner.events.entry("google".into()).or_default().push(event);
    inner.created.push(Created { provider: "google".into(), id, body: seen.body.clone() });
    reply(200, answer)
}

enum GoogleWhen {
    At(DateTime<Utc>),
    Date(NaiveDate),
}

/// An event's `start` or `end`, and its `timeZone`.
fn google_when(value: Option<&Value>, which: &str) -> Result<(GoogleWhen, Option<String>), Refused> {
    let missing = || Box::new(google_error(400, "required", &format!("Missing {which} time.")));
    let value = value.and_then(Value::as_object).ok_or_else(missing)?;
    let zone = match value.get("timeZone").and_then(Value::as_str) {
        None => None,
        Some(name) => match name.parse::<Tz>() {
            Ok(tz) => Some((tz, name.to_owned())),
            Err(_) => {
                return Err(Box::new(google_error(
                    400,
                    "timeZoneInvalid",
                    &format!("Invalid time zone definition for {which} time."),
                )));
            }
        },
    };
    let invalid = || Box::new(google_error(400, "invalid", &format!("Invalid {which} time.")));
    if let Some(raw) = value.get("dateTime").and_then(Value::as_str) {
        let at = match DateTime::parse_from_rfc3339(raw) {
            Ok(t) => t.with_timezone(&Utc),
            // Without an offset, the time is in the given zone, which is then required.
            Err(_) => {
                let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").map_err(|_| invalid())?;
                let (tz, _) = zone.as_ref().ok_or_else(invalid)?;
                tz.from_local_datetime(&local).earliest().ok_or_else(invalid)?.with_timezone(&Utc)
            }
        };
        return Ok((GoogleWhen::At(at), zone.map(|z| z.1)));
    }
    if let Some(raw) = value.get("date").and_then(Value::as_str) {
        let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| invalid())?;
        return Ok((GoogleWhen::Date(date), zone.map(|z| z.1)));
    }
    Err(missing())
}

/// An Events resource: timed events in the event's zone (else the calendar's) with its
/// offset, all-day events as `date`s.
fn google_event(e: &Event, calendar_zone: Tz) -> Value {
    let zone = e.time_zone.as_deref().and_then(|z| z.parse::<Tz>().ok()).unwrap_or(calendar_zone);
    let (start, end) = match &e.when {
        When::At { start, end } => {
            let at = |t: &DateTime<Utc>| {
                json!({
                    "dateTime": t.with_timezone(&zone).to_rfc3339_opts(SecondsFormat::Secs, false),
                    "timeZone": zone.name(),
                })
            };
            (at(start), at(end))
        }
        When::AllDay { first, until } => (
            json!({"date": first.format("%Y-%m-%d").to_string()}),
            json!({"date": until.format("%Y-%m-%d").to_string()}),
        ),
    };
    let eid = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{} user@example.com", e.id));
    let mut event = json!({
        "kind": "calendar#event",
        "etag": "\"3412345678901234\"",
        "id": e.id,
        "status": "confirmed",
        "htmlLink": format!("https://www.google.com/calendar/event?eid={eid}"),
        "created": "2025-01-01T00:00:00.000Z",
        "updated": "2025-01-01T00:00:00.000Z",
        "creator": {"email": "user@example.com", "self": true},
        "organizer": {"email": "user@example.com", "self": true},
        "start": start,
        "end": end,
        "iCalUID": format!("{}@google.com", e.id),
        "sequence": 0,
        "reminders": {"useDefault": true},
        "eventType": "default",
    });
    if !e.title.is_empty() {
        event["summary"] = e.title.clone().into();
    }
    if let Some(l) = &e.location {
        event["location"] = l.clone().into();
    }
    if let Some(d) = &e.description {
        event["description"] = d.clone().into();
    }
    event
}

fn midnight(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    zone.from_local_datetime(&local).earliest().map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

// ---- Microsoft Graph -------------------------------------------------------------------

/// Graph's error body.
fn graph_error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({"error": {
        "code": code,
        "message": message,
        "innerError": {
            "date": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            "request-id": uuid::Uuid::new_v4().to_string(),
            "client-request-id": uuid::Uuid::new_v4().to_string(),
        },
    }});
    reply(status, body)
}

fn graph(inner: &mut Inner, seen: &Seen, segments: &[&str], base_url: &str) -> Response {
    // Graph answers in the zone `Prefer: outlook.timezone="…"` names, UTC by default.
    let zone_name = seen
        .header("prefer")
        .and_then(|p| p.split(',').find_map(|part| part.trim().strip_prefix("outlook.timezone=")))
        .map(|z| z.trim_matches('"').to_owned())
        .filter(|z| z.parse::<Tz>().is_ok())
        .unwrap_or_else(|| "UTC".to_owned());
    let zone: Tz = zone_name.parse().expect("checked");
    let mut res = match (&seen.method, segments) {
        (&Method::GET, ["me", "calendarView"]) => graph_list(inner, seen, zone, base_url),
        (&Method::POST, ["me", "events"]) => graph_create(inner, seen, zone),
        (_, [.., last]) => {
            graph_error(400, "BadRequest", &format!("Resource not found for the segment '{last}'."))
        }
        _ => graph_error(400, "BadRequest", "Invalid request."),
    };
    if seen.header("prefer").is_some() {
        let applied = format!("outlook.timezone=\"{zone_name}\"");
        res.headers_mut().insert("preference-applied", HeaderValue::from_str(&applied).expect("header"));
    }
    res
}

fn graph_list(inner: &mut Inner, seen: &Seen, zone: Tz, base_url: &str) -> Response {
    let window = |name: &str| {
        let raw = seen.param(name)?;
        DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.and_utc()))
    };
    let (Some(start), Some(end)) = (window("startDateTime"), window("endDateTime")) else {
        return graph_error(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        );
    };
    let number = |name: &str, default: usize| seen.param(name).map_or(Some(default), |v| v.parse().ok());
    let (Some(top), Some(skip)) = (number("$top", 10), number("$skip", 0)) else {
        return graph_error(400, "BadRequest", "Invalid $top or $skip value.");
    };
    let size = inner.page_size.map_or(top, |p| p.min(top)).clamp(1, 1000);
    let mut events: Vec<&Event> = inner
        .events
        .get("microsoft")
        .map(|es| {
            es.iter()
                .filter(|e| {
                    let (s, en) = e.span(zone);
                    s < end && en > start
                })
                .collect()
        })
        .unwrap_or_default();
    events.sort_by_key(|e| e.span(zone).0);
    let value: Vec<Value> = events.iter().skip(skip).take(size).map(|e| graph_event(e, zone)).collect();
    let mut body = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('standin')/calendarView",
        "value": value,
    });
    if skip + size < events.len() {
        let enc = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
        body["@odata.nextLink"] = format!(
            "{base_url}/graph/v1.0/me/calendarView?startDateTime={}&endDateTime={}&$orderby=start%2fdateTime&$top={top}&$skip={}",
            enc(seen.param("startDateTime").unwrap_or_default()),
            enc(seen.param("endDateTime").unwrap_or_default()),
            skip + size
        )
        .into();
    }
    reply(200, body)
}

fn graph_create(inner: &mut Inner, seen: &Seen, zone: Tz) -> Response {
    let Some(body) = seen.body.as_object() else {
        return graph_error(400, "BadRequest", "Empty Payload. JSON content expected.");
    };
    // A retry with a transactionId Graph has seen answers the event it made then.
    if let Some(tx) = body.get("transactionId").and_then(Value::as_str)
        && let Some(existing) = inner
            .events
            .get("microsoft")
            .and_then(|es| es.iter().find(|e| e.transaction_id.as_deref() == Some(tx)))
    {
        return reply(201, graph_event(existing, zone));
    }
    let start = match graph_when(body.get("start")) {
        Ok(w) => w,
        Err(res) => return *res,
    };
    let end = match graph_when(body.get("end")) {
        Ok(w) => w,
        Err(res) => return *res,
    };
    let id = format!("AAMkADstandin{:04}AAA=", inner.next_id());
    let subject = body.get("subject").and_then(Value::as_str).unwrap_or("");
    let mut event = Event::new(&id, subject, When::At { start: start.0, end: end.0 });
    event.time_zone = Some(start.1);
    event.transaction_id = body.get("transactionId").and_then(Value::as_str).map(str::to_owned);
    event.description = seen.body.pointer("/body/content").and_then(Value::as_str).map(str::to_owned);
    event.location = seen
        .body
        .pointer("/location/displayName")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let answer = graph_event(&event, zone);
    inner.events.entry("microsoft".into()).or_default().push(event);
    inner.created.push(Created { provider: "microsoft".into(), id, body: seen.body.clone() });
    reply(201, answer)
}

/// A `dateTimeTimeZone` we were sent: a wall-clock `dateTime` without offset, in `timeZone`.
fn graph_when(value: Option<&Value>) -> Result<(DateTime<Utc>, String), Refused> {
    let (Some(raw), Some(zone_name)) = (
        value.and_then(|v| v.get("dateTime")).and_then(Value::as_str),
        value.and_then(|v| v.get("timeZone")).and_then(Value::as_str),
    ) else {
        return Err(Box::new(graph_error(
            400,
            "ErrorInvalidRequest",
            "Your request can't be completed. The start and end of the event must each have a dateTime and a timeZone.",
        )));
    };
    let Ok(zone) = zone_name.parse::<Tz>() else {
        return Err(Box::new(graph_error(
            400,
            "TimeZoneNotSupportedException",
            &format!(
                "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone_name}'."
            ),
        )));
    };
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| {
        Box::new(graph_error(
            400,
            "BadRequest",
            &format!("The value '{raw}' is not a local date and time (no offset)."),
        ))
    })?;
    let at = zone.from_local_datetime(&local).earliest().ok_or_else(|| {
        Box::new(graph_error(
            400,
            "BadRequest",
            &format!("The time '{raw}' does not exist in '{zone_name}'."),
        ))
    })?;
    Ok((at.with_timezone(&Utc), zone_name.to_owned()))
}

/// An event resource, its times in `zone` as Graph writes them: no offset, seven decimals.
fn graph_event(e: &Event, zone: Tz) -> Value {
    let wall = |t: NaiveDateTime| format!("{}.0000000", t.format("%Y-%m-%dT%H:%M:%S"));
    let (start, end) = match &e.when {
        When::At { start, end } => {
            (wall(start.with_timezone(&zone).naive_local()), wall(end.with_timezone(&zone).naive_local()))
        }
        // All-day events are whole dates wherever they are seen: midnight to midnight.
        When::AllDay { first, until } => {
            (wall(first.and_time(NaiveTime::MIN)), wall(until.and_time(NaiveTime::MIN)))
        }
    };
    let original = e.time_zone.clone().unwrap_or_else(|| "UTC".into());
    json!({
        "@odata.etag": "W/\"DwAAABYAAABn0D1Ty7bzQ7YlcYBkxTSLAAAAAA==\"",
        "id": e.id,
        "createdDateTime": "2025-01-01T00:00:00.0000000Z",
        "lastModifiedDateTime": "2025-01-01T00:00:00.0000000Z",
        "changeKey": "Z9A9U8u280O2JXGGZMU0iwAAAAA=",
        "categories": [],
        "transactionId": e.transaction_id,
        "originalStartTimeZone": original,
        "originalEndTimeZone": original,
        "iCalUId": format!("040000008200E00074C5B7101A82E008{:0>32}", e.id.len()),
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": e.title,
        "bodyPreview": e.description.clone().unwrap_or_default(),
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": matches!(e.when, When::AllDay { .. }),
        "isCancelled": false,
        "isOrganizer": true,
        "responseRequested": true,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": format!("https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item", e.id),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": false,
        "body": {"contentType": "text", "content": e.description.clone().unwrap_or_default()},
        "start": {"dateTime": start, "timeZone": zone.name()},
        "end": {"dateTime": end, "timeZone": zone.name()},
        "location": {
            "displayName": e.location.clone().unwrap_or_default(),
            "locationType": "default",
            "uniqueIdType": "unknown",
            "address": {},
            "coordinates": {},
        },
        "locations": [],
        "attendees": [],
        "organizer": {"emailAddress": {"name": "Stand-in User", "address": "user@example.com"}},
    })
}

// ---- Notion ----------------------------------------------------------------------------

/// Notion's error body.
fn notion_error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({
        "object": "error",
        "status": status,
        "code": code,
        "message": message,
        "request_id": uuid::Uuid::new_v4().to_string(),
    });
    reply(status, body)
}

/// Notion's limit on one rich text object's content, and on a rich text array.
const NOTION_MAX_TEXT: usize = 2000;
const NOTION_MAX_ITEMS: usize = 100;

fn notion(inner: &mut Inner, seen: &Seen, segments: &[&str]) -> Response {
    match seen.header("notion-version") {
        None => {
            return notion_error(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
            );
        }
        Some(v) if !NOTION_VERSIONS.contains(&v) => {
            return notion_error(
                400,
                "missing_version",
                &format!("Notion-Version header failed validation: `{v}` is not a valid Notion-Version."),
            );
        }
        Some(_) => {}
    }
    match (&seen.method, segments) {
        (&Method::POST, ["search"]) => notion_search(inner, seen),
        (&Method::GET, ["databases", id]) => match notion_id(id) {
            None => notion_error(
                400,
                "validation_error",
                &format!(
                    "path failed validation: path.database_id should be a valid uuid, instead was `\"{id}\"`."
                ),
            ),
            Some(id) => match inner.databases.iter().find(|d| d.id == id) {
                Some(d) => reply(200, notion_database(d)),
                None => notion_error(404, "object_not_found", &database_not_found(&id)),
            },
        },
        (&Method::POST, ["pages"]) => notion_create_page(inner, seen),
        _ => notion_error(400, "invalid_request_url", "Invalid request URL."),
    }
}

fn database_not_found(id: &str) -> String {
    format!(
        "Could not find database with ID: {id}. Make sure the relevant pages and databases are shared with your integration."
    )
}

fn notion_search(inner: &mut Inner, seen: &Seen) -> Response {
    let body = match &seen.body {
        Value::Null => Map::new(),
        Value::Object(o) => o.clone(),
        _ => return notion_error(400, "invalid_json", "Error parsing JSON body."),
    };
    let page_size = match body.get("page_size") {
        None => 100,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=100).contains(&n) => n as usize,
            _ => {
                return notion_error(
                    400,
                    "validation_error",
                    &format!(
                        "body failed validation: body.page_size should be a number between 1 and 100, instead was `{v}`."
                    ),
                );
            }
        },
    };
    let query = body.get("query").and_then(Value::as_str).unwrap_or("").to_lowercase();
    let matches = |title: &str| title.to_lowercase().contains(&query);
    let mut results: Vec<(String, Value)> = vec![];
    for d in inner.databases.iter().filter(|d| matches(&d.title)) {
        results.push((d.id.clone(), notion_database(d)));
    }
    for p in inner.pages.iter().filter(|p| matches(&p.title)) {
        results.push((p.id.clone(), notion_page(p)));
    }
    let from = match body.get("start_cursor").and_then(Value::as_str) {
        None => 0,
        Some(c) => results.iter().position(|(id, _)| id == c).unwrap_or(results.len()),
    };
    let next = results.get(from + page_size).map(|(id, _)| id.clone());
    let page: Vec<Value> = results.into_iter().skip(from).take(page_size).map(|(_, v)| v).collect();
    reply(
        200,
        json!({
            "object": "list",
            "results": page,
            "next_cursor": next,
            "has_more": next.is_some(),
            "type": "page_or_database",
            "page_or_database": {},
            "request_id": uuid::Uuid::new_v4().to_string(),
        }),
    )
}

fn notion_create_page(inner: &mut Inner, seen: &Seen) -> Response {
    let Some(body) = seen.body.as_object() else {
        return notion_error(400, "invalid_json", "Error parsing JSON body.");
    };
    let Some(raw_id) = body.get("parent").and_then(|p| p.get("database_id")).and_then(Value::as_str) else {
        return notion_error(
            400,
            "validation_error",
            "body failed validation: body.parent.database_id should be defined, instead was `undefined`.",
        );
    };
    let Some(database_id) = notion_id(raw_id) else {
        return notion_error(
            400,
            "validation_error",
            &format!(
                "body failed validation: body.parent.database_id should be a valid uuid, instead was `\"{raw_id}\"`."
            ),
        );
    };
    let Some(database) = inner.databases.iter().find(|d| d.id == database_id) else {
        return notion_error(404, "object_not_found", &database_not_found(&database_id));
    };
    let Some(properties) = body.get("properties").and_then(Value::as_object) else {
        return notion_error(
            400,
            "validation_error",
            "body failed validation: body.properties should be defined, instead was `undefined`.",
        );
    };
    let mut title = String::new();
    for (name, value) in properties {
        if name == "Tags" {
            continue;
        }
        if *name != database.title_property {
            return notion_error(400, "validation_error", &format!("{name} is not a property that exists."));
        }
        match rich_text_content(value.get("title"), &format!("body.properties.{name}.title")) {
            Ok(t) => title = t,
            Err(res) => return *res,
        }
    }
    let mut paragraphs = vec![];
    if let Some(children) = body.get("children") {
        let Some(blocks) = children.as_array().filter(|b| b.len() <= NOTION_MAX_ITEMS) else {
            return notion_error(
                400,
                "validation_error",
                "body failed validation: body.children should be an array of at most 100 blocks.",
            );
        };
        for (i, block) in blocks.iter().enumerate() {
            let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
            if kind != "paragraph" || block.get("paragraph").is_none() {
                return notion_error(
                    400,
                    "validation_error",
                    &format!(
                        "body failed validation: body.children[{i}].paragraph should be defined, instead was `undefined`."
                    ),
                );
            }
            let path = format!("body.children[{i}].paragraph.rich_text");
            match rich_text_content(block.pointer("/paragraph/rich_text"), &path) {
                Ok(t) => paragraphs.push(t),
                Err(res) => return *res,
            }
        }
    }
    let page = Page {
        id: uuid::Uuid::new_v4().to_string(),
        title: title.clone(),
        database: Some((database_id.clone(), database.title_property.clone())),
    };
    let answer = notion_page(&page);
    inner.created_pages.push(CreatedPage {
        id: page.id.clone(),
        database_id,
        title,
        content: (!paragraphs.is_empty()).then(|| paragraphs.join("\n")),
        body: seen.body.clone(),
    });
    inner.pages.push(page);
    reply(200, answer)
}

/// The text of a rich text array we were sent, checked against Notion's limits.
fn rich_text_content(value: Option<&Value>, path: &str) -> Result<String, Refused> {
    let invalid =
        |m: String| Box::new(notion_error(400, "validation_error", &format!("body failed validation: {m}")));
    let Some(parts) = value.and_then(Value::as_array) else {
        return Err(invalid(format!("{path} should be an array, instead was `undefined`.")));
    };
    if parts.len() > NOTION_MAX_ITEMS {
        return Err(invalid(format!("{path}.length should be ≤ `100`, instead was `{}`.", parts.len())));
    }
    let mut text = String::new();
    for (i, part) in parts.iter().enumerate() {
        let Some(content) = part.pointer("/text/content").and_then(Value::as_str) else {
            return Err(invalid(format!("{path}[{i}].text should be defined, instead was `undefined`.")));
        };
        let n = content.chars().count();
        if n > NOTION_MAX_TEXT {
            return Err(invalid(format!(
                "{path}[{i}].text.content.length should be ≤ `2000`, instead was `{n}`."
            )));
        }
        text.push_str(content);
    }
    Ok(text)
}

/// Rich text as Notion answers it; a title is cut after its first word into two objects, as
/// an edited title often is, so a reader must join them.
fn rich_text(text: &str) -> Value {
    let parts: Vec<&str> = match text.find(' ') {
        Some(at) if at > 0 => vec![&text[..at], &text[at..]],
        _ if text.is_empty() => vec![],
        _ => vec![text],
    };
    let objects: Vec<Value> = parts
        .into_iter()
        .map(|t| {
            json!({
                "type": "text",
                "text": {"content": t, "link": null},
                "annotations": {"bold": false, "italic": false, "strikethrough": false,
                                "underline": false, "code": false, "color": "default"},
                "plain_text": t,
                "href": null,
            })
        })
        .collect();
    Value::Array(objects)
}

const NOTION_USER: &str = "7f03dda0-f8e2-4d05-a7ca-1a5b1d3f7a10";

fn notion_database(d: &Database) -> Value {
    json!({
        "object": "database",
        "id": d.id,
        "cover": null,
        "icon": null,
        "created_time": "2025-01-01T00:00:00.000Z",
        "created_by": {"object": "user", "id": NOTION_USER},
        "last_edited_by": {"object": "user", "id": NOTION_USER},
        "last_edited_time": "2025-01-01T00:00:00.000Z",
        "title": rich_text(&d.title),
        "description": [],
        "is_inline": false,
        "properties": {
            "Tags": {"id": "Xq%3E", "name": "Tags", "type": "multi_select", "multi_select": {"options": []}},
            d.title_property.clone(): {"id": "title", "name": d.title_property, "type": "title", "title": {}},
        },
        "parent": {"type": "workspace", "workspace": true},
        "url": format!("https://www.notion.so/{}", d.id.replace('-', "")),
        "public_url": null,
        "archived": false,
        "in_trash": false,
    })
}

fn notion_page(p: &Page) -> Value {
    let (parent, properties) = match &p.database {
        Some((database_id, title_property)) => (
            json!({"type": "database_id", "database_id": database_id}),
            json!({
                "Tags": {"id": "Xq%3E", "type": "multi_select", "multi_select": []},
                title_property.clone(): {"id": "title", "type": "title", "title": rich_text(&p.title)},
            }),
        ),
        None => (
            json!({"type": "workspace", "workspace": true}),
            json!({"title": {"id": "title", "type": "title", "title": rich_text(&p.title)}}),
        ),
    };
    let slug: String = p.title.split_whitespace().collect::<Vec<_>>().join("-");
    json!({
        "object": "page",
        "id": p.id,
        "created_time": "2025-01-01T00:00:00.000Z",
        "last_edited_time": "2025-01-01T00:00:00.000Z",
        "created_by": {"object": "user", "id": NOTION_USER},
        "last_edited_by": {"object": "user", "id": NOTION_USER},
        "cover": null,
        "icon": null,
        "parent": parent,
        "archived": false,
        "in_trash": false,
        "properties": properties,
        "url": format!("https://www.notion.so/{slug}-{}", p.id.replace('-', "")),
        "public_url": null,
    })
}

/// A Notion id, dashed and lower-case, from one with or without dashes.
fn notion_id(raw: &str) -> Option<String> {
    let hex: String = raw.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}

// ---- YouTube Data ----------------------------------------------------------------------

fn youtube(inner: &mut Inner, seen: &Seen, segments: &[&str]) -> Response {
    let parts: Vec<&str> =
        seen.param("part").map(|p| p.split(',').map(str::trim).collect()).unwrap_or_default();
    if parts.is_empty() {
        return google_error(400, "required", "Required parameter: part");
    }
    if let Some(unknown) = parts.iter().find(|p| !["id", "snippet", "contentDetails", "status"].contains(p)) {
        return google_error(400, "unknownPart", &format!("'{unknown}'"));
    }
    match (&seen.method, segments) {
        (&Method::GET, ["search"]) => youtube_search(inner, seen, &parts),
        (&Method::POST, ["playlistItems"]) if parts.contains(&"snippet") => youtube_insert(inner, seen),
        (&Method::POST, ["playlistItems"]) => {
            google_error(400, "required", "Required parameter: part must include snippet")
        }
        _ => google_error(404, "notFound", "Not Found"),
    }
}

fn youtube_search(inner: &mut Inner, seen: &Seen, parts: &[&str]) -> Response {
    let max = match seen.param("maxResults").map(str::parse::<usize>) {
        None => 5,
        Some(Ok(n)) if n <= 50 => n,
        Some(_) => {
            let raw = seen.param("maxResults").unwrap_or_default();
            return google_error(
                400,
                "invalidValue",
                &format!("Invalid value '{raw}'. Values must be within the range: [0, 50]"),
            );
        }
    };
    if let Some(t) = seen.param("type")
        && !t.split(',').all(|t| ["video", "channel", "playlist"].contains(&t))
    {
        return google_error(400, "invalidSearchFilter", "The request contains an invalid search filter.");
    }
    let query = seen.param("q").unwrap_or("").to_lowercase();
    let found: Vec<&VideoEntry> =
        inner.videos.iter().filter(|v| v.title.to_lowercase().contains(&query)).collect();
    let items: Vec<Value> = found
        .iter()
        .take(max)
        .map(|v| {
            let mut item = json!({
                "kind": "youtube#searchResult",
                "etag": "q5Q8S2sQ9Xbu4dqgRhy3fc9ygTY",
                "id": {"kind": "youtube#video", "videoId": v.id},
            });
            if parts.contains(&"snippet") {
                item["snippet"] = json!({
                    "publishedAt": "2024-05-01T12:00:00Z",
                    "channelId": "UCstandin000000000000000",
                    "title": escape_html(&v.title),
                    "description": "",
                    "thumbnails": {"default": {"url": format!("https://i.ytimg.com/vi/{}/default.jpg", v.id), "width": 120, "height": 90}},
                    "channelTitle": escape_html(&v.channel),
                    "liveBroadcastContent": "none",
                    "publishTime": "2024-05-01T12:00:00Z",
                });
            }
            item
        })
        .collect();
    reply(
        200,
        json!({
            "kind": "youtube#searchListResponse",
            "etag": "Xw7o0NhhZ8bYiH2H_LYd6kC1y3M",
            "regionCode": "FR",
            "pageInfo": {"totalResults": found.len(), "resultsPerPage": max},
            "items": items,
        }),
    )
}

fn youtube_insert(inner: &mut Inner, seen: &Seen) -> Response {
    let snippet = seen.body.get("snippet");
    let Some(playlist_id) = snippet.and_then(|s| s.get("playlistId")).and_then(Value::as_str) else {
        return google_error(400, "playlistIdRequired", "The request does not specify a playlist ID.");
    };
    let resource = snippet.and_then(|s| s.get("resourceId"));
    let video_id = resource.and_then(|r| r.get("videoId")).and_then(Value::as_str);
    let (Some("youtube#video"), Some(video_id)) =
        (resource.and_then(|r| r.get("kind")).and_then(Value::as_str), video_id)
    else {
        return google_error(400, "invalidResourceId", "The resource id is invalid or missing.");
    };
    if !inner.playlists.contains_key(playlist_id) {
        return google_error(
            404,
            "playlistNotFound",
            "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.",
        );
    }
    let Some(title) = inner.videos.iter().find(|v| v.id == video_id).map(|v| v.title.clone()) else {
        return google_error(404, "videoNotFound", "Video not found.");
    };
    let item_id = format!("UExzdGFuZGluLml0ZW0u{:06}", inner.next_id());
    let items = inner.playlists.get_mut(playlist_id).expect("checked");
    items.push((item_id.clone(), video_id.to_owned()));
    let position = items.len() - 1;
    reply(
        200,
        json!({
            "kind": "youtube#playlistItem",
            "etag": "v9Rf8lXb0mX0Fj0hV9oB1q2zGmE",
            "id": item_id,
            "snippet": {
                "publishedAt": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
                "channelId": "UCstandinuser00000000000",
                "title": title,
                "description": "",
                "thumbnails": {},
                "channelTitle": "Stand-in User",
                "playlistId": playlist_id,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": video_id},
                "videoOwnerChannelTitle": "Stand-in Channel",
                "videoOwnerChannelId": "UCstandin000000000000000",
            },
        }),
    )
}

/// How YouTube writes text in search snippets.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
