//! Reminder use cases: create, read, change, snooze, acknowledge, delete.

use chrono::{DateTime, Utc};

use crate::{
    Channel, DomainError, Nag, Page, PageRequest, Ports, Recurrence, Reminder, ReminderId, ReminderKind,
    ReminderText, StoreError, TaskId, TaskStatus, TimeZone, UserId, tasks, users,
};

#[derive(Debug, Clone)]
pub struct NewReminder {
    /// Default: a new one. The digest's is fixed per user.
    pub id: Option<ReminderId>,
    pub text: ReminderText,
    pub due_at: DateTime<Utc>,
    /// Default: the user's.
    pub timezone: Option<TimeZone>,
    pub recurrence: Option<Recurrence>,
    /// Default: the channel it was made on, else the user's preferred one.
    pub channel: Option<Channel>,
    pub made_on: Option<Channel>,
    pub task_id: Option<TaskId>,
    pub nag: Option<Nag>,
    pub kind: ReminderKind,
}

pub async fn create_reminder(p: &Ports, owner: UserId, new: NewReminder) -> Result<Reminder, DomainError> {
    let user = users::get_user(p, owner).await?;
    if let Some(task) = new.task_id {
        tasks::get_task(p, owner, task).await?;
    }
    let now = p.clock.now();
    let id = new.id.unwrap_or_else(|| ReminderId::from_uuid(p.ids.new_id()));
    let mut reminder = Reminder {
        kind: new.kind,
        recurrence: new.recurrence,
        channel: new.channel.or(new.made_on).unwrap_or(user.preferences.channel),
        task_id: new.task_id,
        nag: new.nag.unwrap_or_default(),
        ..Reminder::new(id, owner, new.text, new.timezone.unwrap_or(user.timezone), new.due_at, now)
    };
    reminder.schedule(now)?;
    p.reminders.insert_reminder(&reminder).await?;
    Ok(reminder)
}

pub async fn get_reminder(p: &Ports, owner: UserId, id: ReminderId) -> Result<Reminder, DomainError> {
    p.reminders.get_reminder(&owner, &id).await?.ok_or(DomainError::NotFound("reminder"))
}

pub async fn list_reminders(
    p: &Ports,
    owner: UserId,
    page: &PageRequest<ReminderId>,
) -> Result<Page<Reminder, ReminderId>, DomainError> {
    Ok(p.reminders.list_reminders(&owner, page).await?)
}

/// Deletes a reminder; the morning digest is stopped through preferences instead, which keep
/// its time.
pub async fn delete_reminder(p: &Ports, owner: UserId, id: ReminderId) -> Result<(), DomainError> {
    if get_reminder(p, owner, id).await?.kind == ReminderKind::Digest {
        return Err(DomainError::Conflict(
            "this is the morning digest: set digest_at to null in /api/me/preferences to stop it".into(),
        ));
    }
    if p.reminders.delete_reminder(&owner, &id).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("reminder"))
    }
}

/// `PUT`: the fields to change (`Some(None)` clears an optional one). A change of time, zone or
/// rule schedules the reminder afresh.
#[derive(Debug, Clone, Default)]
pub struct ReminderChanges {
    pub text: Option<ReminderText>,
    pub due_at: Option<DateTime<Utc>>,
    pub timezone: Option<TimeZone>,
    pub recurrence: Option<Option<Recurrence>>,
    pub channel: Option<Channel>,
    pub task_id: Option<Option<TaskId>>,
    pub nag: Option<Nag>,
    pub expected_version: Option<u64>,
}

pub async fn update_reminder(
    p: &Ports,
    owner: UserId,
    id: ReminderId,
    c: &ReminderChanges,
) -> Result<Reminder, DomainError> {
    if let Some(Some(task)) = c.task_id {
        tasks::get_task(p, owner, task).await?;
    }
    modify(p, owner, id, c.expected_version, |r, now| {
        let reschedule = c.due_at.is_some() || c.timezone.is_some() || c.recurrence.is_some();
        if let Some(v) = &c.text {
            r.text = v.clone();
        }
        if let Some(v) = c.due_at {
            r.due_at = v;
        }
        if let Some(v) = c.timezone {
            r.timezone = v;
        }
        if let Some(v) = &c.recurrence {
            r.recurrence = v.clone();
        }
        if let Some(v) = c.channel {
            r.channel = v;
        }
        if let Some(v) = c.task_id {
            r.task_id = v;
        }
        if let Some(v) = c.nag {
            r.nag = v;
        }
        if reschedule {
            r.schedule(now)?;
        }
        r.touch(now);
        Ok(())
    })
    .await
}

/// Fire again at `until`.
pub async fn snooze(
    p: &Ports,
    owner: UserId,
    id: ReminderId,
    until: DateTime<Utc>,
) -> Result<Reminder, DomainError> {
    modify(p, owner, id, None, |r, now| Ok(r.snooze(until, now)?)).await
}

/// Done: the reminder stops nagging, a recurrence waits for its next time, and the task it
/// belongs to is completed.
pub async fn acknowledge(p: &Ports, owner: UserId, id: ReminderId) -> Result<Reminder, DomainError> {
    let reminder = modify(p, owner, id, None, |r, now| {
        r.acknowledge(now);
        Ok(())
    })
    .await?;
    if let Some(task) = reminder.task_id {
        match tasks::set_task_status(p, owner, task, TaskStatus::Completed, None).await {
            Ok(_) | Err(DomainError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(reminder)
}

/// Attempts of a change made without a version, when a tick or another client got there first.
const ATTEMPTS: usize = 3;

/// Reads, changes and stores a reminder under its version; without an expected version a lost
/// race is retried on a fresh read.
async fn modify(
    p: &Ports,
    owner: UserId,
    id: ReminderId,
    expected: Option<u64>,
    change: impl Fn(&mut Reminder, DateTime<Utc>) -> Result<(), DomainError>,
) -> Result<Reminder, DomainError> {
    let attempts = if expected.is_some() { 1 } else { ATTEMPTS };
    for attempt in 1..=attempts {
        let mut r = get_reminder(p, owner, id).await?;
        if let Some(v) = expected
            && v != r.version
        {
            return Err(DomainError::Conflict(format!(
                "version {v} is stale: the reminder is at version {}; fetch it and try again",
                r.version
            )));
        }
        let read = r.version;
        let now = p.clock.now();
        change(&mut r, now)?;
        r.version = read + 1;
        match p.reminders.replace_reminder(&r, read).await {
            Ok(()) => return Ok(r),
            Err(StoreError::Conflict(_)) if attempt < attempts => continue,
            Err(StoreError::Conflict(_)) => {
                return Err(DomainError::Conflict(
                    "the reminder changed meanwhile; fetch it and try again".into(),
                ));
            }
            Err(StoreError::NotFound) => return Err(DomainError::NotFound("reminder")),
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the loop returns on its last attempt")
}
