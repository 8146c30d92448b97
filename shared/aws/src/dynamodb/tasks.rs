use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use nudge_domain::{Page, PageRequest, StoreError, Task, TaskFilter, TaskId, TaskRepo, UserId};

use super::{DynamoStore, Filter, Item, from_item, s, time_key, to_item, user_pk};

const TASK: &str = "TASK#";

fn task_sk(id: &TaskId) -> String {
    format!("{TASK}{id}")
}

fn task_item(task: &Task) -> Result<Item, StoreError> {
    let mut item = to_item(task)?;
    item.insert("PK".into(), s(user_pk(&task.user_id)));
    item.insert("SK".into(), s(task_sk(&task.id)));
    item.insert("entity".into(), s("task"));
    if let Some(due) = task.due_date {
        item.insert("due_key".into(), s(time_key(due)));
    }
    Ok(item)
}

impl Filter {
    /// The FilterExpression for a task filter.
    fn of(f: &TaskFilter) -> Self {
        let mut out = Filter::default();
        let mut any_of = |attr: &str, values: Vec<&'static str>| {
            if values.is_empty() {
                return;
            }
            let placeholders: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let key = format!(":{attr}{i}");
                    out.values.push((key.clone(), s(*v)));
                    key
                })
                .collect();
            // `status` is a reserved word; name every attribute through a placeholder.
            out.names.push((format!("#{attr}"), attr.to_owned()));
            out.expression.push(format!("#{attr} IN ({})", placeholders.join(", ")));
        };
        any_of("status", f.statuses.iter().map(|v| v.as_str()).collect());
        any_of("priority", f.priorities.iter().map(|v| v.as_str()).collect());
        if f.due_from.is_some() || f.due_to.is_some() {
            out.names.push(("#due".into(), "due_key".into()));
        }
        if let Some(from) = f.due_from {
            out.values.push((":due_from".into(), s(time_key(from))));
            out.expression.push("#due >= :due_from".into());
        }
        if let Some(to) = f.due_to {
            out.values.push((":due_to".into(), s(time_key(to))));
            out.expression.push("#due <= :due_to".into());
        }
        out
    }
}

#[async_trait]
impl TaskRepo for DynamoStore {
    async fn insert_task(&self, task: &Task) -> Result<(), StoreError> {
        if self.put_if(task_item(task)?, "attribute_not_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("task id taken".into()))
        }
    }

    async fn get_task(&self, owner: &UserId, id: &TaskId) -> Result<Option<Task>, StoreError> {
        self.get(user_pk(owner), task_sk(id)).await?.map(from_item).transpose()
    }

    async fn replace_task(&self, task: &Task, expected_version: u64) -> Result<(), StoreError> {
        let expected = (":expected", AttributeValue::N(expected_version.to_string()));
        let condition = "attribute_exists(PK) AND version = :expected";
        if self.put_if(task_item(task)?, condition, Some(expected)).await? {
            return Ok(());
        }
        // Gone, or moved on: one consistent read tells which (the rare path only).
        match self.get_task(&task.user_id, &task.id).await? {
            Some(_) => Err(StoreError::Conflict("stale version".into())),
            None => Err(StoreError::NotFound),
        }
    }

    async fn delete_task(&self, owner: &UserId, id: &TaskId) -> Result<bool, StoreError> {
        self.delete_existing(user_pk(owner), task_sk(id)).await
    }

    async fn list_tasks(
        &self,
        owner: &UserId,
        filter: &TaskFilter,
        page: &PageRequest<TaskId>,
    ) -> Result<Page<Task, TaskId>, StoreError> {
        let after = page.after.map(|a| a.to_string());
        let items: Vec<Task> =
            self.list_kind(owner, TASK, after, page.limit.get(), &Filter::of(filter)).await?;
        Ok(Page::from_overfetch(items, page.limit, |t| t.id))
    }
}
