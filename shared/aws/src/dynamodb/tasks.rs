use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use nudge_domain::{Page, PageRequest, StoreError, Task, TaskFilter, TaskId, TaskRepo, UserId};

use super::{DynamoStore, Item, backend, from_item, s, time_key, to_item, user_pk};

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

/// The FilterExpression for a task filter, with its names and values.
struct Filter {
    expression: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Filter {
    fn of(f: &TaskFilter) -> Self {
        let mut out = Filter { expression: vec![], names: vec![], values: vec![] };
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
        let limit = page.limit.get();
        let filter = Filter::of(filter);
        let after_sk = page.after.as_ref().map(task_sk);
        let key_condition = if after_sk.is_some() {
            "PK = :pk AND SK BETWEEN :lo AND :hi"
        } else {
            "PK = :pk AND begins_with(SK, :lo)"
        };
        // Unfiltered, one more item than the page tells whether there is a next one; filtered,
        // a bigger read saves round trips (DynamoDB applies Limit before the filter).
        let read_size = if filter.expression.is_empty() { limit + 1 } else { 100.max(limit + 1) };
        let mut items: Vec<Task> = Vec::with_capacity(limit + 1);
        let mut start_key: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(self.table())
                .key_condition_expression(key_condition)
                .expression_attribute_values(":pk", s(user_pk(owner)))
                .expression_attribute_values(":lo", s(TASK))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(read_size as i32)
                .set_exclusive_start_key(start_key.take());
            if let Some(hi) = &after_sk {
                q = q.expression_attribute_values(":hi", s(hi));
            }
            if !filter.expression.is_empty() {
                q = q.filter_expression(filter.expression.join(" AND "));
                for (k, v) in &filter.names {
                    q = q.expression_attribute_names(k, v);
                }
                for (k, v) in &filter.values {
                    q = q.expression_attribute_values(k, v.clone());
                }
            }
            let out = q.send().await.map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                // BETWEEN is inclusive: the cursor's own item was on the last page.
                if item.get("SK").and_then(|v| v.as_s().ok()) == after_sk.as_ref() {
                    continue;
                }
                items.push(from_item(item)?);
            }
            start_key = out.last_evaluated_key;
            if items.len() > limit || start_key.is_none() {
                break;
            }
        }
        Ok(Page::from_overfetch(items, page.limit, |t| t.id))
    }
}
