use std::collections::HashSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use nudge_domain::{
    Conversation, ConversationId, ConversationRepo, Message, MessageId, Page, PageRequest, StoreError, UserId,
};

use super::{DynamoStore, Filter, Item, backend, from_item, s, to_item, user_pk, version};

const CONVERSATION: &str = "CONV#";
/// DynamoDB's cap on the items of one transaction.
const MAX_TRANSACTION_ITEMS: usize = 100;

fn conversation_sk(id: &ConversationId) -> String {
    format!("{CONVERSATION}{id}")
}

/// Where a conversation's messages start: `MSG#<conversation id>#`.
fn messages_prefix(conversation: &ConversationId) -> String {
    format!("MSG#{conversation}#")
}

fn conversation_item(c: &Conversation) -> Result<Item, StoreError> {
    let mut item = to_item(c)?;
    item.insert("PK".into(), s(user_pk(&c.user_id)));
    item.insert("SK".into(), s(conversation_sk(&c.id)));
    item.insert("entity".into(), s("conversation"));
    Ok(item)
}

fn message_item(m: &Message) -> Result<Item, StoreError> {
    let mut item = to_item(m)?;
    item.insert("PK".into(), s(user_pk(&m.user_id)));
    item.insert("SK".into(), s(format!("{}{}", messages_prefix(&m.conversation_id), m.id)));
    item.insert("entity".into(), s("message"));
    Ok(item)
}

#[async_trait]
impl ConversationRepo for DynamoStore {
    async fn save_turn(
        &self,
        conversation: &Conversation,
        expected_version: Option<u64>,
        messages: &[Message],
    ) -> Result<(), StoreError> {
        if messages.len() + 1 > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Backend(format!(
                "a turn writes at most {} messages in one DynamoDB transaction, not {}",
                MAX_TRANSACTION_ITEMS - 1,
                messages.len()
            )));
        }
        // Messages are keyed by their own owner and conversation: one of another would be
        // written where this turn's reader never looks (or into another user's partition).
        if messages.iter().any(|m| m.user_id != conversation.user_id || m.conversation_id != conversation.id)
        {
            return Err(StoreError::Backend("a turn's messages must belong to its conversation".into()));
        }
        // DynamoDB refuses a transaction that writes one item twice (a ValidationException);
        // a repeated id is a taken id, as the contract says.
        let mut seen = HashSet::with_capacity(messages.len());
        if !messages.iter().all(|m| seen.insert(m.id)) {
            return Err(StoreError::Conflict("message id taken".into()));
        }
        let put = Put::builder().table_name(self.table()).set_item(Some(conversation_item(conversation)?));
        let put = match expected_version {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(v) => put
                .condition_expression("attribute_exists(PK) AND version = :expected")
                .expression_attribute_values(":expected", version(v)),
        };
        let mut tx = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put.build().map_err(backend)?).build());
        for m in messages {
            let put = Put::builder()
                .table_name(self.table())
                .set_item(Some(message_item(m)?))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .map_err(backend)?;
            tx = tx.transact_items(TransactWriteItem::builder().put(put).build());
        }
        if self.transact(tx).await? {
            Ok(())
        } else {
            // A condition failed (the conversation exists, moved on or is gone; a message id
            // is taken), or another turn is writing the conversation right now
            // (TransactionConflict): either way this turn is not written.
            Err(StoreError::Conflict("conversation changed, or a message id is taken".into()))
        }
    }

    async fn get_conversation(
        &self,
        owner: &UserId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.get(user_pk(owner), conversation_sk(id)).await?.map(from_item).transpose()
    }

    async fn replace_conversation(&self, c: &Conversation, expected_version: u64) -> Result<(), StoreError> {
        let (pk, sk) = (user_pk(&c.user_id), conversation_sk(&c.id));
        self.replace_versioned(conversation_item(c)?, expected_version, pk, sk).await
    }

    async fn list_conversations(
        &self,
        owner: &UserId,
        page: &PageRequest<ConversationId>,
    ) -> Result<Page<Conversation, ConversationId>, StoreError> {
        let after = page.after.map(|a| a.to_string());
        let items = self.list_kind(owner, CONVERSATION, after, page.limit.get(), &Filter::default()).await?;
        Ok(Page::from_overfetch(items, page.limit, |c: &Conversation| c.id))
    }

    async fn list_messages(
        &self,
        owner: &UserId,
        conversation: &ConversationId,
        page: &PageRequest<MessageId>,
    ) -> Result<Page<Message, MessageId>, StoreError> {
        // Messages live under their owner's key: another user's conversation reads as empty.
        let after = page.after.map(|a| a.to_string());
        let prefix = messages_prefix(conversation);
        let items = self.list_kind(owner, &prefix, after, page.limit.get(), &Filter::default()).await?;
        Ok(Page::from_overfetch(items, page.limit, |m: &Message| m.id))
    }
}
