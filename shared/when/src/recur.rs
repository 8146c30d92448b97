//! Repetition: "every weekday at 8", "mondays and wednesdays", "every 2 hours", "monthly on the
//! 1st", and the first time it fires.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Utc, Weekday};

use crate::clock::Clock;
use crate::expr::Frame;
use crate::place::{Now, wall};
use crate::token::Words;
use crate::words::{Unit, day_of_month, month, number, ordinal, unit, weekday, weekdays};
use crate::{Schedule, resolve};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freq {
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Recur {
    pub freq: Freq,
    pub interval: u32,
    pub byday: Vec<Weekday>,
    pub bymonthday: Option<u32>,
    pub bymonth: Option<u32>,
}

const WORKWEEK: [Weekday; 5] = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
const WEEKEND: [Weekday; 2] = [Weekday::Sat, Weekday::Sun];

impl Recur {
    fn new(freq: Freq) -> Self {
        Self { freq, interval: 1, byday: Vec::new(), bymonthday: None, bymonth: None }
    }

    fn every(freq: Freq, interval: u32) -> Self {
        Self { interval, ..Self::new(freq) }
    }

    fn on(days: &[Weekday]) -> Self {
        Self { byday: days.to_vec(), ..Self::new(Freq::Weekly) }
    }

    /// Whether a date is one the rule fires on.
    fn matches(&self, d: NaiveDate) -> bool {
        (self.byday.is_empty() || self.byday.contains(&d.weekday()))
            && self.bymonthday.is_none_or(|m| d.day() == m)
            && self.bymonth.is_none_or(|m| d.month() == m)
    }

    /// The RRULE body. `shift` moves BYDAY one day on, for times past midnight ("every friday
    /// at midnight" fires as Saturday begins); `hours` are the hours of a rule that fires more
    /// than once a day.
    fn rule(&self, shift: bool, hours: &[u32], until: Option<DateTime<Utc>>) -> String {
        let freq = match self.freq {
            Freq::Minutely => "MINUTELY",
            Freq::Hourly => "HOURLY",
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
            Freq::Yearly => "YEARLY",
        };
        let mut r = format!("FREQ={freq}");
        if self.interval > 1 {
            r.push_str(&format!(";INTERVAL={}", self.interval));
        }
        if let Some(m) = self.bymonth {
            r.push_str(&format!(";BYMONTH={m}"));
        }
        if let Some(d) = self.bymonthday {
            r.push_str(&format!(";BYMONTHDAY={d}"));
        }
        if !self.byday.is_empty() {
            let mut days: Vec<Weekday> =
                self.byday.iter().map(|d| if shift { d.succ() } else { *d }).collect();
            days.sort_by_key(Weekday::num_days_from_monday);
            days.dedup();
            let names: Vec<&str> = days.iter().map(|d| abbrev(*d)).collect();
            r.push_str(&format!(";BYDAY={}", names.join(",")));
        }
        if !hours.is_empty() {
            let hours: Vec<String> = hours.iter().map(u32::to_string).collect();
            r.push_str(&format!(";BYHOUR={}", hours.join(",")));
        }
        if let Some(u) = until {
            r.push_str(&format!(";UNTIL={}", u.format("%Y%m%dT%H%M%SZ")));
        }
        r
    }
}

fn abbrev(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn found(r: Recur, k: usize) -> Option<(Frame, usize)> {
    Some((Frame { recur: Some(r), ..Frame::default() }, k))
}

/// A repetition at word `i`, with the words it takes.
pub(crate) fn parse(w: &Words, i: usize) -> Option<(Frame, usize)> {
    let (mut frame, k) = head(w, i)?;
    let r = frame.recur.as_mut()?;
    let mut k = k;
    // "every day except sunday", "daily except weekends"
    if let Some(j) = w.seqs(k, &["except on", "except for", "except", "excluding", "but not on", "but not"])
        && r.freq == Freq::Daily
        && r.interval == 1
    {
        let skip = match w.s(j) {
            "weekend" | "weekends" => Some((WEEKEND.to_vec(), j + 1)),
            "weekday" | "weekdays" => Some((WORKWEEK.to_vec(), j + 1)),
            _ => weekday_list(w, j, true),
        };
        if let Some((skip, e)) = skip {
            let all = WORKWEEK.iter().chain(&WEEKEND);
            *r = Recur::on(&all.filter(|d| !skip.contains(d)).copied().collect::<Vec<_>>());
            k = e;
        }
    }
    // Qualifiers: "weekly on friday", "every month on the 1st", "every year on march 3".
    match r.freq {
        Freq::Weekly if r.byday.is_empty() => {
            if let Some((days, e)) = weekday_list(w, w.opt(k, &["on"]), true) {
                r.byday = days;
                k = e;
            }
        }
        Freq::Monthly if r.bymonthday.is_none() => {
            let on = w.opt(k, &["on"]);
            let j = w.opt(on, &["the"]);
            if let Some(d) = day_of_month(w.s(j))
                && (j > on || ordinal(w.s(j)).is_some())
            {
                r.bymonthday = Some(d);
                k = w.seq(j + 1, "of the month").unwrap_or(j + 1);
            }
        }
        Freq::Yearly if r.bymonth.is_none() => {
            if let Some((m, d, e)) = month_day(w, w.opt(k, &["on"])) {
                r.bymonth = Some(m);
                r.bymonthday = Some(d);
                k = e;
            }
        }
        _ => {}
    }
    // "every weekday morning", "every monday night"
    if frame.part.is_none()
        && matches!(frame.recur.as_ref()?.freq, Freq::Daily | Freq::Weekly)
        && let Some(p) = part_word(w.s(k))
    {
        frame.part = Some(p);
        k += 1;
    }
    Some((frame, k))
}

fn part_word(s: &str) -> Option<crate::clock::Part> {
    use crate::clock::Part;
    match s {
        "morning" | "mornings" => Some(Part::Morning),
        "afternoon" | "afternoons" => Some(Part::Afternoon),
        "evening" | "evenings" => Some(Part::Evening),
        "night" | "nights" => Some(Part::Night),
        _ => None,
    }
}

/// "march 3", "3rd of march", "the 3rd of march": month and day.
fn month_day(w: &Words, j: usize) -> Option<(u32, u32, usize)> {
    if let Some(m) = month(w.s(j)) {
        let k = w.opt(j + 1, &["the"]);
        return Some((m, day_of_month(w.s(k))?, k + 1));
    }
    let k = w.opt(j, &["the"]);
    let d = day_of_month(w.s(k))?;
    let k2 = w.opt(k + 1, &["of"]);
    Some((month(w.s(k2))?, d, k2 + 1))
}

/// "monday", "mon and wed", "monday, wednesday and friday", "monday to friday",
/// "monday-friday"; plural names ("mondays") too when `plural` allows them.
fn weekday_list(w: &Words, j: usize, plural: bool) -> Option<(Vec<Weekday>, usize)> {
    let one = |s: &str| weekday(s).or_else(|| if plural { weekdays(s) } else { None });
    let range = |a: Weekday, b: Weekday| {
        let mut v = vec![a];
        let mut d = a;
        while d != b {
            d = d.succ();
            v.push(d);
        }
        v
    };
    let mut days = Vec::new();
    let mut k = j;
    loop {
        let s = w.s(k);
        let listed: Option<Vec<Weekday>> =
            if s.contains('/') { s.split('/').map(one).collect() } else { None };
        if let Some(list) = listed {
            days.extend(list);
            k += 1;
        } else if let Some((a, b)) = s.split_once('-')
            && let (Some(a), Some(b)) = (one(a), one(b))
        {
            days.extend(range(a, b));
            k += 1;
        } else if let Some(a) = one(s) {
            if w.any(k + 1, &["to", "through", "thru", "till", "until"])
                && let Some(b) = one(w.s(k + 2))
            {
                days.extend(range(a, b));
                k += 3;
            } else {
                days.push(a);
                k += 1;
            }
        } else {
            break;
        }
        // "and", "&", "or" only when another day follows.
        if w.any(k, &["and", "&", "or"]) && one(w.s(k + 1)).is_some() {
            k += 1;
        }
    }
    (!days.is_empty()).then_some((days, k))
}

/// The frequency a unit repeats at, every `n` of them; `None` for a minutely rule under 5
/// minutes (a reminder every minute helps no one).
fn of_unit(u: Unit, n: u32) -> Option<Recur> {
    Some(match u {
        Unit::Minute if n < 5 => return None,
        Unit::Minute if n.is_multiple_of(60) => Recur::every(Freq::Hourly, n / 60),
        Unit::Minute => Recur::every(Freq::Minutely, n),
        Unit::Hour => Recur::every(Freq::Hourly, n),
        Unit::Day => Recur::every(Freq::Daily, n),
        Unit::Week => Recur::every(Freq::Weekly, n),
        Unit::Fortnight => Recur::every(Freq::Weekly, 2 * n),
        Unit::Month => Recur::every(Freq::Monthly, n),
        Unit::Year => Recur::every(Freq::Yearly, n),
    })
}

/// The words that start a repetition.
fn head(w: &Words, i: usize) -> Option<(Frame, usize)> {
    let single = |s: &str| {
        Some(match s {
            "daily" | "everyday" => Recur::new(Freq::Daily),
            "weekly" => Recur::new(Freq::Weekly),
            "biweekly" | "fortnightly" => Recur::every(Freq::Weekly, 2),
            "monthly" => Recur::new(Freq::Monthly),
            "yearly" | "annually" => Recur::new(Freq::Yearly),
            "hourly" => Recur::new(Freq::Hourly),
            _ => return None,
        })
    };
    if let Some(r) = single(w.s(i)) {
        return found(r, i + 1);
    }
    if w.is(i, "nightly") {
        return Some((
            Frame { recur: Some(Recur::new(Freq::Daily)), part: part_word("night"), ..Frame::default() },
            i + 1,
        ));
    }
    // "once a week", "once per day"
    if w.is(i, "once") && w.any(i + 1, &["a", "an", "per", "every", "each"]) {
        let r = of_unit(unit(w.s(i + 2))?, 1)?;
        return found(r, i + 3);
    }
    // "on weekdays", "weekends", "mondays and wednesdays", "on the 1st of every month"
    let j = w.opt(i, &["on"]);
    match w.s(j) {
        "weekdays" => return found(Recur::on(&WORKWEEK), j + 1),
        "weekends" => return found(Recur::on(&WEEKEND), j + 1),
        _ => {}
    }
    if weekdays(w.s(j)).is_some() {
        let (days, k) = weekday_list(w, j, true)?;
        return found(Recur::on(&days), k);
    }
    // "mornings at 7", "weeknights", "weekday mornings"
    let s = w.s(j);
    if let Some(p) = part_word(s).filter(|_| s.ends_with('s')) {
        return Some((
            Frame { recur: Some(Recur::new(Freq::Daily)), part: Some(p), ..Frame::default() },
            j + 1,
        ));
    }
    if s == "weeknights" {
        return Some((
            Frame { recur: Some(Recur::on(&WORKWEEK)), part: part_word("night"), ..Frame::default() },
            j + 1,
        ));
    }
    if let Some(days) = match s {
        "weekday" => Some(&WORKWEEK[..]),
        "weekend" => Some(&WEEKEND[..]),
        _ => None,
    } && w.s(j + 1).ends_with('s')
        && part_word(w.s(j + 1)).is_some()
    {
        return found(Recur::on(days), j + 1);
    }
    let d = w.opt(j, &["the"]);
    if let Some(n) = ordinal(w.s(d))
        && let Some(k) = w.seqs(d + 1, &["of every month", "of each month"])
    {
        return found(Recur { bymonthday: Some(n), ..Recur::new(Freq::Monthly) }, k);
    }
    if !w.any(i, &["every", "each"]) {
        return None;
    }
    let j = w.opt(i + 1, &["single"]);
    let s = w.s(j);
    let part = part_word(s).filter(|_| !s.ends_with('s'));
    if let Some(p) = part {
        return Some((
            Frame { recur: Some(Recur::new(Freq::Daily)), part: Some(p), ..Frame::default() },
            j + 1,
        ));
    }
    let r = match s {
        "day" => Recur::new(Freq::Daily),
        "weekday" | "weekdays" => Recur::on(&WORKWEEK),
        "weekend" | "weekends" => Recur::on(&WEEKEND),
        "week" => Recur::new(Freq::Weekly),
        "fortnight" => Recur::every(Freq::Weekly, 2),
        "month" => Recur::new(Freq::Monthly),
        "year" => Recur::new(Freq::Yearly),
        "hour" => Recur::new(Freq::Hourly),
        "minute" => return None,
        "other" => {
            if let Some((days, k)) = weekday_list(w, j + 1, false) {
                return found(Recur { interval: 2, ..Recur::on(&days) }, k);
            }
            let r = of_unit(unit(w.s(j + 1))?, 2)?;
            return found(r, j + 2);
        }
        "half" => {
            let k = w.opt(j + 1, &["an", "a"]);
            unit(w.s(k)).filter(|u| *u == Unit::Hour)?;
            return found(Recur::every(Freq::Minutely, 30), k + 1);
        }
        _ => {
            if let Some((days, k)) = weekday_list(w, j, true) {
                return found(Recur::on(&days), k);
            }
            if let Some((m, d, k)) = month_day(w, j) {
                return found(Recur { bymonth: Some(m), bymonthday: Some(d), ..Recur::new(Freq::Yearly) }, k);
            }
            if let Some(d) = ordinal(w.s(w.opt(j, &["the"]))) {
                let k = w.opt(j, &["the"]) + 1;
                let k = w.seqs(k, &["of the month", "of every month", "of each month"]).unwrap_or(k);
                return found(Recur { bymonthday: Some(d), ..Recur::new(Freq::Monthly) }, k);
            }
            let n = number(s).filter(|n| *n >= 1)?;
            let r = of_unit(unit(w.s(j + 1))?, n)?;
            return found(r, j + 2);
        }
    };
    found(r, j + 1)
}

/// The time of day a day-or-longer rule fires at, in minutes past midnight.
fn minutes(r: &Recur, f: &Frame, clock: Option<Clock>) -> u32 {
    match (clock, f.part) {
        (Some(c), Some(p)) => p.clock(c),
        (Some(c), None) => Clock::on_day(c),
        (None, Some(p)) => p.default_minutes(),
        (None, None) if r.byday == WEEKEND => 10 * 60,
        (None, None) => 9 * 60,
    }
}

/// The rule and its first firing strictly after now.
pub(crate) fn schedule(r: &Recur, f: &Frame, now: &Now) -> Option<Schedule> {
    let until = match (&f.until, f.until_clock) {
        // The time named ("until 5pm", "until friday at noon").
        (d, Some(c)) => {
            match resolve::schedule(&Frame { day: d.clone(), clock: Some(c), ..Frame::default() }, now)? {
                Schedule::Once { at, .. } => Some(at),
                Schedule::Every { .. } => return None,
            }
        }
        // The end of the day named, on the wall clock.
        (Some(d), None) => {
            let last = *d.candidates(now).first()?;
            Some(now.instant(wall(last, 24 * 60)) - chrono::Duration::seconds(1))
        }
        (None, None) => None,
    };
    if matches!(r.freq, Freq::Minutely | Freq::Hourly) {
        let step = i64::from(r.interval) * if r.freq == Freq::Hourly { 60 } else { 1 };
        // "every 2 hours from 9am" starts at the time named; otherwise one step from now.
        let first_at = if f.clock.is_some() || f.part.is_some() || f.day.is_some() {
            let start = Frame { recur: None, until: None, until_clock: None, ..f.clone() };
            match resolve::schedule(&start, now)? {
                Schedule::Once { at, .. } => at,
                Schedule::Every { .. } => return None,
            }
        } else {
            now.after(step)
        };
        if until.is_some_and(|u| first_at > u) {
            return None;
        }
        return Some(Schedule::Every {
            rrule: r.rule(false, &[], until),
            first: now.local_of(first_at),
            first_at,
        });
    }
    let mut times: Vec<u32> = f.clock.iter().chain(&f.also).map(|c| minutes(r, f, Some(*c))).collect();
    if times.is_empty() {
        times.push(minutes(r, f, None));
    }
    // Several times a day ("at 8am and 8pm") are one rule with BYHOUR when they share their
    // minutes (DTSTART gives the minutes); otherwise only the first time is kept.
    let same_minutes = times.iter().all(|m| *m < 24 * 60 && m % 60 == times[0] % 60);
    if times.len() > 1 && same_minutes {
        times.sort_unstable();
        times.dedup();
    } else {
        times.truncate(1);
    }
    let hours: Vec<u32> = if times.len() > 1 { times.iter().map(|m| m / 60).collect() } else { Vec::new() };
    // Past midnight ("every night at 1", "every friday at midnight") belongs to the day before
    // on a weekly rule; a monthly or yearly one fires as its own date begins.
    let shift = times[0] >= 24 * 60 && !matches!(r.freq, Freq::Monthly | Freq::Yearly);
    if !shift {
        times[0] %= 24 * 60;
    }
    let start = match &f.day {
        Some(d) => *d.candidates(now).first()?,
        None => now.today,
    };
    let start = if shift { start.pred_opt()? } else { start };
    // Nine years covers every yearly date, 29 February included.
    let first = (0..366 * 9)
        .filter_map(|n| start.checked_add_days(Days::new(n)))
        .filter(|d| r.matches(*d))
        .flat_map(|d| times.iter().map(move |m| wall(d, *m)))
        .find(|l| now.ahead(*l))?;
    let first_at = now.instant(first);
    if until.is_some_and(|u| first_at > u) {
        return None;
    }
    let rrule = r.rule(shift && !r.byday.is_empty(), &hours, until);
    Some(Schedule::Every { rrule, first, first_at })
}
