//! Days: "today", "tomorrow", weekdays, "next week", "the weekend", dates.

use chrono::{Datelike as _, Days, Months, NaiveDate, Timelike as _, Weekday};

use crate::expr::Frame;
use crate::place::Now;
use crate::token::Words;
use crate::words::{day_of_month, month, ordinal, weekday};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Day {
    Today,
    Tomorrow,
    AfterTomorrow,
    /// A weekday; `true` when it is the one in next week ("friday next week").
    Weekday(Weekday, bool),
    /// The soonest of several weekdays ("mon or tue", "wed fri").
    AnyOf(Vec<Weekday>),
    NextWeek,
    Weekend,
    NextMonth,
    EndOfWeek,
    EndOfMonth,
    Date {
        y: Option<i32>,
        m: u32,
        d: u32,
    },
    /// "the 3rd": a day of whichever month comes.
    Nth(u32),
    /// "in 3 days": so many months and days from today, at the same time of day.
    Offset {
        months: u32,
        days: u64,
    },
}

impl Day {
    /// The time of day when none is said, in minutes past midnight.
    pub fn default_minutes(&self, now: &Now) -> u32 {
        match self {
            Day::Weekend => 10 * 60,
            Day::EndOfWeek | Day::EndOfMonth => 17 * 60,
            Day::Offset { .. } => now.minutes(),
            _ => 9 * 60,
        }
    }

    /// The dates it can name, soonest first; the first whose time is still ahead is the one.
    pub fn candidates(&self, now: &Now) -> Vec<NaiveDate> {
        let t = now.today;
        let plus = |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n));
        let pair =
            |d: Option<NaiveDate>| d.into_iter().flat_map(|d| [Some(d), plus(d, 7)]).flatten().collect();
        // Before 04:00 "tomorrow" is the day after the night: the calendar's today.
        let tomorrow = if now.local.hour() < 4 { Some(t) } else { plus(t, 1) };
        let from_monday = |d: Weekday| u64::from(d.num_days_from_monday());
        // Days to the soonest such weekday strictly after today: 1 to 7.
        let ahead = |wd: Weekday| (from_monday(wd) + 7 - from_monday(t.weekday()) - 1) % 7 + 1;
        let monday_next = plus(t, 7 - from_monday(t.weekday()));
        match *self {
            Day::Today => [Some(t), plus(t, 1)].into_iter().flatten().collect(),
            Day::Tomorrow => [tomorrow, tomorrow.and_then(|d| plus(d, 1))].into_iter().flatten().collect(),
            Day::AfterTomorrow => [tomorrow.and_then(|d| plus(d, 1)), tomorrow.and_then(|d| plus(d, 2))]
                .into_iter()
                .flatten()
                .collect(),
            Day::Weekday(wd, false) => pair(plus(t, ahead(wd))),
            Day::AnyOf(ref days) => {
                let mut dates: Vec<NaiveDate> = days.iter().flat_map(|d| pair(plus(t, ahead(*d)))).collect();
                dates.sort_unstable();
                dates
            }
            Day::Weekday(wd, true) => pair(monday_next.and_then(|m| plus(m, from_monday(wd)))),
            Day::NextWeek => monday_next.into_iter().collect(),
            Day::Weekend => pair(plus(t, (5 + 7 - from_monday(t.weekday())) % 7)),
            Day::EndOfWeek => pair(plus(t, (4 + 7 - from_monday(t.weekday())) % 7)),
            Day::EndOfMonth => (1..=2u32)
                .filter_map(|n| t.with_day(1)?.checked_add_months(Months::new(n))?.pred_opt())
                .collect(),
            Day::NextMonth => {
                t.with_day(1).and_then(|d| d.checked_add_months(Months::new(1))).into_iter().collect()
            }
            Day::Date { y: Some(y), m, d } => NaiveDate::from_ymd_opt(y, m, d).into_iter().collect(),
            Day::Date { y: None, m, d } => {
                (0..=8).filter_map(|k| NaiveDate::from_ymd_opt(t.year() + k, m, d)).collect()
            }
            Day::Nth(d) => (0..24u32)
                .filter_map(|n| t.with_day(1)?.checked_add_months(Months::new(n))?.with_day(d))
                .collect(),
            Day::Offset { months, days } => {
                t.checked_add_months(Months::new(months)).and_then(|d| plus(d, days)).into_iter().collect()
            }
        }
    }
}

