//! A reminder and the rules of its life: when it fires, how it nags, what snooze and
//! acknowledge do. All pure: every rule takes "now" and is tested with fixed times.

use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    QuietHours, Recurrence, ReminderId, TaskId, TimeZone, UserId, ValidationError, schedule::Occurrence,
    task::bounded_text,
};

bounded_text!(
    /// What the reminder says: 1 to 1,000 characters.
    ReminderText, "text", 1000
);

/// Where a notification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Sms,
    Email,
    Webhook,
    /// The local stack's outbox.
    Console,
}

impl Channel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Webhook => "webhook",
            Channel::Console => "console",
        }
    }
}

impl FromStr for Channel {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sms" => Ok(Channel::Sms),
            "email" => Ok(Channel::Email),
            "webhook" => Ok(Channel::Webhook),
            "console" => Ok(Channel::Console),
            _ => Err(ValidationError::new("channel", "must be one of sms, email, webhook, console")),
        }
    }
}

/// A reminder the user made, or the morning digest Nudge keeps for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    #[default]
    Reminder,
    Digest,
}

/// `scheduled`: waiting for its next time. `due`: fired and not yet acknowledged (nags may
/// follow). `snoozed`: fires again at `next_fire_at`. `done`: acknowledged with nothing left
/// to fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReminderStatus {
    Scheduled,
    Due,
    Snoozed,
    Done,
}

/// Repeat every `every_minutes` until acknowledged, at most `max` times (0: never nag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "NagFields")]
pub struct Nag {
    pub every_minutes: u16,
    pub max: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NagFields {
    every_minutes: u16,
    max: u8,
}

impl TryFrom<NagFields> for Nag {
    type Error = ValidationError;
    fn try_from(f: NagFields) -> Result<Self, Self::Error> {
        Nag::new(f.every_minutes, f.max)
    }
}

impl Nag {
    pub const NEVER: Nag = Nag { every_minutes: 10, max: 0 };

    pub fn new(every_minutes: u16, max: u8) -> Result<Self, ValidationError> {
        if !(1..=1440).contains(&every_minutes) {
            return Err(ValidationError::new("nag.every_minutes", "must be 1 to 1440"));
        }
        if max > 20 {
            return Err(ValidationError::new("nag.max", "must be 0 to 20"));
        }
        Ok(Self { every_minutes, max })
    }
}

/// Nagging is the point for most users: every 10 minutes, 3 times, unless they say otherwise.
impl Default for Nag {
    fn default() -> Self {
        Nag { every_minutes: 10, max: 3 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reminder {
    pub id: ReminderId,
    pub user_id: UserId,
    pub kind: ReminderKind,
    pub text: ReminderText,
    pub timezone: TimeZone,
    /// The first (or only) time, which anchors a recurrence's wall-clock time.
    pub due_at: DateTime<Utc>,
    pub recurrence: Option<Recurrence>,
    pub channel: Channel,
    pub task_id: Option<TaskId>,
    pub nag: Nag,
    pub status: ReminderStatus,
    /// The occurrence being waited for, or fired and not yet acknowledged.
    pub occurrence: Option<DateTime<Utc>>,
    /// That occurrence's wall-clock time as the rule made it (before a gap moved it), where the
    /// next expansion starts.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub occurrence_local: Option<NaiveDateTime>,
    /// When the tick next acts on it; `None` when nothing is left to fire.
    pub next_fire_at: Option<DateTime<Utc>>,
    /// Firings so far, of every occurrence (firsts, nags, snoozes). It never goes back, not even
    /// when the reminder is rescheduled onto a time that already fired, so with the occurrence
    /// it names each firing once.
    pub fired: u32,
    pub nags_sent: u8,
    pub last_fired_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// How far in the past a one-time reminder may be set: a client's "now" that arrives late
/// still fires, at the next tick.
const GRACE: Duration = Duration::minutes(5);

/// Why a reminder fires. On the wire a plain string: `first`, `nag_1`, `nag_2`, …, `snoozed`,
/// `digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum FireKind {
    First,
    /// The n-th nag (1-based).
    Nag(u8),
    Snoozed,
    Digest,
    /// Not a firing: Nudge's answer to a message the user sent (an SMS reply), or a notice.
    Reply,
    /// Not a firing: a message sent on the user's behalf to someone else (an approved e-mail).
    Outbound,
}

impl utoipa::PartialSchema for FireKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .examples(["first", "nag_1", "snoozed", "digest", "reply"])
            .into()
    }
}
impl utoipa::ToSchema for FireKind {}

impl From<FireKind> for String {
    fn from(k: FireKind) -> Self {
        match k {
            FireKind::First => "first".into(),
            FireKind::Nag(n) => format!("nag_{n}"),
            FireKind::Snoozed => "snoozed".into(),
            FireKind::Digest => "digest".into(),
            FireKind::Reply => "reply".into(),
            FireKind::Outbound => "outbound".into(),
        }
    }
}

impl TryFrom<String> for FireKind {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.as_str() {
            "first" => Ok(FireKind::First),
            "snoozed" => Ok(FireKind::Snoozed),
            "digest" => Ok(FireKind::Digest),
            "reply" => Ok(FireKind::Reply),
            "outbound" => Ok(FireKind::Outbound),
            other => other
                .strip_prefix("nag_")
                .and_then(|n| n.parse().ok())
                .map(FireKind::Nag)
                .ok_or_else(|| ValidationError::new("kind", "not a kind of firing")),
        }
    }
}

/// One firing: of which occurrence, the how-many-th, and when it was scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firing {
    pub occurrence: DateTime<Utc>,
    pub seq: u32,
    pub kind: FireKind,
    pub scheduled_at: DateTime<Utc>,
}

