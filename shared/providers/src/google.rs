//! Google Calendar API v3, the user's primary calendar:
//! <https://developers.google.com/calendar/api/v3/reference/events>.
//!
//! - list: `GET /calendars/primary/events?timeMin&timeMax&singleEvents=true&orderBy=startTime`,
//!   following `nextPageToken` for at most [`MAX_PAGES`] pages;
//! - create: `POST /calendars/primary/events` with an event id we choose from the creation's
//!   key, so a retry of the same creation answers 409 instead of adding a second event; we then
//!   read the event that exists.
//!
//! All-day events carry `date`s (the end one exclusive). They are read as midnight in the
//! calendar's own zone, which the list answer gives as `timeZone`; UTC when it names none.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use chrono_tz::Tz;
use nudge_domain::{ApiError, CalendarEvent, NewEvent, Secret};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::{
    MAX_PAGES,
    call::{Caller, Service},
    zone,
};

/// Events per page: the API's default, so a typical week is one request.
const PAGE_SIZE: &str = "250";

/// A page of `events.list`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventList {
    #[serde(default)]
    items: Vec<Event>,
    /// The calendar's zone, in which all-day dates are read.
    time_zone: Option<String>,
    next_page_token: Option<String>,
}

/// The fields of an Events resource we use.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    id: String,
    status: Option<String>,
    summary: Option<String>,
    location: Option<String>,
    html_link: Option<String>,
    start: Option<When>,
    end: Option<When>,
}

/// `start` or `end`: `dateTime` (RFC 3339, with offset) for a timed event, `date` for an
/// all-day one.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct When {
    date_time: Option<String>,
    date: Option<String>,
}

pub(crate) async fn list_events(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CalendarEvent>, ApiError> {
    let api = Caller::new(http, Service::GoogleCalendar, token);
    let url = format!("{base}/calendars/primary/events");
    let (time_min, time_max) = (rfc3339(from), rfc3339(to));
    let mut events = vec![];
    let mut page_token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut query = vec![
            ("timeMin", time_min.as_str()),
            ("timeMax", time_max.as_str()),
            ("singleEvents", "true"),
            ("orderBy", "startTime"),
            ("maxResults", PAGE_SIZE),
        ];
        if let Some(t) = &page_token {
            query.push(("pageToken", t));
        }
        let page: EventList = api.call(api.http.get(&url).query(&query)).await?;
        let calendar_zone = page.time_zone.as_deref().and_then(zone::parse).unwrap_or(Tz::UTC);
        events.extend(page.items.into_iter().filter_map(|e| to_domain(e, calendar_zone)));
        page_token = page.next_page_token.filter(|t| !t.is_empty());
        if page_token.is_none() {
            break;
        }
    }
    if page_token.is_some() {
        tracing::info!(pages = MAX_PAGES, "google calendar: more events than we read; the rest left out");
    }
    Ok(events)
}

pub(crate) async fn create_event(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    event: &NewEvent,
    key: &str,
) -> Result<CalendarEvent, ApiError> {
    let api = Caller::new(http, Service::GoogleCalendar, token);
    let id = event_id(key);
    let answer =
        api.send(api.http.post(format!("{base}/calendars/primary/events")).json(&body(event, &id))).await?;
    let created: Event = if answer.status == StatusCode::CONFLICT {
        // "The requested identifier already exists": this creation went through before (its
        // answer was lost, or the action ran twice). The event is the one already there.
        let existing: Event = api.call(api.http.get(format!("{base}/calendars/primary/events/{id}"))).await?;
        if existing.status.as_deref() == Some("cancelled") {
            return Err(ApiError::Rejected(
                "this event was added to Google Calendar before and has since been deleted".into(),
            ));
        }
        existing
    } else {
        api.parse(answer)?
    };
    let zone = zone::parse(&event.time_zone).unwrap_or(Tz::UTC);
    to_domain(created, zone)
        .ok_or_else(|| ApiError::Unavailable("Google Calendar answered an event without its times".into()))
}