/// A day at word `i`, with the words it takes ("on friday", "until the 3rd").
pub(crate) fn parse(w: &Words, i: usize) -> Option<(Frame, usize)> {
    let (j, until) = if w.any(i, &["until", "till", "til", "thru", "through"]) {
        (i + 1, true)
    } else if w.any(i, &["starting", "beginning"]) {
        (w.opt(i + 1, &["on", "from"]), false)
    } else if w.any(i, &["on", "by", "for", "before", "from", "due"]) {
        (i + 1, false)
    } else {
        (i, false)
    };
    let led = j > i;
    let (day, k, weak) = bare(w, j, led)?;
    let weak = weak && !led;
    let frame = if until {
        Frame { until: Some(day), ..Frame::default() }
    } else {
        Frame { day: Some(day), weak, ..Frame::default() }
    };
    Some((frame, k))
}

/// A day without its leading word: the day, the index after it, and whether it is weak (a word
/// such as "today" or "weekend" that is often said without meaning a time).
fn bare(w: &Words, j: usize, led: bool) -> Option<(Day, usize, bool)> {
    match w.s(j) {
        "today" => return Some((Day::Today, j + 1, true)),
        "tomorrow" => return Some((Day::Tomorrow, j + 1, false)),
        "overmorrow" => return Some((Day::AfterTomorrow, j + 1, false)),
        "eow" => return Some((Day::EndOfWeek, j + 1, false)),
        "eom" => return Some((Day::EndOfMonth, j + 1, false)),
        _ => {}
    }
    if let Some(k) = w.seqs(j, &["the day after tomorrow", "day after tomorrow"]) {
        return Some((Day::AfterTomorrow, k, false));
    }
    let k = w.seqs(j, &["this coming", "this", "coming", "upcoming", "next"]).unwrap_or(j);
    // "tue/thu": the soonest of them.
    if w.s(k).contains('/')
        && let Some(days) = w.s(k).split('/').map(weekday).collect::<Option<Vec<_>>>()
    {
        return Some((Day::AnyOf(days), k + 1, false));
    }
    if let Some(wd) = weekday(w.s(k)) {
        if let Some(e) = w.seq(k + 1, "next week") {
            return Some((Day::Weekday(wd, true), e, false));
        }
        // "monday the 23rd": the date says which Monday.
        if let Some((date, e)) =
            date(w, k + 1, true).filter(|(d, _)| matches!(d, Day::Nth(_) | Day::Date { .. }))
        {
            return Some((date, e, false));
        }
        if let Some(e) = w.seq(k + 1, "this week") {
            return Some((Day::Weekday(wd, false), e, false));
        }
        // "mon or tue", "wed fri": the soonest of them.
        let mut days = vec![wd];
        let mut e = k + 1;
        while let Some(next) = weekday(w.s(w.opt(e, &["and", "or", "&"]))) {
            days.push(next);
            e = w.opt(e, &["and", "or", "&"]) + 1;
        }
        let day = if days.len() > 1 { Day::AnyOf(days) } else { Day::Weekday(wd, false) };
        return Some((day, e, false));
    }
    if let Some(k) = w.seq(j, "next week") {
        let k2 = w.opt(k, &["on"]);
        if let Some(wd) = weekday(w.s(k2)) {
            return Some((Day::Weekday(wd, true), k2 + 1, false));
        }
        return Some((Day::NextWeek, k, false));
    }
    if let Some(k) =
        w.seqs(j, &["this coming weekend", "this weekend", "next weekend", "the weekend", "over the weekend"])
    {
        return Some((Day::Weekend, k, false));
    }
    if w.is(j, "weekend") {
        return Some((Day::Weekend, j + 1, true));
    }
    if let Some(k) = w.seq(j, "next month") {
        return Some((Day::NextMonth, k, false));
    }
    let end = w.opt(j, &["the"]);
    if let Some(k) = w.seqs(end, &["end of the week", "end of this week", "end of week"]) {
        return Some((Day::EndOfWeek, k, false));
    }
    if let Some(k) = w.seqs(end, &["end of the month", "end of this month", "end of month"]) {
        return Some((Day::EndOfMonth, k, false));
    }
    date(w, j, led).map(|(d, k)| (d, k, false))
}

