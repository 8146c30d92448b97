//! From what an expression says to a moment on the timeline.

use chrono::{Days, Duration, Months};

use crate::Schedule;
use crate::day::Day;
use crate::expr::Frame;
use crate::place::{Now, wall};
use crate::recur;
use crate::relative::Amount;

/// "in a bit": what "this afternoon" means once the afternoon has begun.
const A_BIT: i64 = 30;

pub(crate) fn schedule(f: &Frame, now: &Now) -> Option<Schedule> {
    if let Some(r) = &f.recur {
        return recur::schedule(r, f, now);
    }
    if !f.also.is_empty() {
        // One moment at several times: the soonest of them.
        let each =
            f.clock.iter().chain(&f.also).map(|c| Frame { clock: Some(*c), also: Vec::new(), ..f.clone() });
        return each.filter_map(|g| schedule(&g, now)).min_by_key(|s| match s {
            Schedule::Once { at, .. } | Schedule::Every { first_at: at, .. } => *at,
        });
    }
    if let Some(a) = f.rel {
        return relative(a, now);
    }
    if f.clock.is_none() && f.until_clock.is_some() {
        // "work until 5pm", with nothing to end: the time itself.
        return schedule(&Frame { clock: f.until_clock, until_clock: None, ..f.clone() }, now);
    }
    match f.day.as_ref().or(f.until.as_ref()) {
        None => time_only(f, now),
        Some(Day::Today) => today(f, now),
        Some(d) => on_day(d, f, now),
    }
}

/// An exact span from now: the calendar part moves the wall clock, the rest is added to the
/// instant, which is then truncated to the minute.
fn relative(a: Amount, now: &Now) -> Option<Schedule> {
    let mut at = now.at;
    if a.months > 0 || a.days > 0 {
        let local =
            now.local.checked_add_months(Months::new(a.months))?.checked_add_days(Days::new(a.days))?;
        at = now.instant(local);
    }
    Some(now.exact(at + Duration::minutes(a.minutes)))
}

/// A time without a day: the next time it comes.
fn time_only(f: &Frame, now: &Now) -> Option<Schedule> {
    let days: Vec<_> = (0..3).filter_map(|n| now.today.checked_add_days(Days::new(n))).collect();
    if let Some(c) = f.clock {
        let choices = match f.part {
            Some(p) => vec![p.clock(c)],
            None => c.today_choices(),
        };
        let local = days.iter().flat_map(|d| choices.iter().map(|m| wall(*d, *m))).find(|l| now.ahead(*l))?;
        return Some(now.once(local));
    }
    let p = f.part?;
    let today = wall(now.today, p.default_minutes());
    if now.ahead(today) {
        return Some(now.once(today));
    }
    if f.this && now.minutes() < p.end_minutes() {
        return Some(now.exact(now.after(A_BIT)));
    }
    Some(now.once(wall(*days.get(1)?, p.default_minutes())))
}

/// "today": with a time, the time; alone, 09:00 if still ahead, else 17:00 if still ahead,
/// else in a bit.
fn today(f: &Frame, now: &Now) -> Option<Schedule> {
    if f.clock.is_some() || f.part.is_some() {
        return time_only(&Frame { this: true, ..f.clone() }, now);
    }
    for m in [9 * 60, 17 * 60] {
        let l = wall(now.today, m);
        if now.ahead(l) {
            return Some(now.once(l));
        }
    }
    Some(now.exact(now.after(A_BIT)))
}

/// A day, at the time said or the day's default time: the first date it can name whose time
/// is still ahead.
fn on_day(d: &Day, f: &Frame, now: &Now) -> Option<Schedule> {
    let mins = match (f.clock, f.part) {
        (Some(c), Some(p)) => p.clock(c),
        (Some(c), None) => c.on_day(),
        (None, Some(p)) => p.default_minutes(),
        (None, None) => d.default_minutes(now),
    };
    let local = d.candidates(now).into_iter().map(|date| wall(date, mins)).find(|l| now.ahead(*l))?;
    Some(now.once(local))
}
