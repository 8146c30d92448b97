//! Task use cases. Every one is scoped to its owner: another user's task is not found.

use chrono::{DateTime, Utc};

use crate::{
    DomainError, Page, PageRequest, Ports, Priority, StoreError, Task, TaskFilter, TaskId, TaskStatus,
    TaskTitle, UserId,
    task::{Assignee, Description, Metadata},
};

/// A task to create; what the client leaves out takes seed 004's defaults.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub title: TaskTitle,
    pub description: Option<Description>,
    pub status: TaskStatus,
    pub priority: Priority,
    pub assigned_to: Option<Assignee>,
    pub due_date: Option<DateTime<Utc>>,
    pub metadata: Metadata,
}

/// Changes to a task. `None` leaves a field alone; `Some(None)` clears an optional one.
/// `expected_version`, when given, must be the stored version or nothing changes (409).
#[derive(Debug, Clone, Default)]
pub struct TaskChanges {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<Description>>,
    pub status: Option<TaskStatus>,
    pub priority: Option<Priority>,
    pub assigned_to: Option<Option<Assignee>>,
    pub due_date: Option<Option<DateTime<Utc>>>,
    pub metadata: Option<Metadata>,
    pub expected_version: Option<u64>,
}

impl TaskChanges {
    fn apply(&self, t: &mut Task) {
        if let Some(v) = &self.title {
            t.title = v.clone();
        }
        if let Some(v) = &self.description {
            t.description = v.clone();
        }
        if let Some(v) = self.status {
            t.status = v;
        }
        if let Some(v) = self.priority {
            t.priority = v;
        }
        if let Some(v) = &self.assigned_to {
            t.assigned_to = v.clone();
        }
        if let Some(v) = self.due_date {
            t.due_date = v;
        }
        if let Some(v) = &self.metadata {
            t.metadata = v.clone();
        }
    }
}

pub async fn create_task(p: &Ports, owner: UserId, new: NewTask) -> Result<Task, DomainError> {
    let now = p.clock.now();
    let task = Task {
        id: TaskId::from_uuid(p.ids.new_id()),
        user_id: owner,
        title: new.title,
        description: new.description,
        status: new.status,
        priority: new.priority,
        assigned_to: new.assigned_to,
        due_date: new.due_date,
        metadata: new.metadata,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    p.tasks.insert_task(&task).await?;
    Ok(task)
}

pub async fn get_task(p: &Ports, owner: UserId, id: TaskId) -> Result<Task, DomainError> {
    p.tasks.get_task(&owner, &id).await?.ok_or(DomainError::NotFound("task"))
}

pub async fn list_tasks(
    p: &Ports,
    owner: UserId,
    filter: &TaskFilter,
    page: &PageRequest<TaskId>,
) -> Result<Page<Task, TaskId>, DomainError> {
    if let (Some(from), Some(to)) = (filter.due_from, filter.due_to)
        && from > to
    {
        return Err(crate::ValidationError::new("due_from", "must not be after due_to").into());
    }
    Ok(p.tasks.list_tasks(&owner, filter, page).await?)
}

/// How often a change with no expected version is re-applied when another writer got there
/// first: without a version the client asked for "latest wins", not for a 409.
const UNVERSIONED_ATTEMPTS: usize = 3;

pub async fn update_task(
    p: &Ports,
    owner: UserId,
    id: TaskId,
    changes: &TaskChanges,
) -> Result<Task, DomainError> {
    let attempts = if changes.expected_version.is_some() { 1 } else { UNVERSIONED_ATTEMPTS };
    for attempt in 1..=attempts {
        let mut task = get_task(p, owner, id).await?;
        if let Some(expected) = changes.expected_version
            && expected != task.version
        {
            return Err(stale(expected, task.version));
        }
        let read_version = task.version;
        changes.apply(&mut task);
        task.version = read_version + 1;
        task.updated_at = p.clock.now().max(task.updated_at);
        match p.tasks.replace_task(&task, read_version).await {
            Ok(()) => return Ok(task),
            Err(StoreError::Conflict(_)) if attempt < attempts => continue,
            Err(StoreError::Conflict(_)) => {
                return Err(DomainError::Conflict(
                    "the task was changed by someone else; fetch it and try again".into(),
                ));
            }
            Err(StoreError::NotFound) => return Err(DomainError::NotFound("task")),
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the loop returns on its last attempt")
}

pub async fn set_task_status(
    p: &Ports,
    owner: UserId,
    id: TaskId,
    status: TaskStatus,
    expected_version: Option<u64>,
) -> Result<Task, DomainError> {
    let changes = TaskChanges { status: Some(status), expected_version, ..Default::default() };
    update_task(p, owner, id, &changes).await
}

pub async fn delete_task(p: &Ports, owner: UserId, id: TaskId) -> Result<(), DomainError> {
    if p.tasks.delete_task(&owner, &id).await? { Ok(()) } else { Err(DomainError::NotFound("task")) }
}

fn stale(expected: u64, current: u64) -> DomainError {
    DomainError::Conflict(format!(
        "version {expected} is stale: the task is at version {current}; fetch it and try again"
    ))
}
