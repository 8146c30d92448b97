//! Conversations and their messages, and the turn that writes both at once.

use async_trait::async_trait;
use nudge_domain::{
    Conversation, ConversationId, ConversationRepo, Message, MessageId, Page, PageRequest, StoreError, UserId,
};
use rusqlite::{params, types::Value};

use crate::store::{SqliteStore, backend, to_json, version, write_err};

#[async_trait]
impl ConversationRepo for SqliteStore {
    async fn save_turn(
        &self,
        conversation: &Conversation,
        expected_version: Option<u64>,
        messages: &[Message],
    ) -> Result<(), StoreError> {
        let (user, id) = (conversation.user_id.to_string(), conversation.id.to_string());
        let (new_version, body) = (version(conversation.version)?, to_json(conversation)?);
        let expected = expected_version.map(version).transpose()?;
        let rows = messages
            .iter()
            .map(|m| {
                Ok((m.user_id.to_string(), m.conversation_id.to_string(), m.id.to_string(), to_json(m)?))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.run(move |c| {
            // Dropped without a commit on any error below: nothing of the turn is written.
            let tx = c.transaction().map_err(backend)?;
            match expected {
                None => {
                    tx.execute(
                        "INSERT INTO conversations (user_id, id, version, body) VALUES (?1, ?2, ?3, ?4)",
                        params![user, id, new_version, body],
                    )
                    .map_err(|e| write_err(e, "conversation exists"))?;
                }
                Some(expected) => {
                    let n = tx
                        .execute(
                            "UPDATE conversations SET version = ?3, body = ?4
                             WHERE user_id = ?1 AND id = ?2 AND version = ?5",
                            params![user, id, new_version, body, expected],
                        )
                        .map_err(backend)?;
                    // Moved on or gone alike: the turn was made on a conversation that is not there.
                    if n == 0 {
                        return Err(StoreError::Conflict("conversation changed".into()));
                    }
                }
            }
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO messages (user_id, conversation_id, id, body) VALUES (?1, ?2, ?3, ?4)",
                    )
                    .map_err(backend)?;
                for (user, conversation, id, body) in &rows {
                    insert
                        .execute(params![user, conversation, id, body])
                        .map_err(|e| write_err(e, "message id taken"))?;
                }
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn get_conversation(
        &self,
        owner: &UserId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        let args = vec![owner.to_string(), id.to_string()];
        self.one("SELECT body FROM conversations WHERE user_id = ?1 AND id = ?2", args).await
    }

    async fn replace_conversation(&self, conv: &Conversation, expected: u64) -> Result<(), StoreError> {
        let args = (
            conv.user_id.to_string(),
            conv.id.to_string(),
            version(conv.version)?,
            to_json(conv)?,
            version(expected)?,
        );
        self.run(move |c| {
            let changed = c
                .execute(
                    "UPDATE conversations SET version = ?3, body = ?4
                     WHERE user_id = ?1 AND id = ?2 AND version = ?5",
                    params![args.0, args.1, args.2, args.3, args.4],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            // Gone, or moved on: as DynamoDB's store tells them apart.
            let exists: bool = c
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM conversations WHERE user_id = ?1 AND id = ?2)",
                    params![args.0, args.1],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            Err(if exists { StoreError::Conflict("stale version".into()) } else { StoreError::NotFound })
        })
        .await
    }

    async fn list_conversations(
        &self,
        owner: &UserId,
        page: &PageRequest<ConversationId>,
    ) -> Result<Page<Conversation, ConversationId>, StoreError> {
        // "~" sorts after every id: no cursor means from the newest.
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<Conversation> = self
            .many(
                "SELECT body FROM conversations WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |c| c.id))
    }

    async fn list_messages(
        &self,
        owner: &UserId,
        conversation: &ConversationId,
        page: &PageRequest<MessageId>,
    ) -> Result<Page<Message, MessageId>, StoreError> {
        let after = page.after.map(|a| a.to_string()).unwrap_or_else(|| "~".into());
        let items: Vec<Message> = self
            .many(
                "SELECT body FROM messages WHERE user_id = ?1 AND conversation_id = ?2 AND id < ?3
                 ORDER BY id DESC LIMIT ?4",
                vec![
                    Value::Text(owner.to_string()),
                    Value::Text(conversation.to_string()),
                    Value::Text(after),
                    Value::Integer(page.limit.get() as i64 + 1),
                ],
            )
            .await?;
        Ok(Page::from_overfetch(items, page.limit, |m| m.id))
    }
}
