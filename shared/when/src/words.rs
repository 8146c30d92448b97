//! Vocabulary: numbers, ordinals, weekdays, months and units of time, as words.

use chrono::Weekday;

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [(&str, u32); 8] = [
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A whole number in digits ("20", at most four) or in words ("twenty", "forty-five").
pub(crate) fn number(s: &str) -> Option<u32> {
    if digits(s) {
        return if s.len() <= 4 { s.parse().ok() } else { None };
    }
    word_number(s)
}

/// A number in words only ("five", "twenty-five").
pub(crate) fn word_number(s: &str) -> Option<u32> {
    if let Some(n) = ONES.iter().position(|w| *w == s) {
        return Some(n as u32);
    }
    let tens = |w: &str| TENS.iter().find(|(t, _)| *t == w).map(|&(_, n)| n);
    if let Some(n) = tens(s) {
        return Some(n);
    }
    let (a, b) = s.split_once('-')?;
    let one = ONES[1..10].iter().position(|w| *w == b)? as u32 + 1;
    Some(tens(a)? + one)
}

/// A decimal number such as "1.5" (or a whole one).
pub(crate) fn decimal(s: &str) -> Option<f64> {
    if let Some((a, b)) = s.split_once('.') {
        return if digits(a) && digits(b) && a.len() <= 4 && b.len() <= 3 { s.parse().ok() } else { None };
    }
    number(s).map(f64::from)
}

const ORDINALS: [&str; 20] = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];

/// A day of the month as an ordinal: "3rd", "21st", "first", "twenty-first" (1 to 31).
pub(crate) fn ordinal(s: &str) -> Option<u32> {
    let n = if s.starts_with(|c: char| c.is_ascii_digit()) {
        // Only the suffix the number takes: 1st 2nd 3rd 4th 11th 12th 13th 21st.
        let n = s.trim_end_matches(|c: char| c.is_ascii_lowercase());
        if !digits(n) || n.len() > 2 {
            return None;
        }
        let v: u32 = n.parse().ok()?;
        let want = match (v % 10, v % 100) {
            (_, 11..=13) => "th",
            (1, _) => "st",
            (2, _) => "nd",
            (3, _) => "rd",
            _ => "th",
        };
        if &s[n.len()..] != want {
            return None;
        }
        v
    } else if let Some(v) = ORDINALS.iter().position(|w| *w == s) {
        v as u32
    } else {
        match s {
            "twentieth" => 20,
            "thirtieth" => 30,
            _ => {
                let (a, b) = s.split_once('-')?;
                let tens = match a {
                    "twenty" => 20,
                    "thirty" => 30,
                    _ => return None,
                };
                tens + ORDINALS[1..10].iter().position(|w| *w == b)? as u32 + 1
            }
        }
    };
    (1..=31).contains(&n).then_some(n)
}

/// A day of the month written as an ordinal or as a plain number (1 to 31).
pub(crate) fn day_of_month(s: &str) -> Option<u32> {
    ordinal(s).or_else(|| if digits(s) { number(s).filter(|n| (1..=31).contains(n)) } else { None })
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// A weekday's full name (normalizing has already expanded "weds", "thurs" and the like).
pub(crate) fn weekday(s: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(w, _)| *w == s).map(|&(_, d)| d)
}

/// "mondays": a weekday that repeats.
pub(crate) fn weekdays(s: &str) -> Option<Weekday> {
    weekday(s.strip_suffix('s')?)
}

/// A month's name or its usual abbreviation (1 to 12).
pub(crate) fn month(s: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if let Some(m) = MONTHS.iter().position(|m| *m == s) {
        return Some(m as u32 + 1);
    }
    let m = match s {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" | "sept" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

/// A unit of time a duration is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Fortnight,
    Month,
    Year,
}

pub(crate) fn unit(s: &str) -> Option<Unit> {
    Some(match s {
        "minute" | "minutes" | "min" | "mins" => Unit::Minute,
        "hour" | "hours" | "hr" | "hrs" => Unit::Hour,
        "day" | "days" => Unit::Day,
        "week" | "weeks" | "wk" | "wks" => Unit::Week,
        "fortnight" | "fortnights" => Unit::Fortnight,
        "month" | "months" => Unit::Month,
        "year" | "years" => Unit::Year,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number("20"), Some(20));
        assert_eq!(number("forty-five"), Some(45));
        assert_eq!(number("twelve"), Some(12));
        assert_eq!(number("12345"), None);
        assert_eq!(decimal("1.5"), Some(1.5));
    }

    #[test]
    fn ordinals() {
        assert_eq!(ordinal("3rd"), Some(3));
        assert_eq!(ordinal("21st"), Some(21));
        assert_eq!(ordinal("11th"), Some(11));
        assert_eq!(ordinal("twenty-first"), Some(21));
        assert_eq!(ordinal("3th"), None);
        assert_eq!(ordinal("32nd"), None);
        assert_eq!(ordinal("first"), Some(1));
    }
}
