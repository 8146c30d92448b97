//! Saying times the way a person would in a text: "at 9:00 PM today", "tomorrow at 8:00 AM",
//! "on Fri 4 Dec at 12:00 PM", "every weekday at 8:00 AM". One format everywhere: 12-hour
//! clock, day before month, plain ASCII (an SMS with none of it stays in the cheap GSM alphabet).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use chrono_tz::Tz;

/// "9:00 PM", "12:30 AM".
pub(crate) fn clock(t: NaiveTime) -> String {
    let (pm, h) = t.hour12();
    format!("{h}:{:02} {}", t.minute(), if pm { "PM" } else { "AM" })
}

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn weekday_code(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// "Fri 4 Dec", with the year when it is not this one.
fn short_date(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        d.format("%a %-d %b").to_string()
    } else {
        d.format("%a %-d %b %Y").to_string()
    }
}

/// A day relative to today: "today", "tomorrow", "yesterday", "Friday" (this coming week),
/// "Fri 4 Dec".
pub(crate) fn day(d: NaiveDate, today: NaiveDate) -> String {
    match (d - today).num_days() {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        -1 => "yesterday".to_owned(),
        2..=6 => weekday_name(d.weekday()).to_owned(),
        _ => short_date(d, today),
    }
}

/// `day` after a preposition where one is needed: "today", "tomorrow", "on Friday".
pub(crate) fn on_day(d: NaiveDate, today: NaiveDate) -> String {
    match (d - today).num_days() {
        -1..=1 => day(d, today),
        _ => format!("on {}", day(d, today)),
    }
}

/// When something happens, relative to now: "in 20 minutes (2:25 PM)", "at 9:00 PM today",
/// "tomorrow at 8:00 AM", "on Friday at 12:00 PM", "on Fri 4 Dec at 12:00 PM".
pub(crate) fn when(at: NaiveDateTime, now: NaiveDateTime) -> String {
    let minutes = ((at - now).num_seconds() + 30).div_euclid(60);
    if (1..60).contains(&minutes) {
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        return format!("in {minutes} {unit} ({})", clock(at.time()));
    }
    let today = now.date();
    match (at.date() - today).num_days() {
        0 => format!("at {} today", clock(at.time())),
        -1 | 1 => format!("{} at {}", day(at.date(), today), clock(at.time())),
        _ => format!("{} at {}", on_day(at.date(), today), clock(at.time())),
    }
}

/// An instant as the executor writes it (RFC 3339), on the user's wall clock.
pub(crate) fn local(rfc3339: &str, tz: Tz) -> Option<NaiveDateTime> {
    let at = DateTime::parse_from_rfc3339(rfc3339).ok()?;
    Some(at.with_timezone(&tz).naive_local())
}

