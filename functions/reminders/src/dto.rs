//! Request bodies and responses. Times come in as RFC 3339 with an offset and go out in the
//! reminder's own zone, so a client shows "08:00+01:00", not a UTC time to convert.

use chrono::{DateTime, FixedOffset, Utc};
use nudge_domain::{
    Attempt, Channel, FireKind, Nag, Notification, NotificationId, NotificationStatus, Recurrence, Reminder,
    ReminderId, ReminderKind, ReminderStatus, ReminderText, TaskId, TimeZone, ValidationError,
    reminders::{NewReminder, ReminderChanges},
};
use nudge_http::serde_ext::nullable;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReminder {
    text: ReminderText,
    /// The first (or only) time, RFC 3339 with offset.
    #[schema(value_type = String, example = "2026-11-23T08:00:00+01:00")]
    due_at: DateTime<FixedOffset>,
    /// Default: the user's zone.
    timezone: Option<TimeZone>,
    /// An RFC 5545 RRULE; absent for a one-time reminder.
    recurrence: Option<Recurrence>,
    /// Default: the user's preferred channel.
    channel: Option<Channel>,
    task_id: Option<TaskId>,
    /// Default: every 10 minutes, 3 times. `{"every_minutes": 10, "max": 0}` never nags.
    nag: Option<Nag>,
}

impl CreateReminder {
    pub fn into_new(self) -> NewReminder {
        NewReminder {
            id: None,
            text: self.text,
            due_at: self.due_at.to_utc(),
            timezone: self.timezone,
            recurrence: self.recurrence,
            channel: self.channel,
            made_on: None,
            task_id: self.task_id,
            nag: self.nag,
            kind: ReminderKind::Reminder,
        }
    }
}

/// The fields to change; `null` clears `recurrence` or `task_id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReminder {
    text: Option<ReminderText>,
    #[schema(value_type = Option<String>)]
    due_at: Option<DateTime<FixedOffset>>,
    timezone: Option<TimeZone>,
    #[serde(default, deserialize_with = "nullable")]
    recurrence: Option<Option<Recurrence>>,
    channel: Option<Channel>,
    #[serde(default, deserialize_with = "nullable")]
    task_id: Option<Option<TaskId>>,
    nag: Option<Nag>,
    /// The version this change was made against; a stale one answers 409.
    version: Option<u64>,
}

impl UpdateReminder {
    pub fn into_changes(self) -> ReminderChanges {
        ReminderChanges {
            text: self.text,
            due_at: self.due_at.map(|t| t.to_utc()),
            timezone: self.timezone,
            recurrence: self.recurrence,
            channel: self.channel,
            task_id: self.task_id,
            nag: self.nag,
            expected_version: self.version,
        }
    }
}

/// Snooze by `minutes` (1 to 1440) or to a time (`until`); exactly one of them.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Snooze {
    minutes: Option<i64>,
    #[schema(value_type = Option<String>)]
    until: Option<DateTime<FixedOffset>>,
}

impl Snooze {
    pub fn until(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, ValidationError> {
        match (self.minutes, self.until) {
            (Some(m), None) if (1..=1440).contains(&m) => Ok(now + chrono::Duration::minutes(m)),
            (Some(_), None) => Err(ValidationError::new("minutes", "must be 1 to 1440")),
            (None, Some(t)) => Ok(t.to_utc()),
            _ => Err(ValidationError::new("minutes", "send either minutes or until")),
        }
    }
}

/// A reminder as clients see it: every time in the reminder's zone; `next_fire_at` is always
/// present (`null` when nothing is left to fire).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReminderView {
    id: ReminderId,
    kind: ReminderKind,
    text: ReminderText,
    timezone: TimeZone,
    #[schema(value_type = String)]
    due_at: DateTime<FixedOffset>,
    recurrence: Option<Recurrence>,
    channel: Channel,
    task_id: Option<TaskId>,
    nag: Nag,
    status: ReminderStatus,
    #[schema(value_type = Option<String>)]
    occurrence: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>)]
    next_fire_at: Option<DateTime<FixedOffset>>,
    /// What the next firing will be, if any.
    next_kind: Option<FireKind>,
    #[schema(value_type = Option<String>)]
    last_fired_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = String)]
    created_at: DateTime<FixedOffset>,
    #[schema(value_type = String)]
    updated_at: DateTime<FixedOffset>,
    version: u64,
}

impl From<Reminder> for ReminderView {
    fn from(r: Reminder) -> Self {
        let tz = r.timezone.tz();
        let local = |t: DateTime<Utc>| t.with_timezone(&tz).fixed_offset();
        let next_kind = r.next_fire_at.map(|_| r.kind_of_next_firing());
        Self {
            id: r.id,
            kind: r.kind,
            text: r.text,
            timezone: r.timezone,
            due_at: local(r.due_at),
            recurrence: r.recurrence,
            channel: r.channel,
            task_id: r.task_id,
            nag: r.nag,
            status: r.status,
            occurrence: r.occurrence.map(local),
            next_fire_at: r.next_fire_at.map(local),
            next_kind,
            last_fired_at: r.last_fired_at.map(local),
            created_at: local(r.created_at),
            updated_at: local(r.updated_at),
            version: r.version,
        }
    }
}

/// A notification as its user sees it: what was sent, where, and every attempt; the notifier's
/// lease and redispatch times stay inside.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    id: NotificationId,
    kind: FireKind,
    channel: Channel,
    status: NotificationStatus,
    text: String,
    reminder_id: Option<ReminderId>,
    occurrence: Option<DateTime<Utc>>,
    provider_id: Option<String>,
    attempts: Vec<Attempt>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            channel: n.channel,
            status: n.status,
            text: n.text,
            reminder_id: n.reminder_id,
            occurrence: n.occurrence,
            provider_id: n.provider_id,
            attempts: n.attempts,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}
