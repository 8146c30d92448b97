//! Counting what a piece of domain code asks of the store and the queues, for the benchmarks:
//! [`Counting`] wraps [`Ports`] so that every repository and queue call is counted by method
//! (each trait implemented by delegation), and on DynamoDB [`Requests`], an SDK interceptor,
//! counts the requests the client sends by operation, which shows whether a repository call is
//! one request. [`ports`] builds both over a fresh store; [`since`] and [`describe`] turn two
//! snapshots into a table cell.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    config::{ConfigBag, Intercept, RuntimeComponents, interceptors::BeforeTransmitInterceptorContextRef},
    error::BoxError,
};
use chrono::{DateTime, NaiveDate, Utc};
use nudge_aws::DynamoStore;
use nudge_domain::{
    AgentMessage, AgentName, AgentQueue, Conversation, ConversationId, ConversationRepo, CounterRepo,
    CustomizationId, Due, InboundSmsRepo, Memory, MemoryId, MemoryRepo, Message, MessageId, Notification,
    NotificationId, NotificationRepo, NotifyMessage, NotifyQueue, Page, PageRequest, PhoneNumber, Ports,
    PromptCustomization, PromptRepo, Reminder, ReminderId, ReminderRepo, StoreError, SystemClock, Task,
    TaskFilter, TaskId, TaskRepo, UsageRepo, User, UserId, UserRepo, UuidV7Ids,
    sms::{InboundSms, MessageSid},
};
use nudge_sqlite::SqliteStore;

use crate::{Backend, moto_config, queue, table};

/// Calls per port method, shared by a [`Counting`] decorator and whoever reads them.
#[derive(Clone, Default)]
pub struct Calls(Arc<Mutex<BTreeMap<&'static str, u64>>>);

/// Calls (or requests) per method.
pub type Counts = BTreeMap<&'static str, u64>;

impl Calls {
    /// Counts one call of `method`.
    pub fn hit(&self, method: &'static str) {
        *self.0.lock().unwrap().entry(method).or_default() += 1;
    }

    /// The counts so far.
    pub fn snapshot(&self) -> Counts {
        self.0.lock().unwrap().clone()
    }
}

/// What `after` counted that `before` had not.
pub fn since<K: Ord + Clone>(before: &BTreeMap<K, u64>, after: &BTreeMap<K, u64>) -> BTreeMap<K, u64> {
    after
        .iter()
        .filter_map(|(k, n)| {
            let d = n - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| (k.clone(), d))
        })
        .collect()
}

/// What a port method does: reads the store, writes it, or sends to a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
    Send,
}

/// The kind of a port method, by its name: `enqueue*` sends; `get_*`, `list_*`, `find_*`,
/// `tokens_on`, `due` and `refresh_due` read; every other method writes.
pub fn kind(method: &str) -> Kind {
    if method.starts_with("enqueue") {
        Kind::Send
    } else if ["get_", "list_", "find_"].iter().any(|p| method.starts_with(p))
        || method == "tokens_on"
        || method == "due"
        || method == "refresh_due"
    {
        Kind::Read
    } else {
        Kind::Write
    }
}

/// Ports whose every repository and queue call is counted, then made on `inner`.
pub struct Counting {
    inner: Ports,
    calls: Calls,
}

impl Counting {
    /// `inner` with every repository and queue call counted; the clock and ids are `inner`'s.
    pub fn wrap(inner: Ports) -> (Ports, Calls) {
        let calls = Calls::default();
        let (clock, ids, connections) = (inner.clock.clone(), inner.ids.clone(), inner.connections.clone());
        let counting = Arc::new(Counting { inner, calls: calls.clone() });
        let mut ports = Ports::over(counting.clone(), counting, clock, ids);
        ports.connections = connections;
        (ports, calls)
    }

    fn on(&self, method: &'static str) -> &Ports {
        self.calls.hit(method);
        &self.inner
    }
}

