//! Times of day: clock times ("9pm", "21:00", "at 9"), named ones ("noon", "midnight") and
//! parts of the day ("tonight", "in the morning", "end of day").

use crate::expr::Frame;
use crate::token::Words;
use crate::words::word_number;

/// How a clock time says which half of the day it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mer {
    Am,
    Pm,
    /// "at 9", "9:30": 1 to 12 with nothing said; the context decides.
    Bare,
    /// "21:00", "09:00", "noon": no doubt.
    Exact,
}

/// A time on the clock; hour 24 is midnight at the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub h: u32,
    pub m: u32,
    pub mer: Mer,
}

impl Clock {
    const fn new(h: u32, m: u32, mer: Mer) -> Self {
        Self { h, m, mer }
    }

    /// Minutes past midnight when said with a day that is not today ("tomorrow at 7"): a bare
    /// 1–6 is in the afternoon (nobody sets a reminder for 5am by saying "at 5"), 7–11 in the
    /// morning, 12 is noon.
    pub fn on_day(self) -> u32 {
        match self.mer {
            Mer::Bare if (1..=6).contains(&self.h) => (self.h + 12) * 60 + self.m,
            _ => self.fixed(),
        }
    }

    /// The minutes to try, in order, for a clock time with no day: a bare 7–11 is whichever
    /// of the morning and the evening time comes first.
    pub fn today_choices(self) -> Vec<u32> {
        match self.mer {
            Mer::Bare if (7..=11).contains(&self.h) => {
                vec![self.h * 60 + self.m, (self.h + 12) * 60 + self.m]
            }
            _ => vec![self.on_day()],
        }
    }

    /// Minutes past midnight with am/pm applied and a bare hour taken as written.
    fn fixed(self) -> u32 {
        let h = match self.mer {
            Mer::Am => self.h % 12,
            Mer::Pm => self.h % 12 + 12,
            Mer::Bare | Mer::Exact => self.h,
        };
        h * 60 + self.m
    }
}

/// A part of the day, with the time it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    FirstThing,
    Morning,
    Lunch,
    AfterLunch,
    Afternoon,
    EndOfDay,
    AfterWork,
    Dinner,
    AfterDinner,
    Evening,
    Night,
    Bedtime,
}

impl Part {
    /// The time it stands for, in minutes past midnight.
    pub fn default_minutes(self) -> u32 {
        match self {
            Part::FirstThing => 8 * 60,
            Part::Morning => 9 * 60,
            Part::Lunch => 12 * 60,
            Part::AfterLunch => 13 * 60,
            Part::Afternoon => 15 * 60,
            Part::EndOfDay => 17 * 60,
            Part::AfterWork => 17 * 60 + 30,
            Part::Dinner => 18 * 60,
            Part::AfterDinner | Part::Evening => 19 * 60,
            Part::Night => 20 * 60,
            Part::Bedtime => 22 * 60,
        }
    }

    /// When it is over (minutes past midnight): "this afternoon" said at 16:00 is still soon.
    pub fn end_minutes(self) -> u32 {
        60 * match self {
            Part::FirstThing | Part::Morning => 12,
            Part::Lunch => 14,
            Part::AfterLunch | Part::Afternoon | Part::EndOfDay => 17,
            Part::Dinner => 21,
            Part::AfterWork | Part::AfterDinner | Part::Evening => 22,
            Part::Night | Part::Bedtime => 24,
        }
    }

    /// A clock time said within this part: "tonight at 9" is 21:00, "in the morning at 10" is
    /// 10:00, "at night at 1" is 01:00 after the night's midnight, "tonight at 12" is midnight.
    pub fn clock(self, c: Clock) -> u32 {
        if c.mer != Mer::Bare {
            return c.fixed();
        }
        let h = match self {
            Part::FirstThing | Part::Morning => c.h % 12,
            Part::Night | Part::Bedtime => match c.h {
                1..=4 => c.h + 24,
                12 => 24,
                _ => c.h + 12,
            },
            _ if c.h == 12 => 12,
            _ => c.h + 12,
        };
        h * 60 + c.m
    }
}

