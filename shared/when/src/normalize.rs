//! SMS shorthand spelled out, so the rest of the crate reads one vocabulary.

/// Shorthand that always means one thing, whole words only, matched without regard to case.
const FIXED: &[(&str, &str)] = &[
    ("tmrw", "tomorrow"),
    ("tmr", "tomorrow"),
    ("tmrrw", "tomorrow"),
    ("tmrow", "tomorrow"),
    ("tmw", "tomorrow"),
    ("tmro", "tomorrow"),
    ("2moro", "tomorrow"),
    ("2morro", "tomorrow"),
    ("2morrow", "tomorrow"),
    ("2morow", "tomorrow"),
    ("2mrw", "tomorrow"),
    ("2mro", "tomorrow"),
    ("tomoro", "tomorrow"),
    ("tomorow", "tomorrow"),
    ("tommorow", "tomorrow"),
    ("tommorrow", "tomorrow"),
    ("tomorrw", "tomorrow"),
    ("2day", "today"),
    ("tday", "today"),
    ("2nite", "tonight"),
    ("2night", "tonight"),
    ("tonite", "tonight"),
    ("tnite", "tonight"),
    ("2nyt", "tonight"),
    ("nite", "night"),
    ("mornin", "morning"),
    ("arvo", "afternoon"),
    ("pls", "please"),
    ("plz", "please"),
    ("plez", "please"),
    ("u", "you"),
    ("ur", "your"),
    ("r", "are"),
    ("n", "and"),
    ("b4", "before"),
    ("thx", "thanks"),
    ("thnx", "thanks"),
    ("tnx", "thanks"),
    ("abt", "about"),
    ("nxt", "next"),
    ("evry", "every"),
    ("hrly", "hourly"),
    ("min", "minutes"),
    ("mins", "minutes"),
    ("hr", "hours"),
    ("hrs", "hours"),
    ("wk", "weeks"),
    ("wks", "weeks"),
    ("sec", "seconds"),
    ("secs", "seconds"),
    ("mth", "months"),
    ("mths", "months"),
    ("wknd", "weekend"),
    ("wkend", "weekend"),
    ("wkday", "weekday"),
    ("wkdays", "weekdays"),
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("tues", "tuesday"),
    ("weds", "wednesday"),
    ("thu", "thursday"),
    ("thur", "thursday"),
    ("thurs", "thursday"),
    ("fri", "friday"),
    ("mons", "mondays"),
    ("fris", "fridays"),
];

/// Day abbreviations that are also everyday words ("I sat down", "the sun", "they wed"): spelled
/// out only where a day is clearly meant.
const AMBIGUOUS_DAYS: &[(&str, &str)] = &[("wed", "wednesday"), ("sat", "saturday"), ("sun", "sunday")];

/// Units written after a number ("20min", "2h", "1h30m").
const UNITS: &[(&str, &str, &str)] = &[
    ("m", "minute", "minutes"),
    ("min", "minute", "minutes"),
    ("mins", "minute", "minutes"),
    ("minute", "minute", "minutes"),
    ("minutes", "minute", "minutes"),
    ("h", "hour", "hours"),
    ("hr", "hour", "hours"),
    ("hrs", "hour", "hours"),
    ("hour", "hour", "hours"),
    ("hours", "hour", "hours"),
    ("d", "day", "days"),
    ("day", "day", "days"),
    ("days", "day", "days"),
    ("w", "week", "weeks"),
    ("wk", "week", "weeks"),
    ("wks", "week", "weeks"),
    ("week", "week", "weeks"),
    ("weeks", "week", "weeks"),
    ("mth", "month", "months"),
    ("mths", "month", "months"),
    ("month", "month", "months"),
    ("months", "month", "months"),
    ("sec", "second", "seconds"),
    ("secs", "second", "seconds"),
];