#[async_trait]
impl UserRepo for Counting {
    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        self.on("create_user").users.create_user(user).await
    }
    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.on("get_user").users.get_user(id).await
    }
    async fn find_user_by_phone(&self, phone: &PhoneNumber) -> Result<Option<User>, StoreError> {
        self.on("find_user_by_phone").users.find_user_by_phone(phone).await
    }
    async fn save_user(&self, user: &User) -> Result<(), StoreError> {
        self.on("save_user").users.save_user(user).await
    }
}

#[async_trait]
impl TaskRepo for Counting {
    async fn insert_task(&self, task: &Task) -> Result<(), StoreError> {
        self.on("insert_task").tasks.insert_task(task).await
    }
    async fn get_task(&self, owner: &UserId, id: &TaskId) -> Result<Option<Task>, StoreError> {
        self.on("get_task").tasks.get_task(owner, id).await
    }
    async fn replace_task(&self, task: &Task, expected_version: u64) -> Result<(), StoreError> {
        self.on("replace_task").tasks.replace_task(task, expected_version).await
    }
    async fn delete_task(&self, owner: &UserId, id: &TaskId) -> Result<bool, StoreError> {
        self.on("delete_task").tasks.delete_task(owner, id).await
    }
    async fn list_tasks(
        &self,
        owner: &UserId,
        filter: &TaskFilter,
        page: &PageRequest<TaskId>,
    ) -> Result<Page<Task, TaskId>, StoreError> {
        self.on("list_tasks").tasks.list_tasks(owner, filter, page).await
    }
}

#[async_trait]
impl ReminderRepo for Counting {
    async fn insert_reminder(&self, reminder: &Reminder) -> Result<(), StoreError> {
        self.on("insert_reminder").reminders.insert_reminder(reminder).await
    }
    async fn get_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<Option<Reminder>, StoreError> {
        self.on("get_reminder").reminders.get_reminder(owner, id).await
    }
    async fn replace_reminder(&self, reminder: &Reminder, expected_version: u64) -> Result<(), StoreError> {
        self.on("replace_reminder").reminders.replace_reminder(reminder, expected_version).await
    }
    async fn delete_reminder(&self, owner: &UserId, id: &ReminderId) -> Result<bool, StoreError> {
        self.on("delete_reminder").reminders.delete_reminder(owner, id).await
    }
    async fn list_reminders(
        &self,
        owner: &UserId,
        page: &PageRequest<ReminderId>,
    ) -> Result<Page<Reminder, ReminderId>, StoreError> {
        self.on("list_reminders").reminders.list_reminders(owner, page).await
    }
    async fn due(&self, now: DateTime<Utc>) -> Result<Due, StoreError> {
        self.on("due").reminders.due(now).await
    }
}

#[async_trait]
impl NotificationRepo for Counting {
    async fn claim_firing(
        &self,
        notification: &Notification,
        reminder: &Reminder,
        expected_version: u64,
    ) -> Result<bool, StoreError> {
        self.on("claim_firing").notifications.claim_firing(notification, reminder, expected_version).await
    }
    async fn get_notification(
        &self,
        owner: &UserId,
        id: &NotificationId,
    ) -> Result<Option<Notification>, StoreError> {
        self.on("get_notification").notifications.get_notification(owner, id).await
    }
    async fn replace_notification(&self, n: &Notification, expected_version: u64) -> Result<(), StoreError> {
        self.on("replace_notification").notifications.replace_notification(n, expected_version).await
    }
    async fn list_notifications(
        &self,
        owner: &UserId,
        page: &PageRequest<NotificationId>,
    ) -> Result<Page<Notification, NotificationId>, StoreError> {
        self.on("list_notifications").notifications.list_notifications(owner, page).await
    }
    async fn insert_notification(&self, n: &Notification) -> Result<bool, StoreError> {
        self.on("insert_notification").notifications.insert_notification(n).await
    }
}

