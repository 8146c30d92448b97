//! Request bodies and query strings as clients send them. Unknown fields are refused, so a
//! typo (`"tittle"`) is a 400 rather than a silent no-op.

use chrono::{DateTime, Utc};
use nudge_domain::{
    Limit, Priority, TaskFilter, TaskStatus, TaskTitle, ValidationError,
    task::{Assignee, Description, Metadata},
    tasks::{NewTask, TaskChanges},
};
use nudge_http::serde_ext::nullable;
use serde::Deserialize;

/// Blank text means "none": clients often send `""` for an empty field.
fn optional_text<T>(
    raw: Option<String>,
    parse: fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    raw.filter(|s| !s.trim().is_empty()).map(|s| parse(&s)).transpose()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    title: TaskTitle,
    description: Option<String>,
    /// Default `pending`.
    status: Option<TaskStatus>,
    priority: Option<Priority>,
    assigned_to: Option<String>,
    due_date: Option<DateTime<Utc>>,
    /// Any JSON object, kept as sent.
    metadata: Option<Metadata>,
}

impl CreateTask {
    pub fn into_new_task(self) -> Result<NewTask, ValidationError> {
        Ok(NewTask {
            title: self.title,
            description: optional_text(self.description, Description::parse)?,
            status: self.status.unwrap_or_default(),
            priority: self.priority.unwrap_or_default(),
            assigned_to: optional_text(self.assigned_to, Assignee::parse)?,
            due_date: self.due_date,
            metadata: self.metadata.unwrap_or_default(),
        })
    }
}

/// `PUT /api/tasks/{id}`: the fields to change; `null` clears an optional field. `version`,
/// when sent, must be the task's current version or the update answers 409.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    title: Option<TaskTitle>,
    #[serde(default, deserialize_with = "nullable")]
    description: Option<Option<String>>,
    status: Option<TaskStatus>,
    priority: Option<Priority>,
    #[serde(default, deserialize_with = "nullable")]
    assigned_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    due_date: Option<Option<DateTime<Utc>>>,
    metadata: Option<Metadata>,
    /// The version this change was made against; a stale one answers 409.
    version: Option<u64>,
}

impl UpdateTask {
    pub fn into_changes(self) -> Result<TaskChanges, ValidationError> {
        Ok(TaskChanges {
            title: self.title,
            description: self.description.map(|d| optional_text(d, Description::parse)).transpose()?,
            status: self.status,
            priority: self.priority,
            assigned_to: self.assigned_to.map(|a| optional_text(a, Assignee::parse)).transpose()?,
            due_date: self.due_date,
            metadata: self.metadata,
            expected_version: self.version,
        })
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    pub status: TaskStatus,
    pub version: Option<u64>,
}

/// `GET /api/tasks?status=pending,in_progress&priority=high&due_from=…&due_to=…&limit=&cursor=`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Statuses to keep, comma-separated (`pending,in_progress`).
    status: Option<String>,
    /// Priorities to keep, comma-separated (`critical,high`).
    priority: Option<String>,
    /// Due on or after this RFC 3339 time; undated tasks are left out.
    due_from: Option<String>,
    /// Due on or before this RFC 3339 time; undated tasks are left out.
    due_to: Option<String>,
    /// 1 to 100, default 20.
    limit: Option<String>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

fn list_of<T: std::str::FromStr<Err = ValidationError>>(
    raw: &Option<String>,
) -> Result<Vec<T>, ValidationError> {
    raw.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect()
}

fn time(field: &str, raw: &Option<String>) -> Result<Option<DateTime<Utc>>, ValidationError> {
    // A `+` in a query string arrives as a space unless the client encoded it.
    raw.as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(&s.trim().replace(' ', "+")).map(|t| t.with_timezone(&Utc)).map_err(
                |_| ValidationError::new(field, "must be an RFC 3339 time such as 2026-11-22T09:00:00Z"),
            )
        })
        .transpose()
}

impl ListParams {
    pub fn filter(&self) -> Result<TaskFilter, ValidationError> {
        Ok(TaskFilter {
            statuses: list_of(&self.status)?,
            priorities: list_of(&self.priority)?,
            due_from: time("due_from", &self.due_from)?,
            due_to: time("due_to", &self.due_to)?,
        })
    }

    pub fn limit(&self) -> Result<Limit, ValidationError> {
        match &self.limit {
            None => Ok(Limit::default()),
            Some(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| ValidationError::new("limit", "must be between 1 and 100"))
                .and_then(Limit::new),
        }
    }
}
