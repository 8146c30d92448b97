//! Microsoft Graph v1.0 calendars: <https://learn.microsoft.com/graph/api/resources/event>.
//!
//! - list: `GET /me/calendarView?startDateTime&endDateTime&$orderby=start/dateTime&$top=50`,
//!   following `@odata.nextLink` for at most [`MAX_PAGES`] pages;
//! - create: `POST /me/events` with a `transactionId`, which makes Graph answer a retried
//!   creation with the event it already made instead of adding a second.
//!
//! Graph writes times as a wall-clock `dateTime` (no offset) plus a `timeZone`. Every request
//! says `Prefer: outlook.timezone="UTC"`, so answers are in UTC; a `timeZone` that is another
//! IANA name is still honoured, and one we cannot read (a Windows name) is taken as UTC.
//! All-day events come as midnights in that zone, the end one exclusive.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use nudge_domain::{ApiError, CalendarEvent, NewEvent, Secret};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    MAX_PAGES,
    call::{Caller, Service},
    zone,
};

/// Asks Graph for every time in UTC.
const PREFER_UTC: &str = "outlook.timezone=\"UTC\"";

#[derive(Deserialize)]
struct EventPage {
    #[serde(default)]
    value: Vec<Event>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// The fields of an event resource we use.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    id: String,
    subject: Option<String>,
    #[serde(default)]
    is_all_day: bool,
    #[serde(default)]
    is_cancelled: bool,
    start: Option<DateTimeTimeZone>,
    end: Option<DateTimeTimeZone>,
    location: Option<Location>,
    web_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateTimeTimeZone {
    date_time: String,
    time_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    display_name: Option<String>,
}

pub(crate) async fn list_events(
    http: &reqwest::Client,
    base: &str,
    token: &Secret,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CalendarEvent>, ApiError> {
    let api = Caller::new(http, Service::MicrosoftGraph, token);
    // Written out rather than form-encoded: OData's `$` names and the `/` in `start/dateTime`
    // stay as documented, and the times (digits, `-`, `:`, `T`, `Z`) need no escaping.
    let mut url = Some(format!(
        "{base}/me/calendarView?startDateTime={}&endDateTime={}&$orderby=start/dateTime&$top=50",
        rfc3339(from),
        rfc3339(to)
    ));
    let mut events = vec![];
    for _ in 0..MAX_PAGES {
        let Some(page_url) = url.take() else { break };
        let page: EventPage = api.call(api.http.get(&page_url).header("Prefer", PREFER_UTC)).await?;
        events.extend(page.value.into_iter().filter_map(to_domain));
        url = page.next_link.filter(|next| {
            // The link carries our token to wherever it points: only ever to the same API.
            let ours = next.starts_with(&format!("{base}/"));
            if !ours {
                tracing::warn!("microsoft graph: a next link outside the configured API; not followed");
            }
            ours
        });
    }
    if url.is_some() {
        tracing::info!(pages = MAX_PAGES, "microsoft graph: more events than we read; the rest left out");
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
    let api = Caller::new(http, Service::MicrosoftGraph, token);
    let request =
        api.http.post(format!("{base}/me/events")).header("Prefer", PREFER_UTC).json(&body(event, key));
    let created: Event = api.call(request).await?;
    to_domain(created)
        .ok_or_else(|| ApiError::Unavailable("Microsoft Graph answered an event without its times".into()))
}

/// The event we post: times as wall-clock times in the user's zone, which Outlook shows the
/// event in (Graph takes IANA names); in UTC when the zone is not one we know.
fn body(event: &NewEvent, key: &str) -> Value {
    let (zone, zone_name) = match zone::parse(&event.time_zone) {
        Some(tz) => (tz, event.time_zone.as_str()),
        None => (Tz::UTC, "UTC"),
    };
    let when = |at: DateTime<Utc>| {
        json!({
            "dateTime": at.with_timezone(&zone).naive_local().format("%Y-%m-%dT%H:%M:%S").to_string(),
            "timeZone": zone_name,
        })
    };
    let mut body = json!({
        "subject": event.title,
        "start": when(event.start),
        "end": when(event.end),
        "transactionId": key,
    });
    if let Some(d) = &event.description {
        body["body"] = json!({"contentType": "text", "content": d});
    }
    if let Some(l) = &event.location {
        body["location"] = json!({"displayName": l});
    }
    body
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An event as the domain has it; `None` for a cancelled meeting (still in the calendar view,
/// but not happening) or one without readable times.
fn to_domain(event: Event) -> Option<CalendarEvent> {
    if event.is_cancelled {
        return None;
    }
    Some(CalendarEvent {
        start: instant(event.start.as_ref()?)?,
        end: instant(event.end.as_ref()?)?,
        id: event.id,
        title: event.subject.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "(no title)".into()),
        all_day: event.is_all_day,
        location: event.location.and_then(|l| l.display_name).filter(|l| !l.trim().is_empty()),
        link: event.web_link,
    })
}

/// A `dateTimeTimeZone` as an instant: `2025-07-14T08:00:00.0000000` read in its `timeZone`.
fn instant(when: &DateTimeTimeZone) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(&when.date_time) {
        return Some(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(&when.date_time, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    let zone = when.time_zone.as_deref().and_then(zone::parse).unwrap_or(Tz::UTC);
    Some(zone::instant(local, zone))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: Value) -> Event {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn times_are_read_in_their_zone() {
        let e = event(json!({
            "id": "AAMk1", "subject": "Stand-up", "isAllDay": false, "isCancelled": false,
            "start": {"dateTime": "2025-07-14T08:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2025-07-14T10:15:00.0000000", "timeZone": "Europe/Paris"},
            "location": {"displayName": ""}, "webLink": "https://outlook.office365.com/owa/?itemid=AAMk1"
        }));
        let e = to_domain(e).unwrap();
        assert_eq!(e.start.to_rfc3339(), "2025-07-14T08:00:00+00:00");
        assert_eq!(e.end.to_rfc3339(), "2025-07-14T08:15:00+00:00");
        assert_eq!(e.location, None);
        assert_eq!(e.link.as_deref(), Some("https://outlook.office365.com/owa/?itemid=AAMk1"));
    }

    #[test]
    fn cancelled_meetings_are_left_out() {
        let e = event(json!({
            "id": "AAMk2", "isCancelled": true,
            "start": {"dateTime": "2025-07-14T08:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2025-07-14T09:00:00", "timeZone": "UTC"}
        }));
        assert!(to_domain(e).is_none());
    }

    #[test]
    fn the_post_body_is_in_the_users_zone_with_the_key() {
        let new = NewEvent {
            title: "Call mum".into(),
            start: "2025-07-14T08:00:00Z".parse().unwrap(),
            end: "2025-07-14T08:30:00Z".parse().unwrap(),
            time_zone: "Europe/Paris".into(),
            description: Some("Her birthday".into()),
            location: None,
        };
        assert_eq!(
            body(&new, "key-1"),
            json!({
                "subject": "Call mum",
                "body": {"contentType": "text", "content": "Her birthday"},
                "start": {"dateTime": "2025-07-14T10:00:00", "timeZone": "Europe/Paris"},
                "end": {"dateTime": "2025-07-14T10:30:00", "timeZone": "Europe/Paris"},
                "transactionId": "key-1",
            })
        );
    }
}