#[async_trait]
impl InboundSmsRepo for Counting {
    async fn record_inbound(&self, m: &InboundSms) -> Result<Option<InboundSms>, StoreError> {
        self.on("record_inbound").inbound.record_inbound(m).await
    }
    async fn get_inbound(&self, sid: &MessageSid) -> Result<Option<InboundSms>, StoreError> {
        self.on("get_inbound").inbound.get_inbound(sid).await
    }
    async fn replace_inbound(&self, m: &InboundSms, expected_version: u64) -> Result<(), StoreError> {
        self.on("replace_inbound").inbound.replace_inbound(m, expected_version).await
    }
}

#[async_trait]
impl CounterRepo for Counting {
    async fn hit(&self, key: &str, expires_at: DateTime<Utc>) -> Result<u64, StoreError> {
        self.on("hit").counters.hit(key, expires_at).await
    }
}

#[async_trait]
impl nudge_domain::ApprovalRepo for Counting {
    async fn insert_approval(&self, a: &nudge_domain::Approval) -> Result<(), StoreError> {
        self.on("insert_approval").approvals.insert_approval(a).await
    }
    async fn get_approval(
        &self,
        owner: &UserId,
        id: &nudge_domain::ApprovalId,
    ) -> Result<Option<nudge_domain::Approval>, StoreError> {
        self.on("get_approval").approvals.get_approval(owner, id).await
    }
    async fn find_approval_by_code(
        &self,
        owner: &UserId,
        code: &nudge_domain::ApprovalCode,
    ) -> Result<Option<nudge_domain::Approval>, StoreError> {
        self.on("find_approval_by_code").approvals.find_approval_by_code(owner, code).await
    }
    async fn replace_approval(
        &self,
        a: &nudge_domain::Approval,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.on("replace_approval").approvals.replace_approval(a, expected_version).await
    }
    async fn list_approvals(
        &self,
        owner: &UserId,
        status: Option<nudge_domain::ApprovalStatus>,
        page: &PageRequest<nudge_domain::ApprovalId>,
    ) -> Result<Page<nudge_domain::Approval, nudge_domain::ApprovalId>, StoreError> {
        self.on("list_approvals").approvals.list_approvals(owner, status, page).await
    }
}

#[async_trait]
impl nudge_domain::AuditRepo for Counting {
    async fn append_audit(&self, entry: &nudge_domain::AuditEntry) -> Result<(), StoreError> {
        self.on("append_audit").audit.append_audit(entry).await
    }
    async fn list_audit(
        &self,
        owner: &UserId,
        page: &PageRequest<nudge_domain::AuditId>,
    ) -> Result<Page<nudge_domain::AuditEntry, nudge_domain::AuditId>, StoreError> {
        self.on("list_audit").audit.list_audit(owner, page).await
    }
}

#[async_trait]
impl nudge_domain::IntegrationRepo for Counting {
    async fn put_integration(
        &self,
        i: &nudge_domain::Integration,
        expected_version: Option<u64>,
    ) -> Result<(), StoreError> {
        self.on("put_integration").integrations.put_integration(i, expected_version).await
    }
    async fn get_integration(
        &self,
        owner: &UserId,
        provider: &nudge_domain::Provider,
    ) -> Result<Option<nudge_domain::Integration>, StoreError> {
        self.on("get_integration").integrations.get_integration(owner, provider).await
    }
    async fn list_integrations(&self, owner: &UserId) -> Result<Vec<nudge_domain::Integration>, StoreError> {
        self.on("list_integrations").integrations.list_integrations(owner).await
    }
    async fn delete_integration(
        &self,
        owner: &UserId,
        provider: &nudge_domain::Provider,
    ) -> Result<bool, StoreError> {
        self.on("delete_integration").integrations.delete_integration(owner, provider).await
    }
    async fn refresh_due(
        &self,
        horizon: DateTime<Utc>,
    ) -> Result<Vec<nudge_domain::Integration>, StoreError> {
        self.on("refresh_due").integrations.refresh_due(horizon).await
    }
}

