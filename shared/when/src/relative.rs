//! Durations from now: "in 20 minutes", "in an hour and a half", "in 3 days", "in a bit".

use crate::day::Day;
use crate::expr::Frame;
use crate::token::Words;
use crate::words::{Unit, decimal, unit};

/// A duration: months and days count on the calendar (the same time of day so many days on),
/// minutes on the clock (an exact span of time).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Amount {
    pub months: u32,
    pub days: u64,
    pub minutes: i64,
}

impl Amount {
    fn add(self, o: Amount) -> Amount {
        Amount { months: self.months + o.months, days: self.days + o.days, minutes: self.minutes + o.minutes }
    }

    fn minutes(n: i64) -> Amount {
        Amount { minutes: n, ..Amount::default() }
    }
}

/// "a few" is 5 minutes, or 3 of anything longer.
enum Qty {
    N(f64),
    Few,
}

fn qty(w: &Words, j: usize) -> Option<(Qty, usize)> {
    match w.s(j) {
        "a" | "an" if w.is(j + 1, "few") => Some((Qty::Few, j + 2)),
        "a" | "an" if w.is(j + 1, "couple") => Some((Qty::N(2.0), w.opt(j + 2, &["of"]))),
        "a" | "an" => Some((Qty::N(1.0), j + 1)),
        "few" => Some((Qty::Few, j + 1)),
        "couple" => Some((Qty::N(2.0), w.opt(j + 1, &["of"]))),
        "several" => Some((Qty::N(3.0), j + 1)),
        s => decimal(s).map(|n| (Qty::N(n), j + 1)),
    }
}

/// `v` units as an amount; months and years only whole.
fn scale(u: Unit, v: f64) -> Option<Amount> {
    if !(v > 0.0 && v <= 10_000.0) {
        return None;
    }
    let days =
        |d: f64| Amount { days: d.trunc() as u64, minutes: (d.fract() * 1440.0).round() as i64, months: 0 };
    Some(match u {
        Unit::Minute => Amount::minutes(v.round() as i64),
        Unit::Hour => Amount::minutes((v * 60.0).round() as i64),
        Unit::Day => days(v),
        Unit::Week => days(v * 7.0),
        Unit::Fortnight => days(v * 14.0),
        Unit::Month | Unit::Year if v.fract() != 0.0 => return None,
        Unit::Month => Amount { months: v as u32, ..Amount::default() },
        Unit::Year => Amount { months: v as u32 * 12, ..Amount::default() },
    })
}

/// One quantity with its unit: "20 minutes", "half an hour", "an hour and a half", "a few days".
fn term(w: &Words, j: usize) -> Option<(Amount, usize)> {
    if let Some(k) =
        w.seqs(j, &["a quarter of an hour", "quarter of an hour", "a quarter hour", "quarter hour"])
    {
        return Some((Amount::minutes(15), k));
    }
    if w.is(j, "half") || (w.any(j, &["a", "an"]) && w.is(j + 1, "half")) {
        let k = w.opt(if w.is(j, "half") { j + 1 } else { j + 2 }, &["a", "an"]);
        return Some((scale(unit(w.s(k))?, 0.5)?, k + 1));
    }
    let (q, mut k) = qty(w, j)?;
    let mut half = 0.0;
    if let Some(e) = w.seq(k, "and a half") {
        half = 0.5;
        k = e;
    }
    let u = unit(w.s(k))?;
    let mut v = match q {
        Qty::N(n) => n,
        Qty::Few if u == Unit::Minute => 5.0,
        Qty::Few => 3.0,
    } + half;
    let mut e = k + 1;
    if let Some(e2) = w.seq(e, "and a half") {
        v += 0.5;
        e = e2;
    }
    Some((scale(u, v)?, e))
}

/// A sum of quantities: "1 hour 30 minutes", "2 hours and 15 minutes", "1 hour 30".
pub(crate) fn amount(w: &Words, i: usize) -> Option<(Amount, usize)> {
    let (mut a, mut j) = term(w, i)?;
    loop {
        if let Some((b, k)) = term(w, j).or_else(|| if w.is(j, "and") { term(w, j + 1) } else { None }) {
            a = a.add(b);
            j = k;
            continue;
        }
        // "1 hour 30": the minutes after whole hours.
        let n = w.s(j);
        if a.minutes > 0
            && a.minutes % 60 == 0
            && n.len() <= 2
            && let Ok(m @ 1..=59) = n.parse::<i64>()
        {
            a = a.add(Amount::minutes(m));
            j += 1;
        }
        return Some((a, j));
    }
}

/// A frame for an amount: calendar-only amounts are days ("in 3 days at 5pm" can take a time),
/// the others exact instants.
fn frame(a: Amount, weak: bool) -> Frame {
    if a.minutes == 0 {
        Frame { day: Some(Day::Offset { months: a.months, days: a.days }), ..Frame::default() }
    } else {
        Frame { rel: Some(a), weak, ..Frame::default() }
    }
}

/// Words that may follow "in 20" when it means minutes.
const AFTER_BARE: &[&str] = &["to", "and", "please", "thanks", "then", "ok", "okay", "or", "pls"];

/// A duration from now at word `i`.
pub(crate) fn parse(w: &Words, i: usize) -> Option<(Frame, usize)> {
    if w.any(i, &["in", "after", "within"]) {
        // "in about an hour", "in like 20 min"
        let j =
            w.opt(i + 1, &["about", "around", "roughly", "approximately", "approx", "like", "maybe", "just"]);
        if let Some((a, k)) = amount(w, j) {
            let k = w.seqs(k, &["from now", "time"]).unwrap_or(k);
            let k = w.seqs(k, &["or so", "ish"]).unwrap_or(k);
            return Some((frame(a, false), k));
        }
        if let Some(k) = w.seqs(j, &["a little bit", "a little while", "a bit", "a little"]) {
            return Some((frame(Amount::minutes(30), false), k));
        }
        if let Some(k) = w.seq(j, "a while") {
            return Some((frame(Amount::minutes(60), false), k));
        }
        // "in 20": minutes, when nothing else follows the number.
        let n = w.s(j);
        let ends = j + 1 >= w.len() || w.toks[j + 1].brk || w.any(j + 1, AFTER_BARE);
        if w.is(i, "in")
            && ends
            && n.len() <= 3
            && n.bytes().all(|b| b.is_ascii_digit())
            && let Ok(m @ 1..=240) = n.parse::<i64>()
        {
            return Some((frame(Amount::minutes(m), false), j + 1));
        }
        return None;
    }
    if let Some((a, k)) = amount(w, i) {
        if let Some(e) = w.seqs(k, &["from now", "from today"]) {
            return Some((frame(a, false), e));
        }
        if let Some(e) = w.seq(k, "from tomorrow") {
            return Some((frame(a.add(Amount { days: 1, ..Amount::default() }), false), e));
        }
        return None;
    }
    if w.is(i, "later") {
        let k = w.seqs(i + 1, &["on today", "today", "on"]).unwrap_or(i + 1);
        return Some((frame(Amount::minutes(180), k == i + 1), k));
    }
    None
}