/// Spells out common SMS shorthand, keeping the rest of the text as typed, and collapses
/// whitespace.
///
/// Only whole words are expanded, whatever their case: "tmrw", "2moro" → "tomorrow", "2nite" →
/// "tonight", "pls" → "please", "u" → "you", "b4" → "before", "mins" → "minutes", "20min" →
/// "20 minutes", "2h" → "2 hours", "weds" → "wednesday", "w/" → "with", "mon-fri" →
/// "monday-friday", "tue/thu" → "tuesday/thursday", and "2" → "to" in "remind me 2 call mom".
/// "wed", "sat" and "sun" become days only next to something that says so ("on sat", "sun at 5").
pub fn normalize(text: &str) -> String {
    let chunks: Vec<(&str, &str, &str)> = text.split_whitespace().map(split_punct).collect();
    let lower: Vec<String> = chunks.iter().map(|(_, core, _)| core.to_lowercase()).collect();
    let word = |i: usize| lower.get(i).map_or("", String::as_str);
    let mut out: Vec<String> = Vec::with_capacity(chunks.len());
    for (i, (lead, core, trail)) in chunks.iter().enumerate() {
        let back = |n: usize| if i >= n { word(i - n) } else { "" };
        let expanded = expand(core, word(i), [back(2), back(1), word(i + 1), word(i + 2)]);
        out.push(format!("{lead}{}{trail}", expanded.as_deref().unwrap_or(core)));
    }
    out.join(" ")
}

/// Splits quotes and brackets before a word and punctuation after it from the word itself.
fn split_punct(chunk: &str) -> (&str, &str, &str) {
    let core = chunk.trim_start_matches(['(', '[', '{', '"', '\'', '«', '‘', '“']);
    let lead = &chunk[..chunk.len() - core.len()];
    let trimmed =
        core.trim_end_matches(['.', ',', '!', '?', ';', ':', ')', ']', '}', '"', '\'', '»', '’', '”', '…']);
    let trail = &core[trimmed.len()..];
    (lead, trimmed, trail)
}

fn expand(core: &str, w: &str, [before, prev, next, next2]: [&str; 4]) -> Option<String> {
    if let Some(&(_, full)) = FIXED.iter().find(|(short, _)| *short == w) {
        // "a min", "1 hr": one minute, one hour.
        let unit =
            matches!(w, "min" | "mins" | "hr" | "hrs" | "wk" | "wks" | "sec" | "secs" | "mth" | "mths");
        if unit && matches!(prev, "a" | "an" | "1" | "one") {
            return Some(full.trim_end_matches('s').to_owned());
        }
        return Some(full.to_owned());
    }
    if let Some(&(_, full)) = AMBIGUOUS_DAYS.iter().find(|(short, _)| *short == w) {
        return day_context(before, prev, next, next2).then(|| full.to_owned());
    }
    if w == "2" && to_context(before, prev, next) {
        return Some("to".to_owned());
    }
    if w.starts_with("w/") {
        let rest = &core[2..];
        return Some(if rest.is_empty() { "with".to_owned() } else { format!("with {rest}") });
    }
    if let Some((a, b)) = w.split_once('-')
        && let (Some(a), Some(b)) = (day_name(a), day_name(b))
    {
        return Some(format!("{a}-{b}"));
    }
    // "mon/wed/fri"
    if w.contains('/')
        && let Some(days) = w.split('/').map(day_name).collect::<Option<Vec<_>>>()
    {
        return Some(days.join("/"));
    }
    number_unit(w)
}

/// A weekday's full name from its name or any abbreviation.
fn day_name(s: &str) -> Option<&'static str> {
    FIXED
        .iter()
        .chain(AMBIGUOUS_DAYS)
        .chain(&[
            ("monday", "monday"),
            ("tuesday", "tuesday"),
            ("wednesday", "wednesday"),
            ("thursday", "thursday"),
        ])
        .chain(&[("friday", "friday"), ("saturday", "saturday"), ("sunday", "sunday")])
        .find(|(short, full)| *short == s && full.ends_with("day"))
        .map(|(_, full)| *full)
}

/// Whether a "wed", "sat" or "sun" stands where a day is meant.
fn day_context(before: &str, prev: &str, next: &str, next2: &str) -> bool {
    const BEFORE: &[&str] = &[
        "on", "every", "each", "this", "next", "by", "until", "till", "til", "from", "last", "coming",
        "before", "after",
    ];
    const AFTER: &[&str] =
        &["morning", "afternoon", "evening", "night", "nite", "noon", "midday", "midnight"];
    let day = |s: &str| day_name(s).is_some();
    let joiner = |s: &str| matches!(s, "and" | "or" | "&" | "n" | "to" | "thru" | "through");
    let clockish =
        |s: &str| s.starts_with(|c: char| c.is_ascii_digit()) || matches!(s, "noon" | "midday" | "midnight");
    BEFORE.contains(&prev)
        || day(prev)
        || day(next)
        || (joiner(prev) && day(before))
        || (joiner(next) && day(next2))
        || AFTER.contains(&next)
        || clockish(next)
        || (matches!(next, "at" | "@") && clockish(next2))
}