#[async_trait]
impl nudge_domain::OAuthStateRepo for Counting {
    async fn put_state(&self, state: &nudge_domain::OAuthState) -> Result<(), StoreError> {
        self.on("put_state").oauth_states.put_state(state).await
    }
    async fn take_state(&self, key: &str) -> Result<Option<nudge_domain::OAuthState>, StoreError> {
        self.on("take_state").oauth_states.take_state(key).await
    }
    async fn get_state(&self, key: &str) -> Result<Option<nudge_domain::OAuthState>, StoreError> {
        self.on("get_state").oauth_states.get_state(key).await
    }
}

#[async_trait]
impl ConversationRepo for Counting {
    async fn save_turn(
        &self,
        conversation: &Conversation,
        expected_version: Option<u64>,
        messages: &[Message],
    ) -> Result<(), StoreError> {
        self.on("save_turn").conversations.save_turn(conversation, expected_version, messages).await
    }
    async fn get_conversation(
        &self,
        owner: &UserId,
        id: &ConversationId,
    ) -> Result<Option<Conversation>, StoreError> {
        self.on("get_conversation").conversations.get_conversation(owner, id).await
    }
    async fn replace_conversation(&self, c: &Conversation, expected_version: u64) -> Result<(), StoreError> {
        self.on("replace_conversation").conversations.replace_conversation(c, expected_version).await
    }
    async fn list_conversations(
        &self,
        owner: &UserId,
        page: &PageRequest<ConversationId>,
    ) -> Result<Page<Conversation, ConversationId>, StoreError> {
        self.on("list_conversations").conversations.list_conversations(owner, page).await
    }
    async fn list_messages(
        &self,
        owner: &UserId,
        conversation: &ConversationId,
        page: &PageRequest<MessageId>,
    ) -> Result<Page<Message, MessageId>, StoreError> {
        self.on("list_messages").conversations.list_messages(owner, conversation, page).await
    }
}

#[async_trait]
impl MemoryRepo for Counting {
    async fn insert_memory(&self, memory: &Memory) -> Result<(), StoreError> {
        self.on("insert_memory").memories.insert_memory(memory).await
    }
    async fn get_memory(&self, owner: &UserId, id: &MemoryId) -> Result<Option<Memory>, StoreError> {
        self.on("get_memory").memories.get_memory(owner, id).await
    }
    async fn delete_memory(&self, owner: &UserId, id: &MemoryId) -> Result<bool, StoreError> {
        self.on("delete_memory").memories.delete_memory(owner, id).await
    }
    async fn list_memories(
        &self,
        owner: &UserId,
        page: &PageRequest<MemoryId>,
    ) -> Result<Page<Memory, MemoryId>, StoreError> {
        self.on("list_memories").memories.list_memories(owner, page).await
    }
}

#[async_trait]
impl PromptRepo for Counting {
    async fn insert_customization(&self, c: &PromptCustomization) -> Result<(), StoreError> {
        self.on("insert_customization").prompts.insert_customization(c).await
    }
    async fn get_customization(
        &self,
        owner: &UserId,
        id: &CustomizationId,
    ) -> Result<Option<PromptCustomization>, StoreError> {
        self.on("get_customization").prompts.get_customization(owner, id).await
    }
    async fn replace_customization(
        &self,
        c: &PromptCustomization,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.on("replace_customization").prompts.replace_customization(c, expected_version).await
    }
    async fn list_customizations(
        &self,
        owner: &UserId,
        agent: &AgentName,
        page: &PageRequest<CustomizationId>,
    ) -> Result<Page<PromptCustomization, CustomizationId>, StoreError> {
        self.on("list_customizations").prompts.list_customizations(owner, agent, page).await
    }
}

