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
