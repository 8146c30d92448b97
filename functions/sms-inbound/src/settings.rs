//! The channel's settings from the environment; each has a default (`SmsSettings::default`).
//!
//! | variable             | meaning                                                    | default |
//! |----------------------|------------------------------------------------------------|---------|
//! | `SMS_SIGNUP_REPLY`   | what a number no user has is told, once; `off`: nothing | a short note on how to be added |
//! | `SMS_SPAM_PATTERNS`  | phrases that count as spam, separated by `\|`               | a short list |
//! | `SMS_SPAM_THRESHOLD` | the score (0–1) from which a message is spam                | 0.8 |
//! | `SMS_PHONE_LIMIT`    | messages per number per window, as `30/10m`                 | 30/10m |
//! | `SMS_USER_LIMIT`     | a user's messages to the agent per window, as `60/1h`       | 60/1h |
//! | `SMS_MAX_PARTS`      | the most segments a reply may take                          | 4 |

use chrono::Duration;
use nudge_domain::sms::{RateLimit, SmsSettings};

/// The settings, or what is wrong with one of them: a deployment with a typo should fail at
/// start, not quietly run on a default.
pub fn settings_from_env() -> Result<SmsSettings, String> {
    let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let mut s = SmsSettings::default();
    if let Some(reply) = var("SMS_SIGNUP_REPLY") {
        s.signup_reply = (!reply.eq_ignore_ascii_case("off")).then_some(reply);
    }
    if let Some(patterns) = var("SMS_SPAM_PATTERNS") {
        s.spam.patterns =
            patterns.split('|').map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
    }
    if let Some(t) = var("SMS_SPAM_THRESHOLD") {
        s.spam.threshold = t
            .parse::<f32>()
            .ok()
            .filter(|t| (0.0..=1.0).contains(t))
            .ok_or_else(|| format!("SMS_SPAM_THRESHOLD must be a number from 0 to 1, not {t:?}"))?;
    }
    if let Some(l) = var("SMS_PHONE_LIMIT") {
        s.per_phone = parse_limit("SMS_PHONE_LIMIT", &l)?;
    }
    if let Some(l) = var("SMS_USER_LIMIT") {
        s.per_user = parse_limit("SMS_USER_LIMIT", &l)?;
    }
    if let Some(n) = var("SMS_MAX_PARTS") {
        s.max_parts = n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or_else(|| format!("SMS_MAX_PARTS must be a whole number from 1 to 10, not {n:?}"))?;
    }
    Ok(s)
}

/// `30/10m`, `60/1h`, `500/1d`, `5/30s`.
pub fn parse_limit(name: &str, raw: &str) -> Result<RateLimit, String> {
    let bad = || {
        format!(
            "{name} must look like 30/10m (messages per seconds s, minutes m, hours h or days d), not {raw:?}"
        )
    };
    let (max, window) = raw.split_once('/').ok_or_else(bad)?;
    let max = max.trim().parse::<u64>().ok().filter(|m| *m > 0).ok_or_else(bad)?;
    let window = window.trim();
    let unit = window.chars().last().ok_or_else(bad)?;
    let n =
        window[..window.len() - unit.len_utf8()].parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(bad)?;
    // At most a year: a window is a counter's life, and chrono's durations have limits.
    let window = match unit {
        's' => Duration::try_seconds(n),
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        _ => None,
    }
    .filter(|w| *w <= Duration::days(366))
    .ok_or_else(bad)?;
    Ok(RateLimit { max, window })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_count_per_window() {
        assert_eq!(parse_limit("X", "30/10m"), Ok(RateLimit { max: 30, window: Duration::minutes(10) }));
        assert_eq!(parse_limit("X", " 5 / 1d "), Ok(RateLimit { max: 5, window: Duration::days(1) }));
        for bad in ["30", "0/1m", "30/m", "30/10x", "x/1h", "30/-1h", "", "1/9999999999999d", "1/400d"] {
            assert!(parse_limit("X", bad).is_err(), "{bad} accepted");
        }
    }
}
