use async_trait::async_trait;
use nudge_domain::{Memory, MemoryId, MemoryRepo, Page, PageRequest, StoreError, UserId};

use super::{DynamoStore, Filter, Item, from_item, s, to_item, user_pk};

const MEMORY: &str = "MEM#";

fn memory_sk(id: &MemoryId) -> String {
    format!("{MEMORY}{id}")
}

fn memory_item(m: &Memory) -> Result<Item, StoreError> {
    let mut item = to_item(m)?;
    item.insert("PK".into(), s(user_pk(&m.user_id)));
    item.insert("SK".into(), s(memory_sk(&m.id)));
    item.insert("entity".into(), s("memory"));
    Ok(item)
}

#[async_trait]
impl MemoryRepo for DynamoStore {
    async fn insert_memory(&self, memory: &Memory) -> Result<(), StoreError> {
        if self.put_if(memory_item(memory)?, "attribute_not_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("memory id taken".into()))
        }
    }

    async fn get_memory(&self, owner: &UserId, id: &MemoryId) -> Result<Option<Memory>, StoreError> {
        self.get(user_pk(owner), memory_sk(id)).await?.map(from_item).transpose()
    }

    async fn delete_memory(&self, owner: &UserId, id: &MemoryId) -> Result<bool, StoreError> {
        self.delete_existing(user_pk(owner), memory_sk(id)).await
    }

    async fn list_memories(
        &self,
        owner: &UserId,
        page: &PageRequest<MemoryId>,
    ) -> Result<Page<Memory, MemoryId>, StoreError> {
        let after = page.after.map(|a| a.to_string());
        let items = self.list_kind(owner, MEMORY, after, page.limit.get(), &Filter::default()).await?;
        Ok(Page::from_overfetch(items, page.limit, |m: &Memory| m.id))
    }
}
