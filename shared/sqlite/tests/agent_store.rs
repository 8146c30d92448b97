//! The agent's repositories and the two local queues on SQLite, checked without the AWS side
//! (the cross-store contract in `tests/` runs the same rules on both stores).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use nudge_domain::{
    AgentMessage, AgentName, AgentQueue, Conversation, ConversationChannel, ConversationId, ConversationRepo,
    CustomizationId, CustomizationType, Instructions, Limit, Memory, MemoryContent, MemoryId, MemoryKind,
    MemoryRepo, MemorySource, Message, MessageId, NotificationId, NotifyMessage, NotifyQueue, PageRequest,
    PromptCustomization, PromptRepo, Speaker, StoreError, UsageRepo, UserId,
};
use nudge_sqlite::{MAX_RECEIVES, QueueName, Received, SqliteStore};
use uuid::Uuid;

fn t0() -> DateTime<Utc> {
    "2026-11-22T09:00:00.123Z".parse().unwrap()
}

/// A v7-shaped UUID that sorts by `n`.
fn nth(n: u32) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n))
}

fn number(u: &Uuid) -> u32 {
    u.as_u128() as u32
}

fn someone() -> UserId {
    UserId::from_uuid(Uuid::now_v7())
}

fn store() -> SqliteStore {
    SqliteStore::in_memory().unwrap()
}

fn conversation(owner: UserId, n: u32) -> Conversation {
    let mut c =
        Conversation::new(ConversationId::from_uuid(nth(n)), owner, ConversationChannel::Sms, "hi", t0());
    c.version = 1;
    c
}

fn message(c: &Conversation, n: u32) -> Message {
    Message {
        id: MessageId::from_uuid(nth(n)),
        conversation_id: c.id,
        user_id: c.user_id,
        role: Speaker::User,
        content: format!("message {n}"),
        tool_calls: vec![],
        tool_call_id: None,
        tool_name: None,
        is_error: false,
        usage: None,
        created_at: t0(),
    }
}

fn bumped(c: &Conversation, added: u64) -> Conversation {
    Conversation { message_count: c.message_count + added, version: c.version + 1, ..c.clone() }
}

async fn messages(s: &SqliteStore, owner: &UserId, c: &ConversationId) -> Vec<u32> {
    let page = PageRequest { limit: Limit::new(100).unwrap(), after: None };
    s.list_messages(owner, c, &page).await.unwrap().items.iter().map(|m| number(m.id.as_uuid())).collect()
}

