use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ValidationError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::try_parse(s)
                    .map(Self)
                    .map_err(|_| ValidationError::new("id", concat!("not a valid ", $what, " id")))
            }
        }

        // Hyphenated lowercase: it sorts as the bytes do, which the stores rely on for paging.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}

uuid_id!(
    /// A user's id. Every item a user owns hangs off it.
    UserId, "user"
);
uuid_id!(
    /// A task's id: a UUIDv7, so ids sort by creation time.
    TaskId, "task"
);
uuid_id!(
    /// A reminder's id: a UUIDv7.
    ReminderId, "reminder"
);
uuid_id!(
    /// A notification's id. Made from what fired (reminder, occurrence, firing), so that two
    /// ticks firing the same thing name the same notification; it still sorts by time.
    NotificationId, "notification"
);
uuid_id!(
    /// A conversation's id: a UUIDv7, so a user's latest conversation sorts first.
    ConversationId, "conversation"
);
uuid_id!(
    /// A message's id within its conversation: a UUIDv7, in the order the turn wrote them.
    MessageId, "message"
);
uuid_id!(
    /// A memory's id: a UUIDv7, or one derived from the message it was learned from.
    MemoryId, "memory"
);
uuid_id!(
    /// A prompt customization's id: a UUIDv7.
    CustomizationId, "prompt customization"
);
uuid_id!(
    /// An approval's id: a UUIDv7, so a user's newest approval sorts first.
    ApprovalId, "approval"
);
uuid_id!(
    /// An audit entry's id: a UUIDv7, so the log reads in time order.
    AuditId, "audit entry"
);

/// A UUIDv7 named by `key`: the same key gives the same id in any process (so a second write
/// of the same thing is refused), sorting at `at`.
fn named_uuid(key: &str, at: chrono::DateTime<chrono::Utc>) -> Uuid {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(format!("nudge/{key}").as_bytes());
    let mut rand = [0u8; 10];
    rand.copy_from_slice(&hash[..10]);
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or_default();
    uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid()
}

impl NotificationId {
    /// The notification `key` names (`approval/<id>/ask`, `sms-reply/<sid>`), made at `at`.
    pub fn named(key: &str, at: chrono::DateTime<chrono::Utc>) -> Self {
        Self::from_uuid(named_uuid(key, at))
    }
}

impl crate::AuditId {
    /// The entry `key` names: recording the same change twice keeps one entry.
    pub fn named(key: &str, at: chrono::DateTime<chrono::Utc>) -> Self {
        Self::from_uuid(named_uuid(key, at))
    }
}

impl MessageId {
    /// The message `key` names, written at `at`.
    pub fn named(key: &str, at: chrono::DateTime<chrono::Utc>) -> Self {
        Self::from_uuid(named_uuid(key, at))
    }
}

impl MemoryId {
    /// The id of the `n`-th memory learned from a message: learning from it again names the
    /// same memories. A UUIDv7 with the message's time, so it sorts with the others.
    pub fn learned_from(message: MessageId, n: usize) -> Self {
        use sha2::{Digest, Sha256};
        let hash = Sha256::digest(format!("nudge/learned/{message}/{n}").as_bytes());
        let mut rand = [0u8; 10];
        rand.copy_from_slice(&hash[..10]);
        let ms = message.as_uuid().get_timestamp().map_or(0, |t| {
            let (s, ns) = t.to_unix();
            s * 1000 + u64::from(ns / 1_000_000)
        });
        Self::from_uuid(uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid())
    }
}

uuid_id!(
    /// A connected account's id: a UUIDv7. A user has at most one per provider.
    IntegrationId, "integration"
);