/// The event id for a creation key: Google takes 5 to 1024 characters of base32hex (`0-9a-v`);
/// the lowercase hex of the key's SHA-256 is 64 of them, the same for the same key.
pub fn event_id(key: &str) -> String {
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The Events resource we insert. `dateTime` carries the instant (UTC); `timeZone` is the
/// user's zone, in which Google shows the event. A zone Google would not know is left out
/// rather than have the insert refused.
fn body(event: &NewEvent, id: &str) -> Value {
    let when = |at: DateTime<Utc>| {
        let mut w = Map::new();
        w.insert("dateTime".into(), rfc3339(at).into());
        if zone::parse(&event.time_zone).is_some() {
            w.insert("timeZone".into(), event.time_zone.clone().into());
        }
        Value::Object(w)
    };
    let mut body = json!({
        "id": id,
        "summary": event.title,
        "start": when(event.start),
        "end": when(event.end),
    });
    if let Some(d) = &event.description {
        body["description"] = d.clone().into();
    }
    if let Some(l) = &event.location {
        body["location"] = l.clone().into();
    }
    body
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An event as the domain has it; `None` for one without usable times (or a cancelled one,
/// which a listing of single events does not return anyway).
fn to_domain(event: Event, calendar_zone: Tz) -> Option<CalendarEvent> {
    if event.status.as_deref() == Some("cancelled") {
        return None;
    }
    let (start, all_day) = instant(event.start.as_ref()?, calendar_zone)?;
    let (end, _) = instant(event.end.as_ref()?, calendar_zone)?;
    Some(CalendarEvent {
        id: event.id,
        title: event.summary.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "(no title)".into()),
        start,
        end,
        all_day,
        location: event.location.filter(|l| !l.trim().is_empty()),
        link: event.html_link,
    })
}

/// The instant `when` stands for, and whether it is an all-day date.
fn instant(when: &When, calendar_zone: Tz) -> Option<(DateTime<Utc>, bool)> {
    if let Some(dt) = &when.date_time {
        return DateTime::parse_from_rfc3339(dt).ok().map(|t| (t.with_timezone(&Utc), false));
    }
    let date = NaiveDate::parse_from_str(when.date.as_deref()?, "%Y-%m-%d").ok()?;
    Some((zone::midnight(date, calendar_zone), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: Value) -> Event {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn event_ids_are_base32hex_and_stable() {
        let id = event_id("approval-42");
        assert_eq!(id, event_id("approval-42"));
        assert_ne!(id, event_id("approval-43"));
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)));
    }

    #[test]
    fn timed_events_keep_their_instant() {
        let e = event(json!({
            "id": "e1", "summary": "Dentist", "htmlLink": "https://www.google.com/calendar/event?eid=x",
            "start": {"dateTime": "2025-07-14T10:00:00+02:00", "timeZone": "Europe/Paris"},
            "end": {"dateTime": "2025-07-14T11:00:00+02:00"}, "location": "Rue de Rivoli"
        }));
        let e = to_domain(e, Tz::UTC).unwrap();
        assert_eq!(e.start.to_rfc3339(), "2025-07-14T08:00:00+00:00");
        assert_eq!(e.end.to_rfc3339(), "2025-07-14T09:00:00+00:00");
        assert!(!e.all_day);
        assert_eq!(e.location.as_deref(), Some("Rue de Rivoli"));
    }

    #[test]
    fn all_day_dates_are_midnights_in_the_calendar_zone() {
        let e = event(json!({
            "id": "e2", "start": {"date": "2025-07-14"}, "end": {"date": "2025-07-16"}
        }));
        let e = to_domain(e, chrono_tz::Europe::Paris).unwrap();
        assert!(e.all_day);
        assert_eq!(e.title, "(no title)");
        assert_eq!(e.start.to_rfc3339(), "2025-07-13T22:00:00+00:00");
        // The end date is exclusive: the event covers the 14th and the 15th.
        assert_eq!(e.end.to_rfc3339(), "2025-07-15T22:00:00+00:00");
    }

    #[test]
    fn the_insert_body_is_as_documented() {
        let new = NewEvent {
            title: "Call mum".into(),
            start: "2025-07-14T08:00:00Z".parse().unwrap(),
            end: "2025-07-14T08:30:00Z".parse().unwrap(),
            time_zone: "Europe/Paris".into(),
            description: None,
            location: Some("Home".into()),
        };
        let b = body(&new, "abc12345");
        assert_eq!(
            b,
            json!({
                "id": "abc12345", "summary": "Call mum", "location": "Home",
                "start": {"dateTime": "2025-07-14T08:00:00Z", "timeZone": "Europe/Paris"},
                "end": {"dateTime": "2025-07-14T08:30:00Z", "timeZone": "Europe/Paris"},
            })
        );
        let unknown = NewEvent { time_zone: "Mars/Olympus".into(), ..new };
        assert_eq!(body(&unknown, "abc12345")["start"], json!({"dateTime": "2025-07-14T08:00:00Z"}));
    }
}