/// What a tick does with a reminder whose time has come.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this firing, and store the reminder as it becomes.
    Fire(Firing, Box<Reminder>),
    /// In quiet hours: nothing is sent; the reminder waits for their end.
    Defer(Box<Reminder>),
    /// Not due (a stale index entry, or already moved on).
    Idle,
}

impl Reminder {
    /// A one-time reminder with the default kind, channel and nag, not yet scheduled: set what
    /// differs, then call [`Reminder::schedule`].
    pub fn new(
        id: ReminderId,
        user_id: UserId,
        text: ReminderText,
        timezone: TimeZone,
        due_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            user_id,
            kind: ReminderKind::Reminder,
            text,
            timezone,
            due_at,
            recurrence: None,
            channel: Channel::Sms,
            task_id: None,
            nag: Nag::default(),
            status: ReminderStatus::Scheduled,
            occurrence: None,
            occurrence_local: None,
            next_fire_at: None,
            fired: 0,
            nags_sent: 0,
            last_fired_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.timezone.tz()).naive_local()
    }

    /// The current occurrence as the rule made it (its wall-clock time before any gap moved it).
    fn current(&self) -> Occurrence {
        let at = self.occurrence.unwrap_or(self.due_at);
        Occurrence { at, local: self.occurrence_local.unwrap_or_else(|| self.local(at)) }
    }

    /// Where to expand the rule from to find what follows `after`: that occurrence itself (so
    /// the work does not grow with the reminder's age), unless COUNT needs the first.
    fn expansion_start(&self, rule: &Recurrence, after: Occurrence) -> NaiveDateTime {
        if rule.counts() { self.local(self.due_at) } else { after.local }
    }

    /// The occurrence after `after`, and after `not_before`.
    fn following(&self, after: Occurrence, not_before: DateTime<Utc>) -> Option<Occurrence> {
        let rule = self.recurrence.as_ref()?;
        let start = self.expansion_start(rule, after);
        rule.next(self.timezone.tz(), start, Some(after.local), not_before)
    }

    fn wait_for(&mut self, occurrence: Option<Occurrence>) {
        self.occurrence = occurrence.map(|o| o.at);
        self.occurrence_local = occurrence.map(|o| o.local);
        self.next_fire_at = self.occurrence;
        self.status = if occurrence.is_some() { ReminderStatus::Scheduled } else { ReminderStatus::Done };
        self.nags_sent = 0;
    }

    /// Sets the schedule from `due_at` and `recurrence` as of `now`: a new reminder, or one
    /// whose time or rule changed.
    pub fn schedule(&mut self, now: DateTime<Utc>) -> Result<(), ValidationError> {
        let first = match &self.recurrence {
            None if self.due_at < now - GRACE => {
                return Err(ValidationError::new("due_at", "is in the past"));
            }
            None => Occurrence { at: self.due_at, local: self.local(self.due_at) },
            Some(rule) => rule
                .next(self.timezone.tz(), self.local(self.due_at), None, now - Duration::minutes(1))
                .ok_or_else(|| ValidationError::new("recurrence", "has no occurrence after now"))?,
        };
        self.wait_for(Some(first));
        Ok(())
    }

    /// What the tick at `now` does with this reminder, given the user's quiet hours (in the
    /// user's zone, which may not be the reminder's).
    pub fn step(&self, now: DateTime<Utc>, quiet: Option<(&QuietHours, TimeZone)>) -> Step {
        let Some(at) = self.next_fire_at.filter(|t| *t <= now) else { return Step::Idle };
        if self.status == ReminderStatus::Done {
            return Step::Idle;
        }
        let mut next = self.clone();
        next.updated_at = now;
        next.version += 1;
        if let Some(end) = quiet.and_then(|(q, tz)| q.ends_after(tz.tz(), now)) {
            next.next_fire_at = Some(end);
            return Step::Defer(Box::new(next));
        }
        let mut occurrence = self.current();
        if self.status == ReminderStatus::Scheduled
            && let Some(rule) = &self.recurrence
        {
            // Missed occurrences (ticks that never ran) collapse into the latest one.
            let start = self.expansion_start(rule, occurrence);
            let tz = self.timezone.tz();
            if let Some(latest) = rule.latest(tz, start, Some(occurrence.local), now) {
                occurrence = latest;
            }
        }
        let kind = self.kind_of_next_firing();
        let seq = self.fired;
        let firing = Firing { occurrence: occurrence.at, seq, kind, scheduled_at: at };

        next.occurrence = Some(occurrence.at);
        next.occurrence_local = Some(occurrence.local);
        next.fired = seq + 1;
        next.nags_sent = if let FireKind::Nag(n) = kind { n } else { 0 };
        next.last_fired_at = Some(now);
        next.status = ReminderStatus::Due;
        let nag_at = (kind != FireKind::Digest && next.nags_sent < self.nag.max)
            .then(|| now + Duration::minutes(self.nag.every_minutes.into()));
        match (nag_at, self.following(occurrence, now)) {
            (Some(n), Some(o)) if o.at <= n => next.wait_for(Some(o)),
            (Some(n), _) => next.next_fire_at = Some(n),
            (None, Some(o)) => next.wait_for(Some(o)),
            // Nothing left to send; it stays due until acknowledged (a digest needs no answer).
            (None, None) if kind == FireKind::Digest => next.wait_for(None),
            (None, None) => next.next_fire_at = None,
        }
        Step::Fire(firing, Box::new(next))
    }

    /// Acknowledged ("done"): what fired needs nothing more; a recurrence waits for its next
    /// time, a one-time reminder is done. A recurrence that is only waiting (it fired and moved
    /// on, or has not fired yet) keeps its next time: a late "done" must not skip tomorrow.
    /// Acknowledging twice changes nothing.
    pub fn acknowledge(&mut self, now: DateTime<Utc>) {
        let waiting = self.status == ReminderStatus::Scheduled && self.recurrence.is_some();
        if self.status == ReminderStatus::Done || waiting {
            return;
        }
        let next = self.following(self.current(), now);
        self.wait_for(next);
        self.touch(now);
    }

    /// Fire again at `until` (after now, within a week).
    pub fn snooze(&mut self, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ValidationError> {
        if until <= now || until > now + Duration::days(7) {
            return Err(ValidationError::new("until", "must be after now and within 7 days"));
        }
        if self.status == ReminderStatus::Done {
            return Err(ValidationError::new("status", "a done reminder cannot be snoozed"));
        }
        self.occurrence.get_or_insert(self.due_at);
        self.status = ReminderStatus::Snoozed;
        self.next_fire_at = Some(until);
        self.nags_sent = 0;
        self.touch(now);
        Ok(())
    }

    /// What its next firing will be: a nag once it has fired, and so on.
    pub fn kind_of_next_firing(&self) -> FireKind {
        match (self.kind, self.status) {
            (ReminderKind::Digest, _) => FireKind::Digest,
            (_, ReminderStatus::Due) => FireKind::Nag(self.nags_sent.saturating_add(1)),
            (_, ReminderStatus::Snoozed) => FireKind::Snoozed,
            _ => FireKind::First,
        }
    }

    /// Marks a change by the user; the store's version is the use case's to set.
    pub(crate) fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
    }
}
