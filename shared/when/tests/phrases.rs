//! The phrase table: `phrases.tsv`, one phrase a row with the moment it is read at, its zone,
//! what it must mean and what must be left of the text. Every failing row is printed, then the
//! test fails.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use nudge_when::{Schedule, find};

const TABLE: &str = include_str!("phrases.tsv");

/// A wall-clock time or instant as the table writes it, with seconds only when there are any
/// (so a stray second fails the row).
fn local(t: NaiveDateTime) -> String {
    if t.second() == 0 && t.nanosecond() == 0 {
        t.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()
    }
}

fn instant(t: DateTime<Utc>) -> String {
    format!("{}Z", local(t.naive_utc()))
}

fn show(s: &Schedule) -> String {
    match s {
        Schedule::Once { local: l, at } => format!("once {} {}", local(*l), instant(*at)),
        Schedule::Every { rrule, first, first_at } => {
            format!("every {rrule} {} {}", local(*first), instant(*first_at))
        }
    }
}

/// A check of the table's own arithmetic, so a mistyped row is told apart from a wrong
/// answer: a moment's wall clock must be what its instant reads in the zone, and every
/// expected instant must be after now.
fn inconsistent(want: &str, now: DateTime<Utc>, tz: Tz) -> Option<String> {
    let fields: Vec<&str> = want.split(' ').collect();
    if fields[0] == "none" {
        return None;
    }
    let (local, at) = match fields[..] {
        ["once", local, at] | ["every", _, local, at] => (local, at),
        _ => return Some(format!("cannot read {want:?}")),
    };
    let (Ok(local), Ok(at)) = (
        NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M"),
        NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%MZ").map(|t| t.and_utc()),
    ) else {
        return Some(format!("cannot read the times in {want:?}"));
    };
    if at <= now {
        return Some(format!("{at} is not after now"));
    }
    let wall = at.with_timezone(&tz).naive_local();
    (fields[0] == "once" && wall != local).then(|| format!("{at} reads {wall} in {tz}, not {local}"))
}

#[test]
fn phrases() {
    let mut rows = 0;
    let mut failures = Vec::new();
    for (n, line) in TABLE.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!((4..=5).contains(&cols.len()), "line {}: 4 or 5 columns separated by tabs: {line:?}", n + 1);
        let (now, zone, phrase, want) = (cols[0], cols[1], cols[2], cols[3]);
        let now = DateTime::parse_from_rfc3339(now)
            .unwrap_or_else(|e| panic!("line {}: bad now {now:?}: {e}", n + 1))
            .with_timezone(&Utc);
        let tz: Tz = zone.parse().unwrap_or_else(|e| panic!("line {}: bad zone {zone:?}: {e}", n + 1));
        rows += 1;
        if let Some(problem) = inconsistent(want, now, tz) {
            failures.push(format!("line {}: {phrase:?}: the row itself is wrong: {problem}", n + 1));
            continue;
        }
        let found = find(phrase, now, tz);
        let got = found.as_ref().map_or_else(|| "none".to_owned(), |f| show(&f.schedule));
        if got != want {
            failures.push(format!(
                "line {}: {phrase:?} ({zone}, now {now})\n    want {want}\n    got  {got}",
                n + 1
            ));
            continue;
        }
        if let (Some(rest), Some(f)) = (cols.get(4).filter(|r| **r != "-"), &found) {
            let got = f.rest();
            if got != *rest {
                failures
                    .push(format!("line {}: {phrase:?} rest\n    want {rest:?}\n    got  {got:?}", n + 1));
            }
        }
    }
    for f in &failures {
        println!("{f}");
    }
    println!("{} rows, {} passed, {} failed", rows, rows - failures.len(), failures.len());
    assert!(rows >= 330, "the table has {rows} rows; it should have at least 330");
    assert!(failures.is_empty(), "{} of {rows} phrases failed (printed above)", failures.len());
}