#[tokio::test]
async fn a_turn_is_written_whole_or_not_at_all() {
    let s = store();
    let owner = someone();
    let c = conversation(owner, 1);
    s.save_turn(&c, None, &[message(&c, 1), message(&c, 2)]).await.unwrap();
    let v2 = bumped(&c, 1);
    s.save_turn(&v2, Some(1), &[message(&c, 3)]).await.unwrap();
    assert_eq!(s.get_conversation(&owner, &c.id).await.unwrap(), Some(v2.clone()));
    assert_eq!(messages(&s, &owner, &c.id).await, [3, 2, 1]);

    // A new message with a taken one: the insert of the second fails after the first and the
    // conversation were written, and the rollback takes them all back.
    let err = s.save_turn(&bumped(&v2, 2), Some(2), &[message(&c, 4), message(&c, 1)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // Stale, new-but-existing, and missing: refused, nothing written.
    for (conv, expected) in
        [(bumped(&c, 1), Some(1)), (c.clone(), None), (bumped(&conversation(owner, 2), 1), Some(1))]
    {
        let err = s.save_turn(&conv, expected, &[message(&c, 5)]).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }
    assert_eq!(s.get_conversation(&owner, &c.id).await.unwrap(), Some(v2));
    assert_eq!(messages(&s, &owner, &c.id).await, [3, 2, 1]);
    assert_eq!(s.get_conversation(&owner, &conversation(owner, 2).id).await.unwrap(), None);

    // A duplicate inside one new conversation's turn creates nothing.
    let other = conversation(owner, 3);
    let err = s.save_turn(&other, None, &[message(&other, 1), message(&other, 1)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(s.get_conversation(&owner, &other.id).await.unwrap(), None);
    // The same message id in another conversation is another message.
    s.save_turn(&other, None, &[message(&other, 1)]).await.unwrap();
    assert_eq!(messages(&s, &owner, &other.id).await, [1]);
}

#[tokio::test]
async fn messages_and_conversations_page_newest_first_and_stay_their_owners() {
    let s = store();
    let owner = someone();
    for n in 1..=5 {
        let c = conversation(owner, n);
        s.save_turn(&c, None, &(1..=7).map(|k| message(&c, n * 10 + k)).collect::<Vec<_>>()).await.unwrap();
    }
    let c = conversation(owner, 3);
    let mut page = PageRequest { limit: Limit::new(3).unwrap(), after: None };
    let mut pages = vec![];
    loop {
        let got = s.list_messages(&owner, &c.id, &page).await.unwrap();
        pages.push(got.items.iter().map(|m| number(m.id.as_uuid())).collect::<Vec<_>>());
        match got.next {
            Some(n) => page.after = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, [vec![37, 36, 35], vec![34, 33, 32], vec![31]]);

    let first = PageRequest { limit: Limit::new(2).unwrap(), after: None };
    let got = s.list_conversations(&owner, &first).await.unwrap();
    assert_eq!(got.items.iter().map(|c| number(c.id.as_uuid())).collect::<Vec<_>>(), [5, 4]);
    let rest = PageRequest { limit: Limit::new(3).unwrap(), after: got.next };
    let got = s.list_conversations(&owner, &rest).await.unwrap();
    assert_eq!(
        (got.items.iter().map(|c| number(c.id.as_uuid())).collect::<Vec<_>>(), got.next),
        (vec![3, 2, 1], None)
    );

    let bob = someone();
    assert!(messages(&s, &bob, &c.id).await.is_empty());
    assert_eq!(s.get_conversation(&bob, &c.id).await.unwrap(), None);
    assert!(s.list_conversations(&bob, &PageRequest::default()).await.unwrap().items.is_empty());
}

#[tokio::test]
async fn a_conversation_replace_tells_stale_from_gone() {
    let s = store();
    let owner = someone();
    let c = conversation(owner, 1);
    s.save_turn(&c, None, &[]).await.unwrap();
    let v2 = Conversation { summary: Some("summary".into()), summarized: 4, version: 2, ..c.clone() };
    s.replace_conversation(&v2, 1).await.unwrap();
    assert!(matches!(s.replace_conversation(&v2, 1).await, Err(StoreError::Conflict(_))));
    assert!(matches!(s.replace_conversation(&conversation(owner, 2), 1).await, Err(StoreError::NotFound)));
    let stolen = Conversation { user_id: someone(), ..v2.clone() };
    assert!(matches!(s.replace_conversation(&stolen, 2).await, Err(StoreError::NotFound)));
    assert_eq!(s.get_conversation(&owner, &c.id).await.unwrap(), Some(v2));
}

fn memory(owner: UserId, n: u32, embedding: Option<Vec<f32>>) -> Memory {
    Memory {
        id: MemoryId::from_uuid(nth(n)),
        user_id: owner,
        kind: MemoryKind::Fact,
        title: None,
        content: MemoryContent::parse("takes meds at 9").unwrap(),
        source: MemorySource::Learned,
        embedding,
        created_at: t0(),
    }
}

#[tokio::test]
async fn an_embedding_is_kept_bit_for_bit() {
    let s = store();
    let owner = someone();
    // Extremes, a subnormal, -0, and values whose shortest forms are long.
    let tricky = f32::from_bits(0x15ae_43fd);
    let v = vec![tricky, -tricky, -0.0, f32::from_bits(1), f32::MAX, f32::MIN_POSITIVE, 1.0 / 3.0, 0.1];
    let m = memory(owner, 1, Some(v.clone()));
    s.insert_memory(&m).await.unwrap();
    let bits = |m: &Memory| m.embedding.as_ref().unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let got = s.get_memory(&owner, &m.id).await.unwrap().unwrap();
    assert_eq!(bits(&got), bits(&m));
    let listed = s.list_memories(&owner, &PageRequest::default()).await.unwrap();
    assert_eq!(bits(&listed.items[0]), bits(&m));
    let none = memory(owner, 2, None);
    let empty = memory(owner, 3, Some(vec![]));
    s.insert_memory(&none).await.unwrap();
    s.insert_memory(&empty).await.unwrap();
    assert_eq!(s.get_memory(&owner, &none.id).await.unwrap(), Some(none));
    assert_eq!(s.get_memory(&owner, &empty.id).await.unwrap(), Some(empty));
}

#[tokio::test]
async fn memories_are_their_owners() {
    let s = store();
    let owner = someone();
    for n in 1..=3 {
        s.insert_memory(&memory(owner, n, None)).await.unwrap();
    }
    let m = memory(owner, 2, None);
    assert!(matches!(s.insert_memory(&m).await, Err(StoreError::Conflict(_))));
    let bob = someone();
    assert_eq!(s.get_memory(&bob, &m.id).await.unwrap(), None);
    assert!(!s.delete_memory(&bob, &m.id).await.unwrap());
    assert!(s.delete_memory(&owner, &m.id).await.unwrap());
    let left = s.list_memories(&owner, &PageRequest::default()).await.unwrap();
    assert_eq!(left.items.iter().map(|m| number(m.id.as_uuid())).collect::<Vec<_>>(), [3, 1]);
}

fn customization(owner: UserId, n: u32, agent: &str) -> PromptCustomization {
    PromptCustomization {
        id: CustomizationId::from_uuid(nth(n)),
        user_id: owner,
        agent_name: AgentName::parse(agent).unwrap(),
        customization_type: CustomizationType::Context,
        content: Instructions::parse("no emoji").unwrap(),
        is_active: true,
        priority: 0,
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

#[tokio::test]
async fn customizations_list_per_agent_and_replace_by_version() {
    let s = store();
    let owner = someone();
    for (n, agent) in [(1, "assistant"), (2, "planner"), (3, "assistant"), (4, "assistant")] {
        s.insert_customization(&customization(owner, n, agent)).await.unwrap();
    }
    let list = |agent: &str, after| {
        let (s, agent) = (s.clone(), AgentName::parse(agent).unwrap());
        async move {
            let page = PageRequest { limit: Limit::new(2).unwrap(), after };
            let got = s.list_customizations(&owner, &agent, &page).await.unwrap();
            (got.items.iter().map(|c| number(c.id.as_uuid())).collect::<Vec<_>>(), got.next)
        }
    };
    let (first, next) = list("assistant", None).await;
    assert_eq!(first, [4, 3]);
    assert_eq!(list("assistant", next).await, (vec![1], None));
    assert_eq!(list("planner", None).await, (vec![2], None));

    let c = customization(owner, 3, "assistant");
    let v2 = PromptCustomization { is_active: false, version: 2, ..c.clone() };
    s.replace_customization(&v2, 1).await.unwrap();
    assert!(matches!(s.replace_customization(&v2, 1).await, Err(StoreError::Conflict(_))));
    assert!(matches!(
        s.replace_customization(&customization(owner, 9, "x"), 1).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.get_customization(&owner, &c.id).await.unwrap(), Some(v2));
    assert_eq!(s.get_customization(&someone(), &c.id).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_counts_add_up_atomically() {
    let s = Arc::new(store());
    let (alice, bob) = (someone(), someone());
    let day: NaiveDate = "2026-11-22".parse().unwrap();
    let mut adds = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let s = s.clone();
        adds.spawn(async move { s.add_tokens(&alice, day, 10).await.unwrap() });
    }
    let mut totals = adds.join_all().await;
    totals.sort();
    assert_eq!(totals, [10, 20, 30, 40, 50, 60, 70, 80]);
    assert_eq!(s.tokens_on(&alice, day).await.unwrap(), 80);
    assert_eq!(s.add_tokens(&bob, day, 5).await.unwrap(), 5);
    assert_eq!(s.tokens_on(&alice, day.succ_opt().unwrap()).await.unwrap(), 0);
}

#[tokio::test]
async fn token_counters_expire_three_days_after_their_day() {
    let s = store();
    let (alice, bob) = (someone(), someone());
    let day: NaiveDate = "2026-11-22".parse().unwrap();
    let later = |n| day + chrono::Days::new(n);
    s.add_tokens(&alice, day, 100).await.unwrap();
    s.add_tokens(&bob, day, 100).await.unwrap();
    // Still counted three days on (DynamoDB's ttl is three days after the day ends)...
    s.add_tokens(&alice, later(3), 1).await.unwrap();
    assert_eq!(s.tokens_on(&alice, day).await.unwrap(), 100);
    // ...gone on the fourth; another user's counter is theirs to expire.
    s.add_tokens(&alice, later(4), 1).await.unwrap();
    assert_eq!(s.tokens_on(&alice, day).await.unwrap(), 0);
    assert_eq!(s.tokens_on(&alice, later(3)).await.unwrap(), 1);
    assert_eq!(s.tokens_on(&bob, day).await.unwrap(), 100);
}

fn notify_message(n: u32) -> NotifyMessage {
    NotifyMessage { user_id: UserId::from_uuid(nth(0)), notification_id: NotificationId::from_uuid(nth(n)) }
}

fn learn(n: u32) -> AgentMessage {
    AgentMessage::Learn {
        user_id: UserId::from_uuid(nth(0)),
        conversation_id: ConversationId::from_uuid(nth(1)),
        message_id: MessageId::from_uuid(nth(n)),
    }
}

#[tokio::test]
async fn the_two_queues_are_apart() {
    let s = store();
    s.enqueue(&notify_message(1)).await.unwrap();
    s.enqueue_agent(&learn(2)).await.unwrap();
    s.enqueue(&notify_message(3)).await.unwrap();
    s.enqueue_agent(&learn(4)).await.unwrap();
    assert_eq!(s.queue_depth(QueueName::Notify).await.unwrap(), (2, 0));
    assert_eq!(s.queue_depth(QueueName::Agent).await.unwrap(), (2, 0));

    let now = Utc::now() + Duration::seconds(1);
    let notify: Vec<Received> = s.receive(QueueName::Notify, now, 10, Duration::minutes(1)).await.unwrap();
    assert_eq!(notify.iter().map(|r| r.message).collect::<Vec<_>>(), [notify_message(1), notify_message(3)]);
    let agent: Vec<Received<AgentMessage>> =
        s.receive(QueueName::Agent, now, 10, Duration::minutes(1)).await.unwrap();
    assert_eq!(agent.iter().map(|r| r.message.clone()).collect::<Vec<_>>(), [learn(2), learn(4)]);

    // An id acked on the wrong queue deletes nothing.
    s.ack(QueueName::Notify, agent[0].id).await.unwrap();
    assert_eq!(s.queue_depth(QueueName::Agent).await.unwrap(), (2, 0));
    s.ack(QueueName::Agent, agent[0].id).await.unwrap();
    s.ack(QueueName::Notify, notify[0].id).await.unwrap();
    assert_eq!(s.queue_depth(QueueName::Agent).await.unwrap(), (1, 0));
    assert_eq!(s.queue_depth(QueueName::Notify).await.unwrap(), (1, 0));
}

#[tokio::test]
async fn an_agent_message_received_too_often_is_dead_lettered_on_its_queue_only() {
    let s = store();
    s.enqueue_agent(&learn(1)).await.unwrap();
    s.enqueue(&notify_message(2)).await.unwrap();
    let mut now = Utc::now() + Duration::seconds(1);
    for _ in 0..MAX_RECEIVES {
        let got: Vec<Received<AgentMessage>> =
            s.receive(QueueName::Agent, now, 10, Duration::seconds(30)).await.unwrap();
        assert_eq!(got.len(), 1);
        now += Duration::minutes(1);
    }
    let got: Vec<Received<AgentMessage>> =
        s.receive(QueueName::Agent, now, 10, Duration::seconds(30)).await.unwrap();
    assert!(got.is_empty());
    assert_eq!(s.queue_depth(QueueName::Agent).await.unwrap(), (1, 1));
    assert_eq!(s.queue_depth(QueueName::Notify).await.unwrap(), (1, 0));
    let got: Vec<Received> = s.receive(QueueName::Notify, now, 10, Duration::seconds(30)).await.unwrap();
    assert_eq!(got.iter().map(|r| (r.message, r.receives)).collect::<Vec<_>>(), [(notify_message(2), 1)]);
}

/// A message its reader cannot read (another version's, say) is dead-lettered at once, and the
/// ones behind it are still handed out.
#[tokio::test]
async fn an_unreadable_message_is_dead_lettered_and_does_not_block_the_queue() {
    let s = store();
    s.enqueue(&notify_message(1)).await.unwrap();
    let now = Utc::now();
    // Read as agent work, a notify message is unreadable.
    let got: Vec<Received<AgentMessage>> =
        s.receive(QueueName::Notify, now, 10, Duration::minutes(1)).await.unwrap();
    assert!(got.is_empty());
    assert_eq!(s.queue_depth(QueueName::Notify).await.unwrap(), (1, 1), "kept, as a dead letter");
    s.enqueue(&notify_message(2)).await.unwrap();
    let got: Vec<Received<NotifyMessage>> =
        s.receive(QueueName::Notify, Utc::now(), 10, Duration::minutes(1)).await.unwrap();
    assert_eq!(got.iter().map(|r| r.message).collect::<Vec<_>>(), vec![notify_message(2)]);
}