/// A task's due time, however the executor wrote it: RFC 3339, local `YYYY-MM-DDTHH:MM[:SS]`, or
/// a bare date (read as its start).
pub(crate) fn local_loose(text: &str, tz: Tz) -> Option<NaiveDateTime> {
    local(text, tz)
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok())
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A recurrence in words, from its RRULE body and first occurrence: "every weekday at 8:00 AM",
/// "every 2 hours", "every month on the 1st at 9:00 AM". `None` for rules it cannot say simply.
pub(crate) fn repeat(rrule: &str, first: NaiveDateTime) -> Option<String> {
    let rule = rrule.trim().trim_start_matches("RRULE:");
    let part = |key: &str| {
        rule.split(';')
            .find_map(|kv| kv.split_once('=').filter(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
    };
    let n: u32 = part("INTERVAL").and_then(|v| v.parse().ok()).unwrap_or(1);
    let numbers = |key: &str| -> Option<Vec<u32>> {
        part(key).map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
    };
    let hours = numbers("BYHOUR").unwrap_or_else(|| vec![first.hour()]);
    let minute = numbers("BYMINUTE").and_then(|m| m.first().copied()).unwrap_or(first.minute());
    let times: Vec<String> =
        hours.iter().filter_map(|h| NaiveTime::from_hms_opt(*h, minute, 0)).map(clock).collect();
    let at = format!("at {}", and_list(&times));
    let every = |one: &str, many: &str| match n {
        1 => format!("every {one}"),
        2 if !matches!(one, "minute" | "hour") => format!("every other {one}"),
        _ => format!("every {n} {many}"),
    };
    match part("FREQ")?.to_ascii_uppercase().as_str() {
        "MINUTELY" => Some(every("minute", "minutes")),
        "HOURLY" => Some(every("hour", "hours")),
        "DAILY" => Some(format!("{} {at}", every("day", "days"))),
        "WEEKLY" => {
            let mut days: Vec<Weekday> = match part("BYDAY") {
                Some(v) => v
                    .split(',')
                    .map(|d| weekday_code(d.trim_start_matches(|c: char| !c.is_ascii_alphabetic())))
                    .collect::<Option<_>>()?,
                None => vec![first.weekday()],
            };
            days.sort_by_key(|d| d.num_days_from_monday());
            days.dedup();
            let names: Vec<String> = days.iter().map(|d| weekday_name(*d).to_owned()).collect();
            let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
            let which = if days == weekdays {
                "weekday".to_owned()
            } else if days.len() == 7 {
                "day".to_owned()
            } else {
                and_list(&names)
            };
            Some(match n {
                1 => format!("every {which} {at}"),
                2 => format!("every other {which} {at}"),
                _ => format!("every {n} weeks on {which} {at}"),
            })
        }
        "MONTHLY" => {
            let on = match (part("BYMONTHDAY"), part("BYDAY")) {
                (Some(d), _) => {
                    let days: Vec<String> = d
                        .split(',')
                        .map(|x| match x.parse::<i32>() {
                            Ok(-1) => Some("last day".to_owned()),
                            Ok(v) if v > 0 => Some(ordinal(v as u32)),
                            _ => None,
                        })
                        .collect::<Option<_>>()?;
                    format!("on the {}", and_list(&days))
                }
                (None, Some(bd)) => {
                    let (nth, code) = bd.split_at(bd.find(|c: char| c.is_ascii_alphabetic())?);
                    let nth = match nth.trim_start_matches('+') {
                        "1" => "first",
                        "2" => "second",
                        "3" => "third",
                        "4" => "fourth",
                        "-1" => "last",
                        _ => return None,
                    };
                    format!("on the {nth} {}", weekday_name(weekday_code(code)?))
                }
                (None, None) => format!("on the {}", ordinal(first.day())),
            };
            Some(format!("{} {on} {at}", every("month", "months")))
        }
        "YEARLY" => Some(format!("{} on {} {at}", every("year", "years"), first.format("%-d %b"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn times_relative_to_now() {
        let now = dt("2026-11-18T14:05");
        assert_eq!(when(dt("2026-11-18T14:25"), now), "in 20 minutes (2:25 PM)");
        assert_eq!(when(dt("2026-11-18T21:00"), now), "at 9:00 PM today");
        assert_eq!(when(dt("2026-11-19T08:00"), now), "tomorrow at 8:00 AM");
        assert_eq!(when(dt("2026-11-20T12:00"), now), "on Friday at 12:00 PM");
        assert_eq!(when(dt("2026-12-03T14:30"), now), "on Thu 3 Dec at 2:30 PM");
        assert_eq!(when(dt("2027-01-02T00:15"), now), "on Sat 2 Jan 2027 at 12:15 AM");
    }

    #[test]
    fn recurrences_in_words() {
        let first = dt("2026-11-19T08:00");
        assert_eq!(repeat("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", first).unwrap(), "every weekday at 8:00 AM");
        assert_eq!(repeat("FREQ=HOURLY;INTERVAL=2", first).unwrap(), "every 2 hours");
        assert_eq!(repeat("FREQ=DAILY;BYHOUR=21;BYMINUTE=0", first).unwrap(), "every day at 9:00 PM");
        assert_eq!(repeat("FREQ=WEEKLY;BYDAY=MO,TH", first).unwrap(), "every Monday and Thursday at 8:00 AM");
        assert_eq!(repeat("FREQ=WEEKLY;INTERVAL=2", first).unwrap(), "every other Thursday at 8:00 AM");
        assert_eq!(repeat("FREQ=MONTHLY;BYMONTHDAY=1", first).unwrap(), "every month on the 1st at 8:00 AM");
        assert_eq!(
            repeat("FREQ=MONTHLY;BYDAY=1MO", first).unwrap(),
            "every month on the first Monday at 8:00 AM"
        );
        assert_eq!(repeat("FREQ=YEARLY", first).unwrap(), "every year on 19 Nov at 8:00 AM");
        assert_eq!(repeat("FREQ=SECONDLY", first), None);
    }
}
