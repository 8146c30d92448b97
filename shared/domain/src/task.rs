use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{TaskId, UserId, ValidationError};

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                let s = raw.trim();
                let n = s.chars().count();
                if n == 0 {
                    return Err(ValidationError::new($field, "must not be empty"));
                }
                if n > Self::MAX_CHARS {
                    return Err(ValidationError::new(
                        $field,
                        format!("must be at most {} characters (got {n})", Self::MAX_CHARS),
                    ));
                }
                Ok(Self(s.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use bounded_text;

bounded_text!(
    /// A task's title: required, 1 to 255 characters once trimmed (seed 004's VARCHAR(255)).
    TaskTitle, "title", 255
);
bounded_text!(
    /// A task's free-text description.
    Description, "description", 10_000
);
bounded_text!(
    /// Who a task is assigned to (seed 004's VARCHAR(100)).
    Assignee, "assigned_to", 100
);

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Pending,
    InProgress,
    Completed,
    Cancelled,
}

/// How soon a task matters; `medium` unless said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    High,
    #[default]
    Medium,
    Low,
}

macro_rules! snake_enum_str {
    ($ty:ident, $field:literal, $($variant:ident = $s:literal),+) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $s),+ }
            }
        }
        impl FromStr for $ty {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($ty::$variant),)+
                    _ => Err(ValidationError::new(
                        $field,
                        format!("must be one of {}", [$($s),+].join(", ")),
                    )),
                }
            }
        }
    };
}

snake_enum_str!(
    TaskStatus,
    "status",
    Pending = "pending",
    InProgress = "in_progress",
    Completed = "completed",
    Cancelled = "cancelled"
);
snake_enum_str!(Priority, "priority", Critical = "critical", High = "high", Medium = "medium", Low = "low");

/// Free-form JSON a client keeps with a task. Always an object; bounded so that every store can
/// hold it as it is (DynamoDB nests 32 levels at most and keeps numbers within ±1e125).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "Value", into = "Value")]
#[schema(value_type = Object)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    const MAX_DEPTH: usize = 16;

    pub fn parse(v: Value) -> Result<Self, ValidationError> {
        match v {
            Value::Object(map) => {
                // Every task read from a store passes here too: check in place, copy nothing.
                map.values().try_for_each(|v| check_json(v, 2))?;
                Ok(Self(map))
            }
            Value::Null => Ok(Self::default()),
            _ => Err(ValidationError::new("metadata", "must be a JSON object")),
        }
    }
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

fn check_json(v: &Value, depth: usize) -> Result<(), ValidationError> {
    if depth > Metadata::MAX_DEPTH {
        return Err(ValidationError::new("metadata", "nests deeper than 16 levels"));
    }
    match v {
        Value::Object(m) => m.values().try_for_each(|v| check_json(v, depth + 1)),
        Value::Array(a) => a.iter().try_for_each(|v| check_json(v, depth + 1)),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f == 0.0 || (1e-130..1e125).contains(&f.abs()) => Ok(()),
            _ => Err(ValidationError::new("metadata", "holds a number out of range (±1e-130 to ±1e125)")),
        },
        _ => Ok(()),
    }
}

impl TryFrom<Value> for Metadata {
    type Error = ValidationError;
    fn try_from(v: Value) -> Result<Self, Self::Error> {
        Self::parse(v)
    }
}
impl From<Metadata> for Value {
    fn from(m: Metadata) -> Self {
        Value::Object(m.0)
    }
}

/// A task, with seed 004's fields, its owner, and a version that every change increments
/// (optimistic concurrency: a write names the version it read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub user_id: UserId,
    pub title: TaskTitle,
    pub description: Option<Description>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub assigned_to: Option<Assignee>,
    pub due_date: Option<DateTime<Utc>>,
    pub metadata: Metadata,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// Which of a user's tasks to list. Empty sets mean "any"; a due range leaves out tasks with no
/// due date. Bounds are inclusive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    pub statuses: Vec<TaskStatus>,
    pub priorities: Vec<Priority>,
    pub due_from: Option<DateTime<Utc>>,
    pub due_to: Option<DateTime<Utc>>,
}

impl TaskFilter {
    /// The rule every store must implement; the contract suite holds them to it.
    pub fn matches(&self, t: &Task) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&t.status))
            && (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && self.due_from.is_none_or(|from| t.due_date.is_some_and(|d| d >= from))
            && self.due_to.is_none_or(|to| t.due_date.is_some_and(|d| d <= to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn titles_are_trimmed_and_hold_1_to_255_characters() {
        assert_eq!(TaskTitle::parse("  Buy milk ").unwrap().as_str(), "Buy milk");
        assert!(TaskTitle::parse("   ").is_err());
        assert!(TaskTitle::parse(&"é".repeat(255)).is_ok(), "255 characters, not bytes");
        let err = TaskTitle::parse(&"a".repeat(256)).unwrap_err();
        assert_eq!(err.field, "title");
    }

    #[test]
    fn enums_read_their_snake_case_names_only() {
        assert_eq!("in_progress".parse::<TaskStatus>().unwrap(), TaskStatus::InProgress);
        let err = "done".parse::<TaskStatus>().unwrap_err();
        assert_eq!(err.message, "must be one of pending, in_progress, completed, cancelled");
        assert_eq!(Priority::default(), Priority::Medium);
        assert!("urgent".parse::<Priority>().is_err());
    }

    #[test]
    fn metadata_is_an_object_a_store_can_hold() {
        assert!(Metadata::parse(json!({"a": {"b": [1, 2.5, "x", null]}})).is_ok());
        assert_eq!(Metadata::parse(Value::Null).unwrap(), Metadata::default());
        assert!(Metadata::parse(json!([1])).is_err());
        assert!(Metadata::parse(json!({"n": 1e200})).is_err());
        let mut deep = json!(1);
        for _ in 0..20 {
            deep = json!({ "d": deep });
        }
        assert!(Metadata::parse(deep).is_err());
    }
}
