use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Channel, QuietHours, UserId, ValidationError, schedule::LocalTime};

/// A phone number in E.164: `+`, then 8 to 15 digits, the first not 0. Spaces, dashes, dots
/// and parentheses that people type are dropped; nothing else is guessed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "+14155550123")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
        let digits = compact.strip_prefix('+').ok_or_else(|| {
            ValidationError::new("phone", "must be in E.164 form, starting with + and the country code")
        })?;
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            return Err(ValidationError::new("phone", "must be in E.164 form: + and 8 to 15 digits"));
        }
        Ok(Self(compact))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> Self {
        p.0
    }
}
impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, lower-cased in its domain; only what can be checked without sending mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, format = Email)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let bad = || ValidationError::new("email", "must be an address like name@example.com");
        let (local, domain) = raw.rsplit_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && raw.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
            && !local.contains('@');
        if !ok {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

/// An IANA time zone such as `Europe/Paris`; reminders keep wall-clock time in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "Europe/Paris")]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| ValidationError::new("timezone", "must be an IANA time zone such as Europe/Paris"))
    }
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl TryFrom<String> for TimeZone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<TimeZone> for String {
    fn from(t: TimeZone) -> Self {
        t.name().to_owned()
    }
}

/// A person's display name: 1 to 100 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let n = s.chars().count();
        if n == 0 || n > 100 || s.chars().any(char::is_control) {
            return Err(ValidationError::new("name", "must be 1 to 100 characters"));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<PersonName> for String {
    fn from(n: PersonName) -> Self {
        n.0
    }
}

/// Roles of seed 004: admins run the system, users own their data, observers only read, and
/// `api` marks a machine client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    User,
    Observer,
    Api,
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "user" => Ok(Role::User),
            "observer" => Ok(Role::Observer),
            "api" => Ok(Role::Api),
            _ => Err(ValidationError::new("roles", "each role is one of admin, user, observer, api")),
        }
    }
}

/// Someone Nudge works for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub name: PersonName,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
    pub timezone: TimeZone,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub preferences: Preferences,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An `https` URL that webhooks are POSTed to (`http` only on loopback, for local receivers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "https://example.com/hooks/nudge")]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let s = raw.trim();
        let bad =
            || ValidationError::new("webhook_url", "must be an https:// URL (http:// only for 127.0.0.1)");
        let rest = if let Some(r) = s.strip_prefix("https://") {
            r
        } else if let Some(r) = s.strip_prefix("http://") {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                return Err(bad());
            }
            r
        } else {
            return Err(bad());
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains('@') || s.len() > 2000 || s.chars().any(|c| c.is_whitespace()) {
            return Err(bad());
        }
        if s.starts_with("https://") && internal_host(host) {
            return Err(ValidationError::new(
                "webhook_url",
                "must not point at a private or internal address",
            ));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A host that names this machine or a private network, written as an address or `localhost`:
/// a webhook must not let a user make Nudge call its own network (instance metadata, say).
/// Names that resolve to such addresses are not caught here.
fn internal_host(host_port: &str) -> bool {
    use std::net::IpAddr;
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    let last_label = host.rsplit('.').next().unwrap_or("");
    let numeric = !last_label.is_empty()
        && (last_label.bytes().all(|b| b.is_ascii_digit())
            || last_label.to_ascii_lowercase().starts_with("0x"));
    let ip = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        Ok(ip) => ip,
        // Other spellings of an address (2130706433, 0x7f.1, 127.1) that URL parsers accept.
        Err(_) => return numeric,
    };
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            ip.is_private()
                || ip.is_loopback()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            ip.is_loopback()
                || ip.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<WebhookUrl> for String {
    fn from(u: WebhookUrl) -> Self {
        u.0
    }
}

/// How a user wants to be reached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preferences {
    /// Where reminders go unless a reminder says otherwise (default `sms`).
    #[serde(default)]
    pub channel: Channel,
    /// Nothing is sent in these hours; it waits for their end.
    pub quiet_hours: Option<QuietHours>,
    /// When the morning digest of the day's tasks and reminders is sent; none if unset.
    pub digest_at: Option<LocalTime>,
    /// Replied STOP (or said so here): no SMS at all until START.
    #[serde(default)]
    pub sms_opted_out: bool,
    pub webhook_url: Option<WebhookUrl>,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_e164() {
        assert_eq!(PhoneNumber::parse("+1 (415) 555-0123").unwrap().as_str(), "+14155550123");
        assert_eq!(PhoneNumber::parse("+33.6.12.34.56.78").unwrap().as_str(), "+33612345678");
        for bad in ["4155550123", "+0123456789", "+1415", "+1415555012345678", "+1415abc0123", ""] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn emails_keep_local_part_and_lower_the_domain() {
        assert_eq!(Email::parse(" Sam@Example.COM ").unwrap().as_str(), "Sam@example.com");
        for bad in ["sam", "sam@", "@example.com", "sam@example", "s am@example.com", "a@b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(TimeZone::parse("Asia/Kathmandu").unwrap().name(), "Asia/Kathmandu");
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
    }

    #[test]
    fn webhooks_go_to_public_https_or_local_http() {
        for ok in ["https://hooks.example.com/nudge?k=1", "http://127.0.0.1:8080/hook", "http://localhost/x"]
        {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok} refused");
        }
        for bad in [
            "ftp://example.com",
            "http://example.com/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.5/hook",
            "https://192.168.1.1",
            "https://[::1]:443/x",
            "https://[fd00::1]/x",
            "https://[::ffff:169.254.169.254]/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://localhost/x",
            "https://user@example.com/x",
            "https://",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
    }
}