#[async_trait]
impl UsageRepo for Counting {
    async fn add_tokens(&self, owner: &UserId, day: NaiveDate, tokens: u64) -> Result<u64, StoreError> {
        self.on("add_tokens").usage.add_tokens(owner, day, tokens).await
    }
    async fn tokens_on(&self, owner: &UserId, day: NaiveDate) -> Result<u64, StoreError> {
        self.on("tokens_on").usage.tokens_on(owner, day).await
    }
}

#[async_trait]
impl NotifyQueue for Counting {
    async fn enqueue(&self, message: &NotifyMessage) -> Result<(), StoreError> {
        self.on("enqueue").queue.enqueue(message).await
    }
}

#[async_trait]
impl AgentQueue for Counting {
    async fn enqueue_agent(&self, message: &AgentMessage) -> Result<(), StoreError> {
        self.on("enqueue_agent").agent_queue.enqueue_agent(message).await
    }
}

/// Counts the DynamoDB requests a client sends, by operation (its `X-Amz-Target`), retries
/// included.
#[derive(Debug, Clone, Default)]
pub struct Requests(Arc<Mutex<BTreeMap<String, u64>>>);

impl Intercept for Requests {
    fn name(&self) -> &'static str {
        "nudge-tests request counter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or("?");
        let op = target.rsplit('.').next().unwrap_or(target).to_owned();
        *self.0.lock().unwrap().entry(op).or_default() += 1;
        Ok(())
    }
}

impl Requests {
    /// The requests so far, by operation.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap().clone()
    }
}

/// Ports over a fresh store on `backend` (an in-memory SQLite database, or a new DynamoDB table
/// and SQS queues in moto), with the system clock, counted; on DynamoDB, the request counter too.
pub async fn ports(backend: Backend) -> (Ports, Calls, Option<Requests>) {
    let (clock, ids) = (Arc::new(SystemClock), Arc::new(UuidV7Ids));
    let (inner, requests) = match backend {
        Backend::Sqlite => {
            let s = Arc::new(SqliteStore::in_memory().expect("sqlite"));
            (Ports::over(s.clone(), s, clock, ids), None)
        }
        Backend::Dynamo => {
            let config = moto_config().await;
            let requests = Requests::default();
            let conf = aws_sdk_dynamodb::config::Builder::from(&config).interceptor(requests.clone()).build();
            let client = aws_sdk_dynamodb::Client::from_conf(conf);
            let table = table::create_fresh(&client).await;
            let queues = queue::create_fresh(&config).await;
            (
                Ports::over(Arc::new(DynamoStore::new(client, table)), Arc::new(queues), clock, ids),
                Some(requests),
            )
        }
    };
    let (ports, calls) = Counting::wrap(inner);
    (ports, calls, requests)
}

/// "3: `get_user`, `list_tasks` ×2" for the methods of `of`; "0" for none.
pub fn describe(counts: &Counts, of: Kind) -> String {
    let picked: Vec<_> = counts.iter().filter(|(m, _)| kind(m) == of).collect();
    let total: u64 = picked.iter().map(|(_, n)| **n).sum();
    if total == 0 {
        return "0".into();
    }
    let names: Vec<String> =
        picked.iter().map(|(m, n)| if **n == 1 { format!("`{m}`") } else { format!("`{m}` ×{n}") }).collect();
    format!("{total}: {}", names.join(", "))
}

/// "3: GetItem 2, PutItem 1" for requests by operation.
pub fn describe_requests(r: &BTreeMap<String, u64>) -> String {
    let total: u64 = r.values().sum();
    let names: Vec<String> = r.iter().map(|(op, n)| format!("{op} {n}")).collect();
    format!("{total}: {}", names.join(", "))
}

/// The one value every round had, or each of them when they differ, joined by " / ".
pub fn same_each_round<T: PartialEq + Clone>(v: &[T], show: impl Fn(&T) -> String) -> String {
    let mut distinct: Vec<T> = Vec::new();
    for x in v {
        if !distinct.contains(x) {
            distinct.push(x.clone());
        }
    }
    distinct.iter().map(show).collect::<Vec<_>>().join(" / ")
}
