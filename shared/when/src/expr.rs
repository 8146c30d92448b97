//! Reading expressions: the pieces of one ("tomorrow", "at 5"), pieces next to each other taken
//! together, and the choice of which expression in a text is meant.

use std::ops::Range;

use crate::clock::{Clock, Part};
use crate::day::Day;
use crate::recur::Recur;
use crate::relative::Amount;
use crate::token::Words;
use crate::{clock, day, recur, relative};

/// What an expression says, slot by slot; each piece fills some slots.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Frame {
    pub day: Option<Day>,
    /// The last day of a repetition ("until friday").
    pub until: Option<Day>,
    /// The time a repetition ends ("until 5pm").
    pub until_clock: Option<Clock>,
    pub clock: Option<Clock>,
    /// More clock times said with the first ("at 8am and 8pm").
    pub also: Vec<Clock>,
    pub part: Option<Part>,
    /// "this morning", "tonight": today's part of the day, soon if it has begun.
    pub this: bool,
    /// An exact span from now ("in 20 minutes").
    pub rel: Option<Amount>,
    pub recur: Option<Recur>,
    /// Only words often said without meaning a time ("morning", "today", "later").
    pub weak: bool,
}

fn one<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<Option<T>> {
    match (a, b) {
        (Some(_), Some(_)) => None,
        _ => Some(a.clone().or_else(|| b.clone())),
    }
}

impl Frame {
    /// Both frames together, or `None` when they say the same thing twice (two days, two times)
    /// or something that cannot go with an exact span.
    pub fn merge(&self, o: &Frame) -> Option<Frame> {
        if self.rel.is_some() || o.rel.is_some() {
            return None;
        }
        Some(Frame {
            day: one(&self.day, &o.day)?,
            until: one(&self.until, &o.until)?,
            until_clock: one(&self.until_clock, &o.until_clock)?,
            clock: one(&self.clock, &o.clock)?,
            also: if self.also.is_empty() {
                o.also.clone()
            } else if o.also.is_empty() {
                self.also.clone()
            } else {
                return None;
            },
            part: one(&self.part, &o.part)?,
            this: self.this || o.this,
            rel: None,
            recur: one(&self.recur, &o.recur)?,
            weak: self.weak && o.weak,
        })
    }

    fn day_only(&self) -> bool {
        self.day.is_some() && self.clock.is_none() && self.part.is_none() && self.recur.is_none()
    }
}

/// One piece at word `i`: the longest reading, and on a tie the first of repetition, duration,
/// day, time.
fn piece(w: &Words, i: usize, after_day: bool) -> Option<(Frame, usize)> {
    let mut best: Option<(Frame, usize)> = None;
    for found in [recur::parse(w, i), relative::parse(w, i), day::parse(w, i), clock::parse(w, i, after_day)]
    {
        if let Some((f, k)) = found
            && k > i
            && best.as_ref().is_none_or(|(_, b)| k > *b)
        {
            best = Some((f, k));
        }
    }
    best
}

/// Pieces next to each other, read as one expression.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub frame: Frame,
    /// The words it was read from.
    pub words: Range<usize>,
}

pub(crate) fn groups(w: &Words) -> Vec<Group> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let Some((mut frame, mut k)) = piece(w, i, false) else {
            i += 1;
            continue;
        };
        while k < w.len() && !w.toks[k].brk {
            // A plain number right after a day is its time: "tomorrow 5", "every day 8".
            let after_day = (frame.day.is_some() || frame.recur.is_some()) && frame.clock.is_none();
            let Some((next, e)) = piece(w, k, after_day) else { break };
            let Some(merged) = frame.merge(&next) else { break };
            frame = merged;
            k = e;
        }
        out.push(Group { frame, words: i..k });
        i = k;
    }
    out
}

/// The readings to try, best first, each with the word ranges it was read from: expressions
/// that clearly speak of time before weak ones, each first together with the nearest other
/// expression that completes it ("tomorrow ... at 5"), then alone.
pub(crate) fn readings(groups: &[Group]) -> Vec<(Frame, Vec<Range<usize>>)> {
    let mut order: Vec<&Group> = groups.iter().filter(|g| !g.frame.weak).collect();
    order.extend(groups.iter().filter(|g| g.frame.weak));
    let mut out = Vec::new();
    for g in order {
        let distance = |o: &Group| {
            if o.words.start >= g.words.end {
                o.words.start - g.words.end
            } else {
                g.words.start - o.words.end
            }
        };
        let mut others: Vec<&Group> = groups
            .iter()
            .filter(|o| o.words != g.words)
            .filter(|o| !o.frame.weak || o.frame.day_only())
            .filter(|o| o.frame.recur.is_none())
            .collect();
        others.sort_by_key(|o| distance(o));
        if let Some((merged, o)) = others.iter().find_map(|o| g.frame.merge(&o.frame).map(|m| (m, o))) {
            let mut words = vec![g.words.clone(), o.words.clone()];
            words.sort_by_key(|r| r.start);
            out.push((merged, words));
        }
        out.push((g.frame.clone(), vec![g.words.clone()]));
    }
    out
}
