//! Long-term memories.

use async_trait::async_trait;
use nudge_domain::{Memory, MemoryId, MemoryRepo, Page, PageRequest, StoreError, UserId};
use rusqlite::{params, types::Value};

use crate::store::{SqliteStore, backend, to_json, write_err};

#[async_trait]
impl MemoryRepo for SqliteStore {
    async fn insert_memory(&self, memory: &Memory) -> Result<(), StoreError> {
        let (user, id, body) = (memory.user_id.to_string(), memory.id.to_string(), to_json(memory)?);
        self.run(move |c| {
            c.execute(
                "INSERT INTO memories (user_id, id, body) VALUES (?1, ?2, ?3)",
                params![user, id, body],
            )
            .map_err(|e| write_err(e, "memory id taken"))?;
            Ok(())
        })
        .await
    }

    async fn get_memory(&self, owner: &UserId, id: &MemoryId) -> Result<Option<Memory>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM memories WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn delete_memory(&self, owner: &UserId, id: &MemoryId) -> Result<bool, StoreError> {
        let (owner, id) = (owner.to_string(), id.to_string());
        self.run(move |c| {
            let n = c
                .execute("DELETE FROM memories WHERE user_id = ?1 AND id = ?2", [owner, id])
                .map_err(backend)?;
            Ok(n > 0)
        })
        .await
    }

    async fn list_memories(
        &self,
        owner: &UserId,
        page: &PageRequest<MemoryId>,
    ) -> Result<Page<Memory, MemoryId>, StoreError> {
        // "~" sorts after every id: no cursor means from the newest.
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<Memory> = self
            .many(
                "SELECT body FROM memories WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |m| m.id))
    }
}
