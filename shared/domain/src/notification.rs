//! A notification: one message to a user on one channel, and every attempt to deliver it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{Channel, FireKind, Firing, NotificationId, Reminder, ReminderId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    /// Waiting for the notifier.
    Queued,
    Sent,
    /// Gave up: a permanent error, or too many failed attempts.
    Failed,
    /// Not sent on purpose (the user opted out of SMS, or has no address for the channel).
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Sent,
    Failed,
    Skipped,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// The provider's id for what it accepted (Twilio's message SID, SES's message id, …).
    pub provider_id: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: FireKind,
    pub channel: Channel,
    pub text: String,
    pub reminder_id: Option<ReminderId>,
    pub occurrence: Option<DateTime<Utc>>,
    /// Someone other than the user, for a message sent on their behalf (an approved e-mail);
    /// `None`: the user, at their address for the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// An e-mail's subject, when the message has its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub status: NotificationStatus,
    pub provider_id: Option<String>,
    pub attempts: Vec<Attempt>,
    /// While a notifier holds it: a second delivery of the same message waits.
    pub lease_until: Option<DateTime<Utc>>,
    /// While queued: when the tick sends it to the queue again, in case the first send was
    /// lost (the tick stopped between claiming the firing and enqueueing it).
    pub redispatch_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// Attempts before a notification is failed for good; SQS's redrive policy agrees (5 receives).
pub const MAX_ATTEMPTS: usize = 5;
/// How long a notifier may hold a notification before another may try.
pub const LEASE: Duration = Duration::seconds(60);
/// How long a queued notification may wait before the tick enqueues it again.
pub const REDISPATCH_AFTER: Duration = Duration::minutes(10);

/// The words for a firing; nags get firmer. Plain ASCII, so an SMS stays in one GSM-7 part.
pub fn wording(kind: FireKind, text: &str) -> String {
    match kind {
        FireKind::First | FireKind::Digest => format!("Reminder: {text}"),
        FireKind::Reply | FireKind::Outbound => text.to_owned(),
        FireKind::Snoozed => format!("Snooze is over: {text}"),
        FireKind::Nag(1) => format!("Reminder again: {text}. Reply DONE when it's done."),
        FireKind::Nag(2) => format!("Still waiting on this one: {text}. Reply DONE, or SNOOZE 10."),
        FireKind::Nag(_) => format!("This really needs doing now: {text}. Reply DONE, or SNOOZE 10."),
    }
}

impl NotificationId {
    /// The id of a firing: the same (reminder, occurrence, firing) gives the same id, in any
    /// process, so a second claim of it is refused; it sorts by the firing's time (UUIDv7).
    pub fn for_firing(reminder: ReminderId, f: &Firing) -> Self {
        let key = format!("{reminder}|{}|{}", f.occurrence.timestamp_millis(), f.seq);
        let hash = Sha256::digest(key.as_bytes());
        let mut rand = [0u8; 10];
        rand.copy_from_slice(&hash[..10]);
        let ms = u64::try_from(f.scheduled_at.timestamp_millis()).unwrap_or_default();
        Self::from_uuid(uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid())
    }

    pub fn new_random(id: Uuid) -> Self {
        Self::from_uuid(id)
    }
}

impl crate::ReminderId {
    /// The id of a user's morning digest: one per user, made from the user's id (and sorting
    /// with the user's creation time, as a UUIDv7).
    pub fn digest_of(user: UserId) -> Self {
        let hash = Sha256::digest(format!("nudge/digest/{user}").as_bytes());
        let mut rand = [0u8; 10];
        rand.copy_from_slice(&hash[..10]);
        let ms = user
            .as_uuid()
            .get_timestamp()
            .map_or(0, |t| t.to_unix().0 * 1000 + u64::from(t.to_unix().1 / 1_000_000));
        Self::from_uuid(uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid())
    }
}

impl Notification {
    /// A new notification, queued: the notifier delivers it, and should the queue lose its
    /// message, the tick sends it again at `redispatch_at`.
    pub fn queued(
        id: NotificationId,
        user_id: UserId,
        kind: FireKind,
        channel: Channel,
        text: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            user_id,
            kind,
            channel,
            text,
            reminder_id: None,
            occurrence: None,
            to: None,
            subject: None,
            status: NotificationStatus::Queued,
            provider_id: None,
            attempts: vec![],
            lease_until: None,
            redispatch_at: Some(now + REDISPATCH_AFTER),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// The queued notification of a reminder's firing.
    pub fn for_firing(r: &Reminder, f: &Firing, text: String, now: DateTime<Utc>) -> Self {
        Self {
            reminder_id: Some(r.id),
            occurrence: Some(f.occurrence),
            ..Self::queued(NotificationId::for_firing(r.id, f), r.user_id, f.kind, r.channel, text, now)
        }
    }

    pub fn is_final(&self) -> bool {
        self.status != NotificationStatus::Queued
    }

    /// Records an attempt; a success, a skip, a permanent failure or the last allowed attempt
    /// ends the notification's life (and takes it off the redispatch index).
    pub fn record(&mut self, now: DateTime<Utc>, attempt: Attempt, permanent: bool) {
        self.status = match attempt.outcome {
            AttemptOutcome::Sent => NotificationStatus::Sent,
            AttemptOutcome::Skipped => NotificationStatus::Skipped,
            AttemptOutcome::Failed if permanent || self.attempts.len() + 1 >= MAX_ATTEMPTS => {
                NotificationStatus::Failed
            }
            AttemptOutcome::Failed => NotificationStatus::Queued,
        };
        if attempt.provider_id.is_some() {
            self.provider_id.clone_from(&attempt.provider_id);
        }
        self.attempts.push(attempt);
        self.lease_until = None;
        self.redispatch_at = (!self.is_final()).then(|| now + REDISPATCH_AFTER);
        self.updated_at = now;
        self.version += 1;
    }
}
