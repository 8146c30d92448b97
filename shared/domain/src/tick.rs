//! The reminder tick: fire what is due, exactly once, as of the scheduled time it is given.
//!
//! Exactly once comes from the claim: a firing's notification id is derived from (reminder,
//! occurrence, firing), and the store adds that notification and advances the reminder in one
//! conditional write. Two ticks over the same due set, or one tick delivered twice, race for
//! the same claim and one loses. A claimed firing is then enqueued; should the tick stop before
//! that, the notification waits in the due index (`redispatch_at`) and a later tick enqueues
//! it, which the notifier's idempotence makes harmless if the first send did arrive.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::Serialize;

use crate::{
    DomainError, FireKind, Limit, Notification, NotifyMessage, PageRequest, Ports, Reminder, ReminderKind,
    ReminderStatus, Step, StoreError, TaskFilter, TaskStatus, User, UserId, notification::REDISPATCH_AFTER,
    notification::wording,
};

/// What one tick did.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct TickReport {
    pub now: DateTime<Utc>,
    /// Due-index entries read (what the tick costs; it grows with the due set only).
    pub items_read: usize,
    pub fired: usize,
    /// Held back by quiet hours.
    pub deferred: usize,
    /// Claimed by another tick first.
    pub lost_races: usize,
    /// Queued notifications sent to the queue again.
    pub redispatched: usize,
    /// Pending approvals whose time ran out.
    pub approvals_expired: usize,
    /// Approved actions queued again, not having run yet.
    pub approvals_requeued: usize,
    /// Approved actions given up, not having run in time.
    pub approvals_given_up: usize,
    /// Firings that failed this time (the store erred); they stay due for the next tick.
    pub failed: usize,
}

/// Reminders handled at once: a tick spends its time waiting on conditional writes, and a
/// morning when thousands of people want "08:00" must fit well inside one minute.
const CONCURRENCY: usize = 16;

/// What became of one due reminder.
enum Outcome {
    Idle,
    Fired,
    Deferred,
    Lost,
    Failed,
}

