use async_trait::async_trait;
use nudge_domain::{
    AgentName, CustomizationId, Page, PageRequest, PromptCustomization, PromptRepo, StoreError, UserId,
};

use super::{DynamoStore, Filter, Item, from_item, s, to_item, user_pk};

const PROMPT: &str = "PROMPT#";

fn prompt_sk(id: &CustomizationId) -> String {
    format!("{PROMPT}{id}")
}

fn prompt_item(c: &PromptCustomization) -> Result<Item, StoreError> {
    let mut item = to_item(c)?;
    item.insert("PK".into(), s(user_pk(&c.user_id)));
    item.insert("SK".into(), s(prompt_sk(&c.id)));
    item.insert("entity".into(), s("prompt"));
    Ok(item)
}

#[async_trait]
impl PromptRepo for DynamoStore {
    async fn insert_customization(&self, c: &PromptCustomization) -> Result<(), StoreError> {
        if self.put_if(prompt_item(c)?, "attribute_not_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("prompt customization id taken".into()))
        }
    }

    async fn get_customization(
        &self,
        owner: &UserId,
        id: &CustomizationId,
    ) -> Result<Option<PromptCustomization>, StoreError> {
        self.get(user_pk(owner), prompt_sk(id)).await?.map(from_item).transpose()
    }

    async fn replace_customization(
        &self,
        c: &PromptCustomization,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        let (pk, sk) = (user_pk(&c.user_id), prompt_sk(&c.id));
        self.replace_versioned(prompt_item(c)?, expected_version, pk, sk).await
    }

    async fn list_customizations(
        &self,
        owner: &UserId,
        agent: &AgentName,
        page: &PageRequest<CustomizationId>,
    ) -> Result<Page<PromptCustomization, CustomizationId>, StoreError> {
        // A user has few customizations over few agents: a filter beats an index here.
        let filter = Filter {
            expression: vec!["#agent = :agent".into()],
            names: vec![("#agent".into(), "agent_name".into())],
            values: vec![(":agent".into(), s(agent.as_str()))],
        };
        let after = page.after.map(|a| a.to_string());
        let items = self.list_kind(owner, PROMPT, after, page.limit.get(), &filter).await?;
        Ok(Page::from_overfetch(items, page.limit, |c: &PromptCustomization| c.id))
    }
}