/// A part of the day or a clock time at word `i`, with the words it takes.
pub(crate) fn parse(w: &Words, i: usize, after_day: bool) -> Option<(Frame, usize)> {
    // "until 5pm": when a repetition ends.
    if w.any(i, &["until", "till", "til"]) {
        let (f, k) = clock(w, i + 1, true)?;
        return f.also.is_empty().then(|| (Frame { until_clock: f.clock, ..Frame::default() }, k));
    }
    let a = part(w, i);
    let b = clock(w, i, after_day);
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.1 > a.1 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Words that may stand before a clock time.
fn lead(w: &Words, i: usize) -> (usize, bool) {
    // "every 2 hours starting at 9"
    if w.any(i, &["starting", "beginning"]) {
        return (w.opt(i + 1, &["at", "from", "@"]), true);
    }
    if w.any(i, &["at", "@", "by", "before", "b4"]) {
        let j = w.opt(i + 1, &["around", "about", "approx", "approximately", "exactly"]);
        return (j, true);
    }
    if w.any(i, &["around", "~"]) {
        return (i + 1, true);
    }
    (i, false)
}

fn meridiem(s: &str) -> Option<Mer> {
    match s {
        "am" | "a.m" | "a" => Some(Mer::Am),
        "pm" | "p.m" | "p" => Some(Mer::Pm),
        _ => None,
    }
}

/// How a clock time was written.
#[derive(PartialEq)]
enum Form {
    /// "9", "21"
    Plain,
    /// "9:30", "09:00"
    Colon,
    /// "9.30"
    Dot,
}

/// "9", "9pm", "9:30", "9:30pm", "9.30pm", "21:00": hour, minutes, am/pm, form, and whether the
/// hour had a leading zero.
fn clock_word(s: &str) -> Option<(u32, u32, Option<Mer>, Form, bool)> {
    let digits_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if digits_end == 0 || digits_end > 2 {
        return None;
    }
    let h: u32 = s[..digits_end].parse().ok()?;
    let zero = digits_end == 2 && s.starts_with('0');
    let mut rest = &s[digits_end..];
    let mut m = 0;
    let mut form = Form::Plain;
    if let Some(r) = rest
        .strip_prefix(':')
        .map(|r| (r, Form::Colon))
        .or_else(|| rest.strip_prefix('.').map(|r| (r, Form::Dot)))
    {
        let (r, f) = r;
        if r.len() < 2 || !r.as_bytes()[..2].iter().all(u8::is_ascii_digit) {
            return None;
        }
        m = r[..2].parse().ok()?;
        rest = &r[2..];
        form = f;
    }
    let mer = if rest.is_empty() { None } else { Some(meridiem(rest)?) };
    (m < 60).then_some((h, m, mer, form, zero))
}

fn clock(w: &Words, i: usize, after_day: bool) -> Option<(Frame, usize)> {
    let (j, lead) = lead(w, i);
    let found = |c: Clock, k: usize| Some((Frame { clock: Some(c), ..Frame::default() }, k));
    // "12 noon"
    let j2 = if w.is(j, "12") && w.is(j + 1, "noon") { j + 1 } else { j };
    match w.s(j2) {
        "noon" | "midday" | "12noon" => return found(Clock::new(12, 0, Mer::Exact), j2 + 1),
        "midnight" => return found(Clock::new(24, 0, Mer::Exact), j2 + 1),
        _ => {}
    }
    // "half past 9", "quarter to 10"
    if w.any(j, &["half", "quarter"]) && w.any(j + 1, &["past", "after", "to", "til", "before"]) {
        let h = w
            .s(j + 2)
            .parse::<u32>()
            .ok()
            .or_else(|| word_number(w.s(j + 2)))
            .filter(|h| (1..=12).contains(h))?;
        let (h, m) = match (w.s(j), w.s(j + 1)) {
            ("half", "past" | "after") => (h, 30),
            ("half", _) => return None,
            ("quarter", "past" | "after") => (h, 15),
            _ => (if h == 1 { 12 } else { h - 1 }, 45),
        };
        let mer = meridiem(w.s(j + 3));
        return found(Clock::new(h, m, mer.unwrap_or(Mer::Bare)), j + 3 + usize::from(mer.is_some()));
    }
    let (h, m, mut mer, form, zero, word) = match clock_word(w.s(j)) {
        Some((h, m, mer, form, zero)) => (h, m, mer, form, zero, false),
        None => (word_number(w.s(j))?, 0, None, Form::Plain, false, true),
    };
    let mut k = j + 1;
    let mut oclock = false;
    if mer.is_none() {
        if let Some(m) = meridiem(w.s(k)).filter(|_| !matches!(w.s(k), "a" | "p")) {
            mer = Some(m);
            k += 1;
        } else if w.any(k, &["o'clock", "oclock"]) {
            oclock = true;
            k += 1;
        }
    }
    let clock = match mer {
        Some(mer) => {
            if !(1..=12).contains(&h) {
                return None;
            }
            Clock::new(h, m, mer)
        }
        None => {
            let said = lead || oclock || form == Form::Colon || (after_day && !word);
            if !said || (form == Form::Dot && !lead) || h > 23 || (word && !(1..=12).contains(&h)) {
                return None;
            }
            let exact = zero || h == 0 || h >= 13;
            Clock::new(h, m, if exact { Mer::Exact } else { Mer::Bare })
        }
    };
    // "at 8am and 8pm": more times with the first.
    if w.any(k, &["and", "&"])
        && let Some((more, e)) = self::clock(w, k + 1, false)
        && let Some(c) = more.clock
    {
        let also = [vec![c], more.also].concat();
        return Some((Frame { clock: Some(clock), also, ..Frame::default() }, e));
    }
    found(clock, k)
}

/// Parts of the day. A part word on its own ("morning") is marked weak: it is often not about
/// time ("good morning").
fn part(w: &Words, i: usize) -> Option<(Frame, usize)> {
    let found = |p: Part, this: bool, weak: bool, k: usize| {
        Some((Frame { part: Some(p), this, weak, ..Frame::default() }, k))
    };
    // "later tonight", "later this afternoon", "by tonight"
    let i =
        if w.any(i, &["later", "by", "before"]) && w.any(i + 1, &["tonight", "this"]) { i + 1 } else { i };
    let named = |s: &str| match s {
        "morning" => Some(Part::Morning),
        "afternoon" => Some(Part::Afternoon),
        "evening" => Some(Part::Evening),
        "night" => Some(Part::Night),
        _ => None,
    };
    if w.is(i, "tonight") {
        return found(Part::Night, true, false, i + 1);
    }
    if w.is(i, "this") {
        let p = named(w.s(i + 1)).filter(|p| *p != Part::Night)?;
        return found(p, true, false, i + 2);
    }
    if let Some(j) = w.seqs(i, &["in the", "during the", "early in the", "late in the"]) {
        let p = named(w.s(j)).filter(|p| *p != Part::Night)?;
        return found(p, false, false, j + 1);
    }
    if let Some(j) = w.seq(i, "first thing") {
        let k = w.seq(j, "in the morning").unwrap_or(j);
        return found(Part::FirstThing, false, false, k);
    }
    // "eod", "by end of day", "by the end of the day", "close of business"
    let (j, led) = match w.s(i) {
        "at" | "by" | "before" | "around" => (w.opt(i + 1, &["the"]), true),
        _ => (i, false),
    };
    if let Some(k) = w.seqs(
        j,
        &[
            "end of day",
            "end of the day",
            "end of today",
            "eod",
            "cob",
            "eob",
            "close of business",
            "end of business",
            "end of the business day",
        ],
    ) {
        return found(Part::EndOfDay, false, false, k);
    }
    if w.is(i, "after") {
        let p = match w.s(i + 1) {
            "lunch" => Part::AfterLunch,
            "work" => Part::AfterWork,
            "dinner" | "supper" => Part::AfterDinner,
            _ => return None,
        };
        return found(p, false, false, i + 2);
    }
    if led {
        let p = match w.s(j) {
            "night" if w.is(i, "at") => Part::Night,
            "lunch" | "lunchtime" => Part::Lunch,
            "dinner" | "dinnertime" | "supper" => Part::Dinner,
            "bedtime" | "bed" => Part::Bedtime,
            _ => return None,
        };
        if w.is(j, "bed") && !w.any(i, &["before", "b4"]) {
            return None;
        }
        return found(p, false, false, j + 1);
    }
    let p = named(w.s(i))?;
    found(p, false, true, i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_clocks() {
        assert_eq!(clock_word("9:30pm").map(|c| (c.0, c.1, c.2)), Some((9, 30, Some(Mer::Pm))));
        assert_eq!(clock_word("09:00").map(|c| c.4), Some(true));
        assert!(clock_word("9:3").is_none());
        assert!(clock_word("9:75").is_none());
        assert!(clock_word("2130").is_none());
    }

    #[test]
    fn bare_hours() {
        let bare = |h| Clock::new(h, 0, Mer::Bare);
        assert_eq!(bare(5).on_day(), 17 * 60);
        assert_eq!(bare(8).on_day(), 8 * 60);
        assert_eq!(bare(12).on_day(), 12 * 60);
        assert_eq!(bare(9).today_choices(), vec![9 * 60, 21 * 60]);
        assert_eq!(Part::Night.clock(bare(10)), 22 * 60);
        assert_eq!(Part::Night.clock(bare(1)), 25 * 60);
        assert_eq!(Part::Morning.clock(bare(7)), 7 * 60);
    }
}