pub async fn run_tick(p: &Ports, now: DateTime<Utc>) -> Result<TickReport, DomainError> {
    let due = p.reminders.due(now).await?;
    let mut report = TickReport { now, items_read: due.items_read, ..Default::default() };
    // Each user read once; a reminder whose user is gone fires for no one.
    let mut ids: Vec<UserId> = due.reminders.iter().map(|r| r.user_id).collect();
    ids.sort();
    ids.dedup();
    let users: HashMap<UserId, Arc<User>> = stream::iter(ids)
        .map(|id| async move { p.users.get_user(&id).await.map(|u| u.map(|u| (id, Arc::new(u)))) })
        .buffer_unordered(CONCURRENCY)
        .try_filter_map(|found| async move { Ok(found) })
        .try_collect()
        .await?;
    // Owned items: futures borrowing the stream's items fail a higher-ranked `Send` check in
    // axum's handlers (the admin job route runs the tick).
    let outcomes: Vec<Outcome> = stream::iter(due.reminders)
        .map(|r| {
            let user = users.get(&r.user_id).cloned();
            async move {
                let Some(user) = user else { return Outcome::Idle };
                // One reminder's failure (a throttled write, say) is not everyone's: it stays
                // due, and the next tick tries it again.
                fire(p, &r, &user, now).await.unwrap_or_else(|e| {
                    tracing::error!(reminder = %r.id, error = %e, "firing failed; the next tick retries");
                    Outcome::Failed
                })
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for outcome in outcomes {
        match outcome {
            Outcome::Idle => {}
            Outcome::Fired => report.fired += 1,
            Outcome::Deferred => report.deferred += 1,
            Outcome::Lost => report.lost_races += 1,
            Outcome::Failed => report.failed += 1,
        }
    }
    for mut n in due.notifications {
        // Done, or in a notifier's hands right now: nothing to resend.
        if n.is_final() || n.lease_until.is_some_and(|t| t > now) {
            continue;
        }
        p.queue.enqueue(&NotifyMessage { user_id: n.user_id, notification_id: n.id }).await?;
        let read = n.version;
        n.redispatch_at = Some(now + REDISPATCH_AFTER);
        n.version += 1;
        match p.notifications.replace_notification(&n, read).await {
            Ok(()) | Err(StoreError::Conflict(_) | StoreError::NotFound) => report.redispatched += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let tended = crate::approvals::tend_due(p, due.approvals, now).await?;
    (report.approvals_expired, report.approvals_requeued, report.approvals_given_up) =
        (tended.expired, tended.requeued, tended.given_up);
    tracing::info!(
        items_read = report.items_read,
        fired = report.fired,
        deferred = report.deferred,
        lost_races = report.lost_races,
        redispatched = report.redispatched,
        approvals_expired = report.approvals_expired,
        approvals_requeued = report.approvals_requeued,
        approvals_given_up = report.approvals_given_up,
        failed = report.failed,
        "tick"
    );
    Ok(report)
}

/// One due reminder: defer it, or claim its firing and enqueue the notification.
async fn fire(p: &Ports, r: &Reminder, user: &User, now: DateTime<Utc>) -> Result<Outcome, DomainError> {
    match r.step(now, user.preferences.quiet_hours.as_ref().map(|q| (q, user.timezone))) {
        Step::Idle => Ok(Outcome::Idle),
        Step::Defer(next) => match p.reminders.replace_reminder(&next, r.version).await {
            Ok(()) => Ok(Outcome::Deferred),
            Err(StoreError::Conflict(_) | StoreError::NotFound) => Ok(Outcome::Lost),
            Err(e) => Err(e.into()),
        },
        Step::Fire(firing, next) => {
            let text = match firing.kind {
                FireKind::Digest => digest(p, user, now).await?,
                kind => wording(kind, r.text.as_str()),
            };
            let n = Notification::for_firing(r, &firing, text, now);
            if !p.notifications.claim_firing(&n, &next, r.version).await? {
                return Ok(Outcome::Lost);
            }
            let message = NotifyMessage { user_id: n.user_id, notification_id: n.id };
            if let Err(e) = p.queue.enqueue(&message).await {
                // Claimed and stored: a later tick enqueues it (redispatch_at).
                tracing::warn!(notification = %n.id, error = %e, "enqueue failed; will redispatch");
            }
            Ok(Outcome::Fired)
        }
    }
}

/// The morning digest: today's open tasks and what is still to fire today, in local time.
async fn digest(p: &Ports, user: &User, now: DateTime<Utc>) -> Result<String, DomainError> {
    let tz = user.timezone.tz();
    let today = now.with_timezone(&tz).date_naive();
    let start = crate::schedule::resolve(tz, today.and_time(chrono::NaiveTime::MIN));
    let end = start + Duration::days(1);
    let filter = TaskFilter {
        statuses: vec![TaskStatus::Pending, TaskStatus::InProgress],
        due_from: Some(start),
        due_to: Some(end),
        ..Default::default()
    };
    let max = Limit::new(100)?;
    let tasks = p.tasks.list_tasks(&user.id, &filter, &PageRequest { limit: max, after: None }).await?.items;
    let mut reminders: Vec<(DateTime<Utc>, String)> = p
        .reminders
        .list_reminders(&user.id, &PageRequest { limit: max, after: None })
        .await?
        .items
        .into_iter()
        .filter(|r| r.kind == ReminderKind::Reminder && r.status != ReminderStatus::Done)
        .filter_map(|r| r.next_fire_at.filter(|t| *t >= now && *t < end).map(|t| (t, r.text.to_string())))
        .collect();
    reminders.sort();
    if tasks.is_empty() && reminders.is_empty() {
        return Ok("Good morning! Nothing is due today.".into());
    }
    let mut out = String::from("Good morning! Today:");
    for t in &tasks {
        out.push_str(&format!("\n- {}", t.title));
    }
    for (at, text) in &reminders {
        out.push_str(&format!("\n- {} {text}", at.with_timezone(&tz).format("%H:%M")));
    }
    Ok(out)
}