/// A four-digit year after a date.
fn year(w: &Words, k: usize) -> (Option<i32>, usize) {
    match w.s(k).parse::<i32>() {
        Ok(y) if w.s(k).len() == 4 && (2000..=2100).contains(&y) => (Some(y), k + 1),
        _ => (None, k),
    }
}

/// Words after "the 3rd" that show it is no date ("the 3rd floor").
const NOT_A_DATE: &[&str] = &[
    "floor",
    "place",
    "time",
    "times",
    "grade",
    "person",
    "party",
    "try",
    "attempt",
    "round",
    "row",
    "street",
    "st",
    "ave",
    "avenue",
    "level",
    "gen",
    "generation",
    "edition",
    "quarter",
    "base",
    "degree",
    "draft",
    "version",
    "one",
    "step",
    "thing",
    "item",
    "option",
    "question",
    "page",
    "chapter",
    "period",
    "class",
    "lesson",
    "week",
    "day",
    "month",
    "year",
    "hour",
    "minute",
    "of",
];

/// A date: "2026-12-24", "12/24", "march 3", "3rd of march", "the 21st".
fn date(w: &Words, j: usize, led: bool) -> Option<(Day, usize)> {
    let s = w.s(j);
    if s.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
    {
        return Some((Day::Date { y: Some(d.year()), m: d.month(), d: d.day() }, j + 1));
    }
    if s.contains('/') {
        return slashed(s, w.month_first, led).map(|d| (d, j + 1));
    }
    if let Some(m) = month(s) {
        let k = w.opt(j + 1, &["the"]);
        let d = day_of_month(w.s(k))?;
        let (y, e) = year(w, k + 1);
        return Some((Day::Date { y, m, d }, e));
    }
    let k = w.opt(j, &["the"]);
    let d = day_of_month(w.s(k))?;
    let k2 = w.opt(k + 1, &["of"]);
    if let Some(m) = month(w.s(k2)) {
        let (y, e) = year(w, k2 + 1);
        return Some((Day::Date { y, m, d }, e));
    }
    if (k > j || led) && ordinal(w.s(k)).is_some() {
        if let Some(e) = w.seqs(k + 1, &["of the month", "of this month"]) {
            return Some((Day::Nth(d), e));
        }
        if !w.any(k + 1, NOT_A_DATE) {
            return Some((Day::Nth(d), k + 1));
        }
    }
    None
}

/// "12/24", "24/12/2026": month first in American zones, day first elsewhere (either, when
/// only one order makes a date). Small fractions
/// ("1/2", "3/4") are not dates unless something says so ("on 1/2").
fn slashed(s: &str, month_first: bool, led: bool) -> Option<Day> {
    let parts: Vec<&str> = s.split('/').collect();
    if !(2..=3).contains(&parts.len())
        || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if parts[0].len() > 2 || parts[1].len() > 2 {
        return None;
    }
    let a: u32 = parts[0].parse().ok()?;
    let b: u32 = parts[1].parse().ok()?;
    let y = match parts.get(2) {
        Some(y) if y.len() == 2 => Some(2000 + y.parse::<i32>().ok()?),
        Some(y) if y.len() == 4 => Some(y.parse::<i32>().ok()?),
        Some(_) => return None,
        None => None,
    };
    if y.is_none() && !led && a <= 3 && b <= 8 {
        return None;
    }
    let valid = |m: u32, d: u32| (1..=12).contains(&m) && (1..=31).contains(&d);
    // The zone's order, or the other one when only that one is a date ("15/3" in New York).
    let (m, d) = if month_first { (a, b) } else { (b, a) };
    if valid(m, d) {
        return Some(Day::Date { y, m, d });
    }
    valid(d, m).then_some(Day::Date { y, m: d, d: m })
}
