//! Prompt customizations, listed per agent.

use async_trait::async_trait;
use nudge_domain::{
    AgentName, CustomizationId, Page, PageRequest, PromptCustomization, PromptRepo, StoreError, UserId,
};
use rusqlite::{params, types::Value};

use crate::store::{SqliteStore, backend, to_json, version, write_err};

#[async_trait]
impl PromptRepo for SqliteStore {
    async fn insert_customization(&self, p: &PromptCustomization) -> Result<(), StoreError> {
        let row = (
            p.user_id.to_string(),
            p.id.to_string(),
            p.agent_name.as_str().to_owned(),
            version(p.version)?,
            to_json(p)?,
        );
        self.run(move |c| {
            c.execute(
                "INSERT INTO prompt_customizations (user_id, id, agent_name, version, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.0, row.1, row.2, row.3, row.4],
            )
            .map_err(|e| write_err(e, "customization id taken"))?;
            Ok(())
        })
        .await
    }

    async fn get_customization(
        &self,
        owner: &UserId,
        id: &CustomizationId,
    ) -> Result<Option<PromptCustomization>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM prompt_customizations WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn replace_customization(&self, p: &PromptCustomization, expected: u64) -> Result<(), StoreError> {
        let row = (
            p.user_id.to_string(),
            p.id.to_string(),
            p.agent_name.as_str().to_owned(),
            version(p.version)?,
            to_json(p)?,
            version(expected)?,
        );
        self.run(move |c| {
            let changed = c
                .execute(
                    "UPDATE prompt_customizations SET agent_name = ?3, version = ?4, body = ?5
                     WHERE user_id = ?1 AND id = ?2 AND version = ?6",
                    params![row.0, row.1, row.2, row.3, row.4, row.5],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            // Gone, or moved on: as DynamoDB's store tells them apart.
            let exists: bool = c
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM prompt_customizations WHERE user_id = ?1 AND id = ?2)",
                    params![row.0, row.1],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            Err(if exists { StoreError::Conflict("stale version".into()) } else { StoreError::NotFound })
        })
        .await
    }

    async fn list_customizations(
        &self,
        owner: &UserId,
        agent: &AgentName,
        page: &PageRequest<CustomizationId>,
    ) -> Result<Page<PromptCustomization, CustomizationId>, StoreError> {
        // "~" sorts after every id: no cursor means from the newest.
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<PromptCustomization> = self
            .many(
                "SELECT body FROM prompt_customizations
                 WHERE user_id = ?1 AND agent_name = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(agent.as_str().to_owned()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |p| p.id))
    }
}