/// Whether a "2" stands for "to": in "remind me 2 call", "help me 2 move" (not "give me 2
/// apples", "remind me 2 hours before").
fn to_context(before: &str, prev: &str, next: &str) -> bool {
    const ASKING: &[&str] =
        &["remind", "reminder", "tell", "ask", "help", "nudge", "ping", "text", "txt", "get"];
    prev == "me"
        && ASKING.contains(&before)
        && !next.is_empty()
        && !next.starts_with(|c: char| c.is_ascii_digit())
        && crate::words::unit(next).is_none()
        && !UNITS.iter().any(|(u, _, _)| *u == next)
        && !matches!(next, "am" | "pm" | "a.m" | "p.m" | "o'clock" | "times" | "more" | "of" | "or" | "and")
}

/// "20min" → "20 minutes", "2h" → "2 hours", "1h30m" → "1 hour 30 minutes", "1h30" → "1 hour 30".
fn number_unit(w: &str) -> Option<String> {
    fn number(s: &str) -> (&str, &str) {
        let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
        (&s[..end], &s[end..])
    }
    fn letters(s: &str) -> (&str, &str) {
        let end = s.find(|c: char| !c.is_ascii_lowercase()).unwrap_or(s.len());
        (&s[..end], &s[end..])
    }
    let unit = |n: &str, u: &str| {
        let &(_, one, many) = UNITS.iter().find(|(short, _, _)| *short == u)?;
        Some(if n == "1" { one } else { many })
    };
    let (n1, rest) = number(w);
    if n1.is_empty() || n1.starts_with('.') || n1.ends_with('.') {
        return None;
    }
    let (u1, rest) = letters(rest);
    let mut out = format!("{n1} {}", unit(n1, u1)?);
    let (n2, rest) = number(rest);
    if !n2.is_empty() {
        let (u2, rest) = letters(rest);
        if !rest.is_empty() || n2.contains('.') {
            return None;
        }
        out.push(' ');
        out.push_str(n2);
        if !u2.is_empty() {
            out.push(' ');
            out.push_str(unit(n2, u2)?);
        }
    } else if !rest.is_empty() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn shorthand() {
        assert_eq!(normalize("remind me 2 call mom tmrw @ 5"), "remind me to call mom tomorrow @ 5");
        assert_eq!(normalize("  Call   Mom TMRW,  pls "), "Call Mom tomorrow, please");
        assert_eq!(normalize("in 20min"), "in 20 minutes");
        assert_eq!(normalize("in 2h"), "in 2 hours");
        assert_eq!(normalize("in 2hrs and 1hr"), "in 2 hours and 1 hour");
        assert_eq!(normalize("in 1h30m"), "in 1 hour 30 minutes");
        assert_eq!(normalize("in 1h30"), "in 1 hour 30");
        assert_eq!(normalize("in a min"), "in a minute");
        assert_eq!(normalize("5 mins"), "5 minutes");
        assert_eq!(normalize("2nite at 9"), "tonight at 9");
        assert_eq!(normalize("weds thurs tues"), "wednesday thursday tuesday");
        assert_eq!(normalize("lunch w/ sam, w/bob"), "lunch with sam, with bob");
        assert_eq!(normalize("every mon-fri"), "every monday-friday");
        assert_eq!(normalize("u r gr8 thx"), "you are gr8 thanks");
        assert_eq!(normalize("at 9pm on the 3rd"), "at 9pm on the 3rd");
    }

    #[test]
    fn ambiguous_days_need_context() {
        assert_eq!(normalize("I sat down in the sun"), "I sat down in the sun");
        assert_eq!(normalize("on sat"), "on saturday");
        assert_eq!(normalize("sun at 5"), "sunday at 5");
        assert_eq!(normalize("every mon n wed"), "every monday and wednesday");
    }

    #[test]
    fn two_as_a_number_stays() {
        assert_eq!(normalize("remind me 2 hours before"), "remind me 2 hours before");
        assert_eq!(normalize("buy 2 apples"), "buy 2 apples");
        assert_eq!(normalize("give me 2 apples"), "give me 2 apples");
        assert_eq!(normalize("I have 2 cats"), "I have 2 cats");
    }

    #[test]
    fn day_lists() {
        assert_eq!(normalize("every tues/thurs"), "every tuesday/thursday");
        assert_eq!(normalize("mon wed fri"), "monday wednesday friday");
        assert_eq!(normalize("laundry sat and sun"), "laundry saturday and sunday");
        assert_eq!(normalize("I sat and waited"), "I sat and waited");
    }
}
