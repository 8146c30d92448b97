//! The store contract: what every store behind the repository ports must do. Each body takes a
//! [`Backend`] and runs unchanged on SQLite and on DynamoDB (tests/tests/store_contract.rs).

use chrono::{DateTime, Duration, Utc};
use nudge_domain::{
    Limit, PageRequest, PersonName, PhoneNumber, Priority, Role, StoreError, Task, TaskFilter, TaskId,
    TaskStatus, TaskTitle, TimeZone, User, UserId,
    task::{Assignee, Description, Metadata},
};
use serde_json::json;
use uuid::Uuid;

use crate::{Backend, store};

fn t0() -> DateTime<Utc> {
    "2026-11-22T09:00:00.123Z".parse().unwrap()
}

pub fn user(phone: &str) -> User {
    User {
        id: UserId::from_uuid(Uuid::now_v7()),
        name: PersonName::parse("Sam Doe").unwrap(),
        phone: PhoneNumber::parse(phone).unwrap(),
        email: Some(nudge_domain::Email::parse("sam@example.com").unwrap()),
        timezone: TimeZone::parse("America/New_York").unwrap(),
        roles: vec![Role::User, Role::Admin],
        preferences: Default::default(),
        created_at: t0(),
        updated_at: t0(),
    }
}

/// A task of `owner`'s, the n-th made (ids sort by n).
pub fn task(owner: UserId, n: u32) -> Task {
    Task {
        id: TaskId::from_uuid(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n))),
        user_id: owner,
        title: TaskTitle::parse(&format!("task {n}")).unwrap(),
        description: None,
        status: TaskStatus::Pending,
        priority: Priority::Medium,
        assigned_to: None,
        due_date: None,
        metadata: Metadata::default(),
        created_at: t0() + Duration::seconds(i64::from(n)),
        updated_at: t0() + Duration::seconds(i64::from(n)),
        version: 1,
    }
}

fn all(limit: i64) -> PageRequest<TaskId> {
    PageRequest { limit: Limit::new(limit).unwrap(), after: None }
}

pub async fn users_are_found_by_id_and_by_phone(b: Backend) {
    let p = store(b).await;
    let u = user("+14155550101");
    p.users.create_user(&u).await.unwrap();
    assert_eq!(p.users.get_user(&u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(p.users.find_user_by_phone(&u.phone).await.unwrap(), Some(u.clone()));
    let nobody = PhoneNumber::parse("+14155550199").unwrap();
    assert_eq!(p.users.find_user_by_phone(&nobody).await.unwrap(), None);
    assert_eq!(p.users.get_user(&UserId::from_uuid(Uuid::now_v7())).await.unwrap(), None);
}

pub async fn a_phone_number_names_one_user(b: Backend) {
    let p = store(b).await;
    let first = user("+14155550102");
    p.users.create_user(&first).await.unwrap();
    let second = User { id: UserId::from_uuid(Uuid::now_v7()), ..first.clone() };
    let err = p.users.create_user(&second).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // Nothing of the refused user was written, and the first is untouched.
    assert_eq!(p.users.get_user(&second.id).await.unwrap(), None);
    assert_eq!(p.users.find_user_by_phone(&first.phone).await.unwrap().unwrap().id, first.id);
}

pub async fn a_task_keeps_every_field(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let t = Task {
        title: TaskTitle::parse("Appel à la pharmacie 💊 & <refill>").unwrap(),
        description: Some(Description::parse("ask about the\nnew dose").unwrap()),
        status: TaskStatus::InProgress,
        priority: Priority::Critical,
        assigned_to: Some(Assignee::parse("me").unwrap()),
        due_date: Some("2026-11-23T08:30:00.5Z".parse().unwrap()),
        metadata: Metadata::parse(json!({
            "source": "sms", "tries": 3, "ratio": 0.25, "big": 12345678901234_u64,
            "tags": ["health", null, true], "nested": {"deep": {"er": "x"}}, "empty": {}
        }))
        .unwrap(),
        version: 7,
        ..task(owner, 1)
    };
    p.tasks.insert_task(&t).await.unwrap();
    assert_eq!(p.tasks.get_task(&owner, &t.id).await.unwrap(), Some(t));
}

pub async fn a_task_id_is_inserted_once(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let t = task(owner, 1);
    p.tasks.insert_task(&t).await.unwrap();
    let again = Task { title: TaskTitle::parse("other").unwrap(), ..t.clone() };
    assert!(matches!(p.tasks.insert_task(&again).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.tasks.get_task(&owner, &t.id).await.unwrap(), Some(t));
}

pub async fn another_users_task_does_not_exist(b: Backend) {
    let p = store(b).await;
    let (alice, bob) = (UserId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    let t = task(alice, 1);
    p.tasks.insert_task(&t).await.unwrap();
    assert_eq!(p.tasks.get_task(&bob, &t.id).await.unwrap(), None);
    assert!(!p.tasks.delete_task(&bob, &t.id).await.unwrap());
    let mut stolen = t.clone();
    stolen.user_id = bob;
    stolen.version = 2;
    assert!(matches!(p.tasks.replace_task(&stolen, 1).await, Err(StoreError::NotFound)));
    let bobs = p.tasks.list_tasks(&bob, &TaskFilter::default(), &all(100)).await.unwrap();
    assert!(bobs.items.is_empty());
    assert_eq!(p.tasks.get_task(&alice, &t.id).await.unwrap(), Some(t));
}

pub async fn a_replace_names_the_version_it_read(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let t = task(owner, 1);
    p.tasks.insert_task(&t).await.unwrap();
    let v2 = Task { status: TaskStatus::Completed, version: 2, ..t.clone() };
    p.tasks.replace_task(&v2, 1).await.unwrap();
    let late = Task { title: TaskTitle::parse("late writer").unwrap(), version: 2, ..t.clone() };
    assert!(matches!(p.tasks.replace_task(&late, 1).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.tasks.get_task(&owner, &t.id).await.unwrap(), Some(v2));
    let ghost = task(owner, 2);
    assert!(matches!(p.tasks.replace_task(&ghost, 1).await, Err(StoreError::NotFound)));
}

pub async fn concurrent_replaces_of_one_version_let_one_win(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let t = task(owner, 1);
    p.tasks.insert_task(&t).await.unwrap();
    let writers = (0..8).map(|i| {
        let p = p.clone();
        let next = Task { title: TaskTitle::parse(&format!("writer {i}")).unwrap(), version: 2, ..t.clone() };
        tokio::spawn(async move { p.tasks.replace_task(&next, 1).await })
    });
    let results: Vec<_> = futures_join(writers).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(StoreError::Conflict(_)))));
    assert_eq!(p.tasks.get_task(&owner, &t.id).await.unwrap().unwrap().version, 2);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = vec![];
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

pub async fn a_deleted_task_is_gone(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let t = task(owner, 1);
    p.tasks.insert_task(&t).await.unwrap();
    assert!(p.tasks.delete_task(&owner, &t.id).await.unwrap());
    assert!(!p.tasks.delete_task(&owner, &t.id).await.unwrap());
    assert_eq!(p.tasks.get_task(&owner, &t.id).await.unwrap(), None);
}

pub async fn tasks_list_newest_first_a_page_at_a_time(b: Backend) {
    let p = store(b).await;
    let owner = user("+14155550103");
    // The owner's profile shares the partition: listing tasks must not trip over it.
    p.users.create_user(&owner).await.unwrap();
    for n in 1..=25 {
        p.tasks.insert_task(&task(owner.id, n)).await.unwrap();
    }
    let mut seen = vec![];
    let mut page = all(10);
    let mut sizes = vec![];
    loop {
        let got = p.tasks.list_tasks(&owner.id, &TaskFilter::default(), &page).await.unwrap();
        sizes.push(got.items.len());
        seen.extend(got.items.iter().map(|t| t.title.to_string()));
        match got.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, vec![10, 10, 5]);
    let expected: Vec<String> = (1..=25).rev().map(|n| format!("task {n}")).collect();
    assert_eq!(seen, expected);
    // A page that ends exactly at the last item says there is no more.
    let exact = p.tasks.list_tasks(&owner.id, &TaskFilter::default(), &all(25)).await.unwrap();
    assert_eq!((exact.items.len(), exact.next), (25, None));
}

pub async fn tasks_filter_on_status_priority_and_due_range(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let day = |d: i64| t0() + Duration::days(d);
    // 150 tasks, of which 12 are high-priority and pending with a due date in days 10..=21:
    // more than one DynamoDB read (Limit applies before the filter) to fill the pages.
    for n in 1..=150u32 {
        let mut t = task(owner, n);
        if n % 12 == 0 {
            t.priority = Priority::High;
            t.due_date = Some(day(i64::from(n / 12) + 9));
        } else {
            t.status = if n % 2 == 0 { TaskStatus::Completed } else { TaskStatus::Pending };
            t.due_date = (n % 3 == 0).then(|| day(i64::from(n)));
        }
        p.tasks.insert_task(&t).await.unwrap();
    }
    let high = TaskFilter { priorities: vec![Priority::High], ..Default::default() };
    let mut page = all(5);
    let mut titles = vec![];
    let mut sizes = vec![];
    loop {
        let got = p.tasks.list_tasks(&owner, &high, &page).await.unwrap();
        sizes.push(got.items.len());
        titles.extend(got.items.iter().map(|t| t.title.to_string()));
        match got.next {
            Some(n) => page.after = Some(n),
            None => break,
        }
    }
    assert_eq!(sizes, vec![5, 5, 2]);
    let expected: Vec<String> = (1..=12).rev().map(|k| format!("task {}", k * 12)).collect();
    assert_eq!(titles, expected);

    // Inclusive due range: days 12..=14 hold tasks 36, 48, 60 (high) and no others, since the
    // rest fall due on day n for n divisible by 3 and n not a multiple of 12 (day 15 is next).
    let range = TaskFilter { due_from: Some(day(12)), due_to: Some(day(14)), ..Default::default() };
    let got = p.tasks.list_tasks(&owner, &range, &all(100)).await.unwrap();
    let got: Vec<String> = got.items.iter().map(|t| t.title.to_string()).collect();
    assert_eq!(got, vec!["task 60", "task 48", "task 36"]);

    let mixed = TaskFilter {
        statuses: vec![TaskStatus::Completed, TaskStatus::Cancelled],
        priorities: vec![Priority::Medium],
        due_from: Some(day(138)),
        due_to: None,
    };
    let got = p.tasks.list_tasks(&owner, &mixed, &all(100)).await.unwrap();
    let got: Vec<String> = got.items.iter().map(|t| t.title.to_string()).collect();
    assert_eq!(got, vec!["task 150", "task 138"], "completed, medium, due on or after day 138");

    // The domain's rule agrees with the store on every task.
    let everything = p.tasks.list_tasks(&owner, &TaskFilter::default(), &all(100)).await.unwrap();
    assert_eq!(everything.items.len(), 100);
    for f in [&high, &range, &mixed] {
        let by_rule = everything.items.iter().filter(|t| f.matches(t)).count();
        let mut by_store = 0;
        let mut page = all(100);
        loop {
            let got = p.tasks.list_tasks(&owner, f, &page).await.unwrap();
            by_store += got.items.iter().filter(|t| t.id >= everything.items[99].id).count();
            match got.next {
                Some(n) => page.after = Some(n),
                None => break,
            }
        }
        assert_eq!(by_store, by_rule);
    }
}

/// A one-time reminder of `owner`'s, the n-th, due at `due`.
pub fn reminder(owner: UserId, n: u32, due: DateTime<Utc>) -> nudge_domain::Reminder {
    let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n));
    let mut r = nudge_domain::Reminder::new(
        nudge_domain::ReminderId::from_uuid(id),
        owner,
        nudge_domain::ReminderText::parse(&format!("reminder {n} ⏰")).unwrap(),
        TimeZone::parse("Europe/Paris").unwrap(),
        due,
        t0(),
    );
    r.schedule(due - Duration::hours(1)).unwrap();
    r
}

fn firing_of(
    r: &nudge_domain::Reminder,
    now: DateTime<Utc>,
) -> (nudge_domain::Notification, nudge_domain::Reminder) {
    match r.step(now, None) {
        nudge_domain::Step::Fire(f, next) => {
            (nudge_domain::Notification::for_firing(r, &f, "text".into(), now), *next)
        }
        other => panic!("expected a firing, got {other:?}"),
    }
}

pub async fn a_reminder_keeps_every_field_and_pages(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let mut r = reminder(owner, 1, t0() + Duration::days(1));
    r.recurrence = Some(nudge_domain::Recurrence::parse("FREQ=WEEKLY;BYDAY=MO,FR").unwrap());
    r.task_id = Some(TaskId::from_uuid(Uuid::now_v7()));
    p.reminders.insert_reminder(&r).await.unwrap();
    assert_eq!(p.reminders.get_reminder(&owner, &r.id).await.unwrap(), Some(r.clone()));
    assert!(matches!(p.reminders.insert_reminder(&r).await, Err(StoreError::Conflict(_))));
    for n in 2..=5 {
        p.reminders.insert_reminder(&reminder(owner, n, t0() + Duration::days(1))).await.unwrap();
    }
    // Another kind of item under the same user is not listed among reminders.
    p.tasks.insert_task(&task(owner, 9)).await.unwrap();
    let first = PageRequest { limit: Limit::new(3).unwrap(), after: None };
    let page = p.reminders.list_reminders(&owner, &first).await.unwrap();
    let ids: Vec<u32> = page.items.iter().map(|r| r.id.as_uuid().as_u128() as u32).collect();
    assert_eq!(ids, [5, 4, 3]);
    let rest = PageRequest { limit: Limit::new(3).unwrap(), after: page.next };
    let page = p.reminders.list_reminders(&owner, &rest).await.unwrap();
    let ids: Vec<u32> = page.items.iter().map(|r| r.id.as_uuid().as_u128() as u32).collect();
    assert_eq!((ids, page.next), (vec![2, 1], None));
    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.reminders.get_reminder(&bob, &r.id).await.unwrap(), None);
    assert!(!p.reminders.delete_reminder(&bob, &r.id).await.unwrap());
    assert!(p.reminders.delete_reminder(&owner, &r.id).await.unwrap());
    assert_eq!(p.reminders.get_reminder(&owner, &r.id).await.unwrap(), None);
}

pub async fn the_due_set_holds_only_what_is_due(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let now = t0() + Duration::days(1);
    for n in 1..=40 {
        // 1..=20 due now or before, 21..=40 later; spread over the shards by their ids.
        let due = if n <= 20 {
            now - Duration::minutes(i64::from(n))
        } else {
            now + Duration::minutes(i64::from(n))
        };
        p.reminders.insert_reminder(&reminder(owner, n, due)).await.unwrap();
    }
    // A reminder with nothing left to fire is out of the index altogether.
    let mut done = reminder(owner, 41, now - Duration::minutes(5));
    done.acknowledge(now - Duration::minutes(6));
    p.reminders.insert_reminder(&done).await.unwrap();
    let due = p.reminders.due(now).await.unwrap();
    let mut ids: Vec<u32> = due.reminders.iter().map(|r| r.id.as_uuid().as_u128() as u32).collect();
    ids.sort();
    assert_eq!(ids, (1..=20).collect::<Vec<_>>());
    assert_eq!(due.items_read, 20, "only due entries are read");
    assert!(due.notifications.is_empty());
}

pub async fn a_firing_is_claimed_once(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let now = t0() + Duration::days(1);
    let r = reminder(owner, 1, now);
    p.reminders.insert_reminder(&r).await.unwrap();
    let (n, next) = firing_of(&r, now);
    // Eight ticks claim the same firing at once: one wins.
    let mut claims = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (p, n, next) = (p.clone(), n.clone(), next.clone());
        claims.spawn(async move { p.notifications.claim_firing(&n, &next, 1).await.unwrap() });
    }
    let wins = claims.join_all().await.into_iter().filter(|w| *w).count();
    assert_eq!(wins, 1);
    assert_eq!(p.notifications.get_notification(&owner, &n.id).await.unwrap(), Some(n.clone()));
    assert_eq!(p.reminders.get_reminder(&owner, &r.id).await.unwrap(), Some(next.clone()));
    // A stale reminder version claims nothing, not even a new notification.
    let (mut other, _) = firing_of(&next, next.next_fire_at.unwrap());
    other.id = nudge_domain::NotificationId::from_uuid(Uuid::now_v7());
    assert!(!p.notifications.claim_firing(&other, &next, 1).await.unwrap());
    assert_eq!(p.notifications.get_notification(&owner, &other.id).await.unwrap(), None);
}

pub async fn a_notification_changes_under_its_version(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let now = t0() + Duration::days(1);
    let r = reminder(owner, 1, now);
    p.reminders.insert_reminder(&r).await.unwrap();
    let (n, next) = firing_of(&r, now);
    assert!(p.notifications.claim_firing(&n, &next, 1).await.unwrap());
    // Queued and waiting: it is in the due set once its redispatch time comes.
    let due = p.reminders.due(n.redispatch_at.unwrap()).await.unwrap();
    assert_eq!(due.notifications.iter().map(|x| x.id).collect::<Vec<_>>(), [n.id]);
    let mut sent = n.clone();
    sent.record(
        now,
        nudge_domain::Attempt {
            at: now,
            outcome: nudge_domain::AttemptOutcome::Sent,
            provider_id: Some("SM1".into()),
            error: None,
        },
        false,
    );
    p.notifications.replace_notification(&sent, n.version).await.unwrap();
    assert!(matches!(
        p.notifications.replace_notification(&sent, n.version).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.notifications.get_notification(&owner, &n.id).await.unwrap(), Some(sent.clone()));
    // Sent: out of the due set.
    let due = p.reminders.due(n.redispatch_at.unwrap()).await.unwrap();
    assert!(due.notifications.is_empty());
    let listed = p.notifications.list_notifications(&owner, &PageRequest::default()).await.unwrap();
    assert_eq!(listed.items, [sent]);
    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.notifications.get_notification(&bob, &n.id).await.unwrap(), None);
}

/// An id whose UUID is v7-shaped and sorts by `n`, for any of the id types.
fn nth(n: u32) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n))
}

/// The n-th conversation of `owner`'s, as the chat starts it (version 1).
pub fn conversation(owner: UserId, n: u32) -> nudge_domain::Conversation {
    let mut c = nudge_domain::Conversation::new(
        nudge_domain::ConversationId::from_uuid(nth(n)),
        owner,
        nudge_domain::ConversationChannel::Api,
        &format!("conversation {n}: what's on today? 🗓"),
        t0() + Duration::seconds(i64::from(n)),
    );
    c.version = 1;
    c
}

/// The n-th message of a conversation (ids sort by n), said by the user.
pub fn message(c: &nudge_domain::Conversation, n: u32) -> nudge_domain::Message {
    nudge_domain::Message {
        id: nudge_domain::MessageId::from_uuid(nth(n)),
        conversation_id: c.id,
        user_id: c.user_id,
        role: nudge_domain::Speaker::User,
        content: format!("message {n}"),
        tool_calls: vec![],
        tool_call_id: None,
        tool_name: None,
        is_error: false,
        usage: None,
        created_at: t0() + Duration::seconds(i64::from(n)),
    }
}

/// `c` as a turn leaves it: `added` more messages, some tokens, one version on.
fn after_turn(c: &nudge_domain::Conversation, added: u64) -> nudge_domain::Conversation {
    let mut next = c.clone();
    next.message_count += added;
    next.usage += nudge_domain::Usage { input_tokens: 120, output_tokens: 30 };
    next.last_active_at = c.last_active_at + Duration::minutes(1);
    next.version += 1;
    next
}

fn message_numbers(items: &[nudge_domain::Message]) -> Vec<u32> {
    items.iter().map(|m| m.id.as_uuid().as_u128() as u32).collect()
}

async fn all_messages(
    p: &nudge_domain::Ports,
    owner: &UserId,
    c: &nudge_domain::ConversationId,
) -> Vec<nudge_domain::Message> {
    let page = PageRequest { limit: Limit::new(100).unwrap(), after: None };
    p.conversations.list_messages(owner, c, &page).await.unwrap().items
}

pub async fn a_turn_creates_its_conversation_and_messages(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let c = conversation(owner, 1);
    let asked = message(&c, 1);
    let call = nudge_domain::Message {
        role: nudge_domain::Speaker::Assistant,
        content: String::new(),
        tool_calls: vec![nudge_domain::ToolCall {
            id: "call_1".into(),
            name: "create_reminder".into(),
            arguments: json!({"text": "meds", "due": "2026-11-22T21:00", "nested": {"n": 1.5, "x": [null]}}),
        }],
        ..message(&c, 2)
    };
    let result = nudge_domain::Message {
        role: nudge_domain::Speaker::Tool,
        content: r#"{"error":"no such zone"}"#.into(),
        tool_call_id: Some("call_1".into()),
        tool_name: Some("create_reminder".into()),
        is_error: true,
        ..message(&c, 3)
    };
    let answer = nudge_domain::Message {
        role: nudge_domain::Speaker::Assistant,
        content: "Done ✅ — I'll nudge you at 9 \"sharp\".\n".into(),
        ..message(&c, 4)
    };
    let mut saved = after_turn(&c, 4);
    saved.summary = Some("earlier: they asked about meds".into());
    saved.summarized = 2;
    saved.channel = nudge_domain::ConversationChannel::Sms;
    p.conversations
        .save_turn(&saved, None, &[asked.clone(), call.clone(), result.clone(), answer.clone()])
        .await
        .unwrap();
    assert_eq!(p.conversations.get_conversation(&owner, &c.id).await.unwrap(), Some(saved));
    assert_eq!(all_messages(&p, &owner, &c.id).await, [answer, result, call, asked]);
}

pub async fn a_turn_names_the_version_it_read(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let c = conversation(owner, 1);
    p.conversations.save_turn(&c, None, &[message(&c, 1), message(&c, 2)]).await.unwrap();
    let v2 = after_turn(&c, 2);
    p.conversations.save_turn(&v2, Some(c.version), &[message(&c, 3), message(&c, 4)]).await.unwrap();
    assert_eq!(p.conversations.get_conversation(&owner, &c.id).await.unwrap(), Some(v2.clone()));
    assert_eq!(message_numbers(&all_messages(&p, &owner, &c.id).await), [4, 3, 2, 1]);

    // A turn made on the version before: refused, and its message is not written.
    let stale = after_turn(&c, 1);
    let err = p.conversations.save_turn(&stale, Some(c.version), &[message(&c, 5)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // Starting a conversation that exists: refused too.
    let err = p.conversations.save_turn(&c, None, &[message(&c, 6)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // So is a turn on a conversation that is not there.
    let ghost = conversation(owner, 2);
    let err =
        p.conversations.save_turn(&after_turn(&ghost, 1), Some(1), &[message(&ghost, 7)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(p.conversations.get_conversation(&owner, &ghost.id).await.unwrap(), None);
    assert!(all_messages(&p, &owner, &ghost.id).await.is_empty());

    assert_eq!(p.conversations.get_conversation(&owner, &c.id).await.unwrap(), Some(v2));
    assert_eq!(message_numbers(&all_messages(&p, &owner, &c.id).await), [4, 3, 2, 1]);
}

pub async fn a_taken_message_id_fails_the_whole_turn(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let c = conversation(owner, 1);
    let first = message(&c, 1);
    p.conversations.save_turn(&c, None, std::slice::from_ref(&first)).await.unwrap();
    // A new message and one whose id is taken: neither is written, nor the conversation.
    let retold = nudge_domain::Message { content: "said again".into(), ..first.clone() };
    let err = p
        .conversations
        .save_turn(&after_turn(&c, 2), Some(c.version), &[message(&c, 2), retold])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(p.conversations.get_conversation(&owner, &c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(all_messages(&p, &owner, &c.id).await, [first]);

    // One id twice in a new conversation's turn: the conversation is not created.
    let other = conversation(owner, 2);
    let twice = [message(&other, 1), message(&other, 1)];
    let err = p.conversations.save_turn(&other, None, &twice).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(p.conversations.get_conversation(&owner, &other.id).await.unwrap(), None);
    assert!(all_messages(&p, &owner, &other.id).await.is_empty());
}

pub async fn messages_list_newest_first_a_page_at_a_time(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let c = conversation(owner, 1);
    // 25 messages over 5 turns: the first starts the conversation, each next one resumes it.
    let mut at: Option<nudge_domain::Conversation> = None;
    for turn in 0..5u32 {
        let (next, expected) = match &at {
            None => (c.clone(), None),
            Some(prev) => (after_turn(prev, 5), Some(prev.version)),
        };
        let messages: Vec<_> = (1..=5).map(|k| message(&c, turn * 5 + k)).collect();
        p.conversations.save_turn(&next, expected, &messages).await.unwrap();
        at = Some(next);
    }
    // Another conversation of the same user, whose messages are not this one's.
    let other = conversation(owner, 2);
    p.conversations.save_turn(&other, None, &[message(&other, 99)]).await.unwrap();

    let mut page = PageRequest { limit: Limit::new(10).unwrap(), after: None };
    let (mut seen, mut sizes) = (vec![], vec![]);
    loop {
        let got = p.conversations.list_messages(&owner, &c.id, &page).await.unwrap();
        sizes.push(got.items.len());
        seen.extend(message_numbers(&got.items));
        match got.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, (1..=25).rev().collect::<Vec<_>>());
    let exact = PageRequest { limit: Limit::new(25).unwrap(), after: None };
    let got = p.conversations.list_messages(&owner, &c.id, &exact).await.unwrap();
    assert_eq!((got.items.len(), got.next), (25, None));
    assert_eq!(message_numbers(&all_messages(&p, &owner, &other.id).await), [99]);

    // Another user reading this conversation's messages finds none.
    let bob = UserId::from_uuid(Uuid::now_v7());
    assert!(all_messages(&p, &bob, &c.id).await.is_empty());
}

pub async fn conversations_list_newest_first_and_belong_to_their_owner(b: Backend) {
    let p = store(b).await;
    let owner = user("+14155550104");
    // Other kinds of item under the same user are not listed among conversations.
    p.users.create_user(&owner).await.unwrap();
    p.tasks.insert_task(&task(owner.id, 50)).await.unwrap();
    for n in 1..=7 {
        let c = conversation(owner.id, n);
        p.conversations.save_turn(&c, None, &[message(&c, 100 + n)]).await.unwrap();
    }
    let numbers = |items: &[nudge_domain::Conversation]| {
        items.iter().map(|c| c.id.as_uuid().as_u128() as u32).collect::<Vec<_>>()
    };
    let mut page = PageRequest { limit: Limit::new(3).unwrap(), after: None };
    let mut pages = vec![];
    loop {
        let got = p.conversations.list_conversations(&owner.id, &page).await.unwrap();
        pages.push(numbers(&got.items));
        match got.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, [vec![7, 6, 5], vec![4, 3, 2], vec![1]]);
    let one = conversation(owner.id, 4);
    assert_eq!(p.conversations.get_conversation(&owner.id, &one.id).await.unwrap(), Some(one.clone()));

    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.conversations.get_conversation(&bob, &one.id).await.unwrap(), None);
    let bobs = p.conversations.list_conversations(&bob, &PageRequest::default()).await.unwrap();
    assert_eq!((bobs.items.len(), bobs.next), (0, None));
}

pub async fn a_conversation_replace_names_the_version_it_read(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let c = conversation(owner, 1);
    p.conversations.save_turn(&c, None, &[message(&c, 1)]).await.unwrap();
    let summarized = nudge_domain::Conversation {
        summary: Some("they take meds at 9".into()),
        summarized: 1,
        version: 2,
        ..c.clone()
    };
    p.conversations.replace_conversation(&summarized, 1).await.unwrap();
    let late = nudge_domain::Conversation { summary: Some("late writer".into()), version: 2, ..c.clone() };
    let err = p.conversations.replace_conversation(&late, 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(p.conversations.get_conversation(&owner, &c.id).await.unwrap(), Some(summarized));
    // The summary does not touch the messages.
    assert_eq!(message_numbers(&all_messages(&p, &owner, &c.id).await), [1]);
    let ghost = conversation(owner, 2);
    assert!(matches!(p.conversations.replace_conversation(&ghost, 1).await, Err(StoreError::NotFound)));
    // Another user's conversation is not there for them to replace.
    let stolen =
        nudge_domain::Conversation { user_id: UserId::from_uuid(Uuid::now_v7()), version: 3, ..c.clone() };
    assert!(matches!(p.conversations.replace_conversation(&stolen, 2).await, Err(StoreError::NotFound)));
}

/// The n-th memory of `owner`'s (ids sort by n).
pub fn memory(owner: UserId, n: u32) -> nudge_domain::Memory {
    nudge_domain::Memory {
        id: nudge_domain::MemoryId::from_uuid(nth(n)),
        user_id: owner,
        kind: if n.is_multiple_of(2) {
            nudge_domain::MemoryKind::Note
        } else {
            nudge_domain::MemoryKind::Fact
        },
        title: n.is_multiple_of(3).then(|| format!("note {n}")),
        content: nudge_domain::MemoryContent::parse(&format!("memory {n}: takes meds at 9 💊\nwith water"))
            .unwrap(),
        source: nudge_domain::MemorySource::Chat,
        embedding: None,
        created_at: t0() + Duration::seconds(i64::from(n)),
    }
}

pub async fn memories_are_kept_listed_and_deleted(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    for n in 1..=5 {
        p.memories.insert_memory(&memory(owner, n)).await.unwrap();
    }
    let m = memory(owner, 3);
    assert_eq!(p.memories.get_memory(&owner, &m.id).await.unwrap(), Some(m.clone()));
    // Learning the same thing twice adds it once.
    let again = nudge_domain::Memory { source: nudge_domain::MemorySource::Learned, ..m.clone() };
    assert!(matches!(p.memories.insert_memory(&again).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.memories.get_memory(&owner, &m.id).await.unwrap(), Some(m.clone()));
    // Other kinds of item under the same user are not listed among memories.
    p.tasks.insert_task(&task(owner, 50)).await.unwrap();
    let c = conversation(owner, 60);
    p.conversations.save_turn(&c, None, &[message(&c, 61)]).await.unwrap();

    let numbers = |items: &[nudge_domain::Memory]| {
        items.iter().map(|m| m.id.as_uuid().as_u128() as u32).collect::<Vec<_>>()
    };
    let mut page = PageRequest { limit: Limit::new(2).unwrap(), after: None };
    let mut pages = vec![];
    loop {
        let got = p.memories.list_memories(&owner, &page).await.unwrap();
        pages.push(numbers(&got.items));
        match got.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, [vec![5, 4], vec![3, 2], vec![1]]);

    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.memories.get_memory(&bob, &m.id).await.unwrap(), None);
    assert!(!p.memories.delete_memory(&bob, &m.id).await.unwrap());
    assert!(p.memories.list_memories(&bob, &PageRequest::default()).await.unwrap().items.is_empty());
    assert_eq!(p.memories.get_memory(&owner, &m.id).await.unwrap(), Some(m.clone()));

    assert!(p.memories.delete_memory(&owner, &m.id).await.unwrap());
    assert!(!p.memories.delete_memory(&owner, &m.id).await.unwrap());
    assert_eq!(p.memories.get_memory(&owner, &m.id).await.unwrap(), None);
    let left = p.memories.list_memories(&owner, &PageRequest::default()).await.unwrap();
    assert_eq!(numbers(&left.items), [5, 4, 2, 1]);
}

pub async fn an_embedding_round_trips_exactly(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    // Values whose shortest decimal forms are long, the extremes, a subnormal, and 1536
    // ordinary components as an embeddings API returns them.
    let mut v = vec![
        f32::from_bits(0x15ae_43fd),
        f32::from_bits(0x95ae_43fd),
        0.1,
        1.0 / 3.0,
        -1.0,
        0.0,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        f32::EPSILON,
    ];
    let mut x: u32 = 0x9e37_79b9;
    for _ in 0..1536 {
        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        v.push((f64::from(x) / f64::from(u32::MAX) - 0.5) as f32 * 0.2);
    }
    let m = nudge_domain::Memory { embedding: Some(v.clone()), ..memory(owner, 1) };
    p.memories.insert_memory(&m).await.unwrap();
    let bits = |m: &nudge_domain::Memory| {
        m.embedding.as_ref().unwrap().iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    };
    let got = p.memories.get_memory(&owner, &m.id).await.unwrap().unwrap();
    assert_eq!(bits(&got), bits(&m));
    assert_eq!(got, m);
    let listed = p.memories.list_memories(&owner, &PageRequest::default()).await.unwrap();
    assert_eq!(listed.items.iter().map(bits).collect::<Vec<_>>(), [bits(&m)]);
    // No embedding stays none, and an empty one stays empty.
    let plain = memory(owner, 2);
    let empty = nudge_domain::Memory { embedding: Some(vec![]), ..memory(owner, 3) };
    p.memories.insert_memory(&plain).await.unwrap();
    p.memories.insert_memory(&empty).await.unwrap();
    assert_eq!(p.memories.get_memory(&owner, &plain.id).await.unwrap(), Some(plain));
    assert_eq!(p.memories.get_memory(&owner, &empty.id).await.unwrap(), Some(empty));
}

/// The n-th customization of `owner`'s for `agent` (ids sort by n).
pub fn customization(owner: UserId, n: u32, agent: &str) -> nudge_domain::PromptCustomization {
    nudge_domain::PromptCustomization {
        id: nudge_domain::CustomizationId::from_uuid(nth(n)),
        user_id: owner,
        agent_name: nudge_domain::AgentName::parse(agent).unwrap(),
        customization_type: nudge_domain::CustomizationType::Tone,
        content: nudge_domain::Instructions::parse(&format!("customization {n}: friendly, no emoji"))
            .unwrap(),
        is_active: n % 2 == 1,
        priority: i32::try_from(n).unwrap() - 3,
        created_at: t0() + Duration::seconds(i64::from(n)),
        updated_at: t0() + Duration::seconds(i64::from(n)),
        version: 1,
    }
}

pub async fn customizations_are_kept_replaced_and_listed_per_agent(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    for n in 1..=3 {
        p.prompts.insert_customization(&customization(owner, n, "assistant")).await.unwrap();
    }
    for n in 4..=5 {
        p.prompts.insert_customization(&customization(owner, n, "planner")).await.unwrap();
    }
    let c = customization(owner, 2, "assistant");
    assert_eq!(p.prompts.get_customization(&owner, &c.id).await.unwrap(), Some(c.clone()));
    let again = nudge_domain::PromptCustomization { is_active: true, ..c.clone() };
    assert!(matches!(p.prompts.insert_customization(&again).await, Err(StoreError::Conflict(_))));

    let numbers = |items: &[nudge_domain::PromptCustomization]| {
        items.iter().map(|c| c.id.as_uuid().as_u128() as u32).collect::<Vec<_>>()
    };
    let list = |agent: &'static str, limit: i64, after| {
        let p = p.clone();
        async move {
            let agent = nudge_domain::AgentName::parse(agent).unwrap();
            let page = PageRequest { limit: Limit::new(limit).unwrap(), after };
            p.prompts.list_customizations(&owner, &agent, &page).await.unwrap()
        }
    };
    let first = list("assistant", 2, None).await;
    assert_eq!(numbers(&first.items), [3, 2]);
    let rest = list("assistant", 2, first.next).await;
    assert_eq!((numbers(&rest.items), rest.next), (vec![1], None));
    assert_eq!(numbers(&list("planner", 10, None).await.items), [5, 4]);
    assert!(list("coach", 10, None).await.items.is_empty());

    let v2 = nudge_domain::PromptCustomization {
        content: nudge_domain::Instructions::parse("keep answers under two sentences").unwrap(),
        customization_type: nudge_domain::CustomizationType::Instructions,
        is_active: false,
        priority: 10,
        updated_at: t0() + Duration::hours(1),
        version: 2,
        ..c.clone()
    };
    p.prompts.replace_customization(&v2, 1).await.unwrap();
    let late = nudge_domain::PromptCustomization { priority: -1, version: 2, ..c.clone() };
    assert!(matches!(p.prompts.replace_customization(&late, 1).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.prompts.get_customization(&owner, &c.id).await.unwrap(), Some(v2.clone()));
    assert_eq!(
        list("assistant", 10, None).await.items,
        [customization(owner, 3, "assistant"), v2, customization(owner, 1, "assistant")]
    );
    let ghost = customization(owner, 9, "assistant");
    assert!(matches!(p.prompts.replace_customization(&ghost, 1).await, Err(StoreError::NotFound)));

    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.prompts.get_customization(&bob, &c.id).await.unwrap(), None);
    let assistant = nudge_domain::AgentName::assistant();
    assert!(
        p.prompts
            .list_customizations(&bob, &assistant, &PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

pub async fn tokens_add_up_per_user_per_day(b: Backend) {
    let p = store(b).await;
    let (alice, bob) = (UserId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    let day = t0().date_naive();
    let next = day.succ_opt().unwrap();
    assert_eq!(p.usage.tokens_on(&alice, day).await.unwrap(), 0);
    assert_eq!(p.usage.add_tokens(&alice, day, 100).await.unwrap(), 100);
    assert_eq!(p.usage.add_tokens(&alice, day, 50).await.unwrap(), 150);
    assert_eq!(p.usage.add_tokens(&alice, next, 7).await.unwrap(), 7);
    assert_eq!(p.usage.add_tokens(&bob, day, 1).await.unwrap(), 1);
    assert_eq!(p.usage.tokens_on(&alice, day).await.unwrap(), 150);
    assert_eq!(p.usage.tokens_on(&alice, next).await.unwrap(), 7);
    assert_eq!(p.usage.tokens_on(&bob, day).await.unwrap(), 1);
    assert_eq!(p.usage.tokens_on(&bob, next).await.unwrap(), 0);
    // A big count is kept whole.
    let big = 3_000_000_000_000;
    assert_eq!(p.usage.add_tokens(&bob, next, big).await.unwrap(), big);
    assert_eq!(p.usage.tokens_on(&bob, next).await.unwrap(), big);
}

pub async fn concurrent_token_adds_are_all_counted(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let day = t0().date_naive();
    let mut adds = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let p = p.clone();
        adds.spawn(async move { p.usage.add_tokens(&owner, day, 10).await.unwrap() });
    }
    let mut totals = adds.join_all().await;
    totals.sort();
    // Each add saw its own running total: none was lost or counted twice.
    assert_eq!(totals, [10, 20, 30, 40, 50, 60, 70, 80]);
    assert_eq!(p.usage.tokens_on(&owner, day).await.unwrap(), 80);
}

pub async fn an_agent_message_is_enqueued_off_the_notify_queue(b: Backend) {
    let (p, tap) = crate::store_with_queue(b).await;
    let learn = |message: Uuid| nudge_domain::AgentMessage::Learn {
        user_id: UserId::from_uuid(nth(1)),
        conversation_id: nudge_domain::ConversationId::from_uuid(nth(2)),
        message_id: nudge_domain::MessageId::from_uuid(message),
    };
    let sent = [learn(nth(3)), learn(nth(4))];
    for m in &sent {
        p.agent_queue.enqueue_agent(m).await.unwrap();
    }
    // SQS does not promise an order: compare as sets.
    let mut got = tap.agent_messages().await;
    got.sort_by_key(|m| serde_json::to_string(m).unwrap());
    assert_eq!(got, sent);
    // The agent's work does not reach the notifier, and was taken off its queue once.
    assert!(tap.take().await.is_empty());
    assert!(tap.agent_messages().await.is_empty());
}

/// A message's Twilio sid, the n-th (34 characters: SM and 32 hex digits).
fn sid(n: u32) -> nudge_domain::sms::MessageSid {
    nudge_domain::sms::MessageSid::parse(&format!("SM{n:032x}")).unwrap()
}

/// An inbound SMS from a known user, just recorded, every optional field set.
pub fn inbound(n: u32, owner: UserId) -> nudge_domain::sms::InboundSms {
    use nudge_domain::sms::{InboundSms, InboundStatus, Route};
    let mut analysis = nudge_domain::sms::text::analyze("remind me tmrw", &Default::default());
    // Every field of the analysis, whatever the analyzer makes of this text.
    analysis.spam_score = 0.35;
    analysis.spam_signals = vec!["caps".into(), "link".into()];
    analysis.language = Some("eng".into());
    analysis.sentiment = -0.125;
    InboundSms {
        sid: sid(n),
        from: PhoneNumber::parse("+14155550123").unwrap(),
        ip: Some("54.172.60.1".into()),
        to: "+14155550000".into(),
        user_id: Some(owner),
        body: "remind me tmrw".into(),
        analysis,
        route: Route::Pending,
        status: InboundStatus::Received,
        answer: None,
        turn: None,
        received_at: t0(),
        updated_at: t0(),
        expires_at: t0() + nudge_domain::sms::inbound::KEEP_FOR,
        version: 1,
    }
}

pub async fn an_inbound_sms_is_recorded_once(b: Backend) {
    let p = store(b).await;
    let m = inbound(1, UserId::from_uuid(Uuid::now_v7()));
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap(), None);
    assert_eq!(p.inbound.record_inbound(&m).await.unwrap(), None);
    // A redelivery, even with another body, answers what was stored and changes nothing.
    let again = nudge_domain::sms::InboundSms { body: "something else".into(), version: 7, ..m.clone() };
    assert_eq!(p.inbound.record_inbound(&again).await.unwrap(), Some(m.clone()));
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap(), Some(m.clone()));
    // Another sid is another record.
    let other = inbound(2, m.user_id.unwrap());
    assert_eq!(p.inbound.record_inbound(&other).await.unwrap(), None);
    assert_eq!(p.inbound.get_inbound(&other.sid).await.unwrap(), Some(other));
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap(), Some(m));
}

pub async fn concurrent_records_of_one_sid_let_one_in(b: Backend) {
    let p = store(b).await;
    let m = inbound(1, UserId::from_uuid(Uuid::now_v7()));
    let mut records = tokio::task::JoinSet::new();
    for i in 0..8 {
        let p = p.clone();
        let mine = nudge_domain::sms::InboundSms { body: format!("delivery {i}"), ..m.clone() };
        records.spawn(async move { (mine.clone(), p.inbound.record_inbound(&mine).await.unwrap()) });
    }
    let results = records.join_all().await;
    let firsts: Vec<_> = results.iter().filter(|(_, r)| r.is_none()).map(|(m, _)| m.clone()).collect();
    assert_eq!(firsts.len(), 1, "{results:?}");
    // Every other delivery was answered the one that got in.
    assert!(results.iter().filter_map(|(_, r)| r.as_ref()).all(|stored| *stored == firsts[0]));
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap().as_ref(), Some(&firsts[0]));
}

pub async fn an_inbound_sms_keeps_every_field(b: Backend) {
    use nudge_domain::sms::{InboundSms, InboundStatus, Route, TurnState};
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let replied = InboundSms {
        route: Route::Agent,
        status: InboundStatus::Answered,
        answer: Some("On it ✅".into()),
        turn: Some(TurnState::Replied { notification_id: nudge_domain::NotificationId::from_uuid(nth(9)) }),
        ..inbound(1, owner)
    };
    let running = InboundSms {
        turn: Some(TurnState::Running { until: t0() + Duration::seconds(90) }),
        ..inbound(2, owner)
    };
    let queued = InboundSms { turn: Some(TurnState::Queued), ..inbound(3, owner) };
    // From a number no user has: no user, nothing answered.
    let stranger = InboundSms { user_id: None, route: Route::UnknownSender, ..inbound(4, owner) };
    for m in [&replied, &running, &queued, &stranger] {
        assert_eq!(p.inbound.record_inbound(m).await.unwrap(), None);
        assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap().as_ref(), Some(m));
    }
}

pub async fn an_inbound_replace_names_the_version_it_read(b: Backend) {
    use nudge_domain::sms::{InboundSms, InboundStatus, Route};
    let p = store(b).await;
    let m = inbound(1, UserId::from_uuid(Uuid::now_v7()));
    p.inbound.record_inbound(&m).await.unwrap();
    let answered = InboundSms {
        route: Route::Keyword,
        status: InboundStatus::Answered,
        answer: Some("You're subscribed.".into()),
        updated_at: t0() + Duration::seconds(1),
        version: 2,
        ..m.clone()
    };
    p.inbound.replace_inbound(&answered, 1).await.unwrap();
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap(), Some(answered.clone()));
    // A writer that read version 1 is too late.
    let stale = InboundSms { answer: Some("late".into()), ..answered.clone() };
    assert!(matches!(p.inbound.replace_inbound(&stale, 1).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap(), Some(answered.clone()));
    // A record that was never made is not made by a replace.
    let absent = inbound(2, m.user_id.unwrap());
    assert!(matches!(p.inbound.replace_inbound(&absent, 1).await, Err(StoreError::NotFound)));
    assert_eq!(p.inbound.get_inbound(&absent.sid).await.unwrap(), None);
    // The next writer names the version now stored.
    let third = InboundSms { version: 3, ..answered.clone() };
    p.inbound.replace_inbound(&third, 2).await.unwrap();
    assert_eq!(p.inbound.get_inbound(&m.sid).await.unwrap().unwrap().version, 3);
}

pub async fn concurrent_hits_each_see_their_own_count(b: Backend) {
    let p = store(b).await;
    let expires_at = t0() + Duration::hours(1);
    let mut hits = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let p = p.clone();
        hits.spawn(
            async move { p.counters.hit("sms:+14155550123:2026-11-22T09", expires_at).await.unwrap() },
        );
    }
    let mut counts = hits.join_all().await;
    counts.sort();
    assert_eq!(counts, (1..=10).collect::<Vec<u64>>());
    assert_eq!(p.counters.hit("sms:+14155550123:2026-11-22T09", expires_at).await.unwrap(), 11);
}

pub async fn counters_are_independent_per_key(b: Backend) {
    let p = store(b).await;
    let expires_at = t0() + Duration::hours(1);
    assert_eq!(p.counters.hit("phone:+14155550123:09", expires_at).await.unwrap(), 1);
    assert_eq!(p.counters.hit("phone:+14155550123:09", expires_at).await.unwrap(), 2);
    // Another key, even one that starts the same, is another counter.
    assert_eq!(p.counters.hit("phone:+14155550123:10", expires_at).await.unwrap(), 1);
    assert_eq!(p.counters.hit("phone:+14155550123", expires_at).await.unwrap(), 1);
    assert_eq!(p.counters.hit("user:0190", expires_at + Duration::hours(1)).await.unwrap(), 1);
    assert_eq!(p.counters.hit("phone:+14155550123:09", expires_at).await.unwrap(), 3);
    // A later hit with another expiry still counts on.
    assert_eq!(p.counters.hit("phone:+14155550123:09", expires_at + Duration::days(1)).await.unwrap(), 4);
}

/// The queued reply to inbound message `m`, as the agent worker makes it.
fn reply_to(
    m: &nudge_domain::sms::InboundSms,
    owner: UserId,
    now: DateTime<Utc>,
) -> nudge_domain::Notification {
    nudge_domain::Notification {
        id: nudge_domain::NotificationId::for_reply(&m.sid, m.received_at),
        user_id: owner,
        kind: nudge_domain::FireKind::Reply,
        channel: nudge_domain::Channel::Sms,
        text: "Sure: tomorrow at 9.".into(),
        reminder_id: None,
        occurrence: None,
        to: None,
        subject: None,
        status: nudge_domain::NotificationStatus::Queued,
        provider_id: None,
        attempts: vec![],
        lease_until: None,
        redispatch_at: Some(now + nudge_domain::notification::REDISPATCH_AFTER),
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

pub async fn a_reply_notification_is_inserted_once(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let now = t0() + Duration::minutes(1);
    let n = reply_to(&inbound(1, owner), owner, now);
    assert!(p.notifications.insert_notification(&n).await.unwrap());
    // A second turn's reply to the same message is a duplicate: the first stays as it was.
    let again = nudge_domain::Notification { text: "Another answer.".into(), ..n.clone() };
    assert!(!p.notifications.insert_notification(&again).await.unwrap());
    assert_eq!(p.notifications.get_notification(&owner, &n.id).await.unwrap(), Some(n.clone()));
    // Stored as a firing's notification is: listed, due once its redispatch time comes, and
    // replaced under its version.
    let listed = p.notifications.list_notifications(&owner, &PageRequest::default()).await.unwrap();
    assert_eq!(listed.items, std::slice::from_ref(&n));
    let redispatch_at = n.redispatch_at.unwrap();
    assert!(p.reminders.due(redispatch_at - Duration::seconds(1)).await.unwrap().notifications.is_empty());
    let due = p.reminders.due(redispatch_at).await.unwrap();
    assert_eq!(due.notifications, std::slice::from_ref(&n));
    assert!(due.reminders.is_empty());
    let mut sent = n.clone();
    sent.record(
        now,
        nudge_domain::Attempt {
            at: now,
            outcome: nudge_domain::AttemptOutcome::Sent,
            provider_id: Some("SM1".into()),
            error: None,
        },
        false,
    );
    p.notifications.replace_notification(&sent, n.version).await.unwrap();
    assert!(p.reminders.due(redispatch_at).await.unwrap().notifications.is_empty());
    assert_eq!(p.notifications.get_notification(&owner, &n.id).await.unwrap(), Some(sent));
    // Another user does not see it.
    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.notifications.get_notification(&bob, &n.id).await.unwrap(), None);
}

/// The n-th approval of `owner`'s (ids sort by n), pending, made at `created` with `code`, to
/// expire 15 minutes later.
pub fn approval(owner: UserId, n: u32, code: &str, created: DateTime<Utc>) -> nudge_domain::Approval {
    nudge_domain::Approval {
        id: nudge_domain::ApprovalId::from_uuid(nth(n)),
        user_id: owner,
        task_id: None,
        action_type: nudge_domain::ActionType::parse("send_email").unwrap(),
        details: json!({"to": "sam@example.com", "body": format!("approval {n}")}),
        summary: format!("send email {n} to sam@example.com"),
        status: nudge_domain::ApprovalStatus::Pending,
        requested_by: "assistant".into(),
        approved_by: None,
        approved_at: None,
        decided_via: None,
        reason: None,
        expires_at: created + Duration::minutes(15),
        created_at: created,
        updated_at: created,
        conversation_id: None,
        tool_call_id: None,
        code: nudge_domain::ApprovalCode::parse(code).unwrap(),
        result: None,
        version: 1,
    }
}

/// `a` decided (approved or denied) at `at`, one version on.
fn decided(a: &nudge_domain::Approval, approve: bool, at: DateTime<Utc>) -> nudge_domain::Approval {
    nudge_domain::Approval {
        status: if approve {
            nudge_domain::ApprovalStatus::Approved
        } else {
            nudge_domain::ApprovalStatus::Denied
        },
        approved_by: Some(a.user_id.to_string()),
        approved_at: Some(at),
        decided_via: Some(nudge_domain::Via::Sms),
        updated_at: at,
        version: a.version + 1,
        ..a.clone()
    }
}

fn approval_numbers(items: &[nudge_domain::Approval]) -> Vec<u32> {
    items.iter().map(|a| a.id.as_uuid().as_u128() as u32).collect()
}

pub async fn an_approval_keeps_every_field(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let a = nudge_domain::Approval {
        task_id: Some(TaskId::from_uuid(nth(7))),
        action_type: nudge_domain::ActionType::parse("calendar.create-event").unwrap(),
        details: json!({
            "to": "sam@example.com", "subject": "Late ⏰ & <sorry>", "body": "Running late\n\"really\"",
            "cc": [], "n": 1.5, "big": 12345678901234_u64, "nested": {"x": null, "y": [true, "z"]}, "empty": {}
        }),
        summary: "send an email to sam@example.com 📧".into(),
        status: nudge_domain::ApprovalStatus::Executed,
        requested_by: "api".into(),
        approved_by: Some(owner.to_string()),
        approved_at: Some(t0() + Duration::seconds(30)),
        decided_via: Some(nudge_domain::Via::Api),
        reason: Some("yes, go".into()),
        updated_at: t0() + Duration::minutes(1),
        conversation_id: Some(nudge_domain::ConversationId::from_uuid(nth(8))),
        tool_call_id: Some("call_42".into()),
        result: Some("the email to sam@example.com is on its way.".into()),
        version: 3,
        ..approval(owner, 1, "0042", t0())
    };
    p.approvals.insert_approval(&a).await.unwrap();
    assert_eq!(p.approvals.get_approval(&owner, &a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(p.approvals.find_approval_by_code(&owner, &a.code).await.unwrap(), Some(a.clone()));
    // An id is inserted once, even with another code.
    let again = approval(owner, 1, "0043", t0());
    assert!(matches!(p.approvals.insert_approval(&again).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.approvals.get_approval(&owner, &a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(p.approvals.find_approval_by_code(&owner, &again.code).await.unwrap(), None);
    // Another user's approval does not exist for them, by id, by code or in a list.
    let bob = UserId::from_uuid(Uuid::now_v7());
    assert_eq!(p.approvals.get_approval(&bob, &a.id).await.unwrap(), None);
    assert_eq!(p.approvals.find_approval_by_code(&bob, &a.code).await.unwrap(), None);
    assert!(p.approvals.list_approvals(&bob, None, &PageRequest::default()).await.unwrap().items.is_empty());
    let stolen = nudge_domain::Approval { user_id: bob, version: 4, ..a.clone() };
    assert!(matches!(p.approvals.replace_approval(&stolen, 3).await, Err(StoreError::NotFound)));
    assert_eq!(p.approvals.get_approval(&owner, &a.id).await.unwrap(), Some(a));
}

pub async fn an_approval_replace_names_the_version_it_read(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let a = approval(owner, 1, "1234", t0());
    p.approvals.insert_approval(&a).await.unwrap();
    let approved = decided(&a, true, t0() + Duration::minutes(1));
    p.approvals.replace_approval(&approved, 1).await.unwrap();
    // A decision made on the version before is too late, and changes nothing.
    let denied = decided(&a, false, t0() + Duration::minutes(2));
    assert!(matches!(p.approvals.replace_approval(&denied, 1).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.approvals.get_approval(&owner, &a.id).await.unwrap(), Some(approved.clone()));
    // The next writer names the version now stored.
    let executed = nudge_domain::Approval {
        status: nudge_domain::ApprovalStatus::Executed,
        result: Some("sent".into()),
        version: 3,
        ..approved.clone()
    };
    p.approvals.replace_approval(&executed, 2).await.unwrap();
    assert_eq!(p.approvals.get_approval(&owner, &a.id).await.unwrap(), Some(executed));
    // One that was never made is not made by a replace.
    let ghost = approval(owner, 2, "9999", t0());
    assert!(matches!(p.approvals.replace_approval(&ghost, 1).await, Err(StoreError::NotFound)));
    assert_eq!(p.approvals.get_approval(&owner, &ghost.id).await.unwrap(), None);
}

pub async fn concurrent_decisions_of_one_approval_let_one_win(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let a = approval(owner, 1, "1234", t0());
    p.approvals.insert_approval(&a).await.unwrap();
    let deciders = (0..8).map(|i| {
        let p = p.clone();
        let next = decided(&a, i % 2 == 0, t0() + Duration::seconds(i64::from(i) + 1));
        tokio::spawn(async move { (next.clone(), p.approvals.replace_approval(&next, 1).await) })
    });
    let results: Vec<_> = futures_join(deciders).await;
    let won: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(a, _)| a.clone()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results.iter().filter(|(_, r)| r.is_err()).all(|(_, r)| matches!(r, Err(StoreError::Conflict(_))))
    );
    assert_eq!(p.approvals.get_approval(&owner, &a.id).await.unwrap().as_ref(), Some(&won[0]));
}

pub async fn a_code_names_one_open_approval(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let first = approval(owner, 1, "4821", t0());
    p.approvals.insert_approval(&first).await.unwrap();
    // Pending and not expired: the code is taken, and nothing of the refused one is written.
    let second = approval(owner, 2, "4821", t0() + Duration::minutes(1));
    assert!(matches!(p.approvals.insert_approval(&second).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.approvals.get_approval(&owner, &second.id).await.unwrap(), None);
    assert_eq!(p.approvals.find_approval_by_code(&owner, &first.code).await.unwrap(), Some(first.clone()));
    // Another code is free; so is the same code for another user.
    p.approvals.insert_approval(&approval(owner, 3, "1111", t0() + Duration::minutes(1))).await.unwrap();
    let bob = UserId::from_uuid(Uuid::now_v7());
    p.approvals.insert_approval(&approval(bob, 4, "4821", t0() + Duration::minutes(1))).await.unwrap();
    assert_eq!(p.approvals.find_approval_by_code(&owner, &first.code).await.unwrap(), Some(first.clone()));

    // At its expires_at the first is no longer open, even though no one expired it: the code
    // is free again, and names the newest approval made with it.
    let third = approval(owner, 5, "4821", first.expires_at);
    p.approvals.insert_approval(&third).await.unwrap();
    assert_eq!(p.approvals.find_approval_by_code(&owner, &first.code).await.unwrap(), Some(third.clone()));
    // Expiring the first now does not give it the code back.
    let expired =
        nudge_domain::Approval { status: nudge_domain::ApprovalStatus::Expired, version: 2, ..first.clone() };
    p.approvals.replace_approval(&expired, 1).await.unwrap();
    assert_eq!(p.approvals.find_approval_by_code(&owner, &first.code).await.unwrap(), Some(third.clone()));
    let fourth = approval(owner, 6, "4821", third.created_at + Duration::minutes(1));
    assert!(matches!(p.approvals.insert_approval(&fourth).await, Err(StoreError::Conflict(_))));

    // A decided approval frees its code before it would have expired.
    let denied = decided(&third, false, third.created_at + Duration::minutes(2));
    p.approvals.replace_approval(&denied, 1).await.unwrap();
    let fifth = approval(owner, 7, "4821", third.created_at + Duration::minutes(3));
    p.approvals.insert_approval(&fifth).await.unwrap();
    assert_eq!(p.approvals.find_approval_by_code(&owner, &first.code).await.unwrap(), Some(fifth.clone()));
    assert_eq!(p.approvals.get_approval(&owner, &third.id).await.unwrap(), Some(denied));

    // Many requests racing for one code: one gets it.
    let racers = (10..18).map(|n| {
        let p = p.clone();
        let a = approval(owner, n, "7777", t0());
        tokio::spawn(async move { (a.clone(), p.approvals.insert_approval(&a).await) })
    });
    let results: Vec<_> = futures_join(racers).await;
    let won: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(a, _)| a.clone()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results.iter().filter(|(_, r)| r.is_err()).all(|(_, r)| matches!(r, Err(StoreError::Conflict(_))))
    );
    let code = nudge_domain::ApprovalCode::parse("7777").unwrap();
    assert_eq!(p.approvals.find_approval_by_code(&owner, &code).await.unwrap().as_ref(), Some(&won[0]));
}

pub async fn pending_approvals_are_due_when_they_expire(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let a = approval(owner, 1, "0001", t0());
    let later = approval(owner, 2, "0002", t0() + Duration::minutes(5));
    // Denied when inserted: never on the due index.
    let done = decided(&approval(owner, 3, "0003", t0()), false, t0());
    for x in [&a, &later, &done] {
        p.approvals.insert_approval(x).await.unwrap();
    }
    let before = p.reminders.due(a.expires_at - Duration::milliseconds(1)).await.unwrap();
    assert!(before.approvals.is_empty());
    assert_eq!(before.items_read, 0);
    let due = p.reminders.due(a.expires_at).await.unwrap();
    assert_eq!(due.approvals, std::slice::from_ref(&a));
    assert_eq!(due.items_read, 1);
    assert!(due.reminders.is_empty() && due.notifications.is_empty());
    // Everything due, in expiry order, each read once.
    let due = p.reminders.due(later.expires_at + Duration::hours(1)).await.unwrap();
    assert_eq!(due.approvals, [a.clone(), later.clone()]);
    assert_eq!(due.items_read, 2);
    // Decided or expired: out of the due set.
    p.approvals.replace_approval(&decided(&a, false, a.expires_at), 1).await.unwrap();
    let expired =
        nudge_domain::Approval { status: nudge_domain::ApprovalStatus::Expired, version: 2, ..later.clone() };
    let due = p.reminders.due(later.expires_at + Duration::hours(1)).await.unwrap();
    assert_eq!(due.approvals, std::slice::from_ref(&later));
    p.approvals.replace_approval(&expired, 1).await.unwrap();
    let due = p.reminders.due(later.expires_at + Duration::hours(1)).await.unwrap();
    assert!(due.approvals.is_empty());
    assert_eq!(due.items_read, 0);
    // Approved and not yet run: due a while after the approval, in case its run was lost; off
    // the index once it ran.
    let approved_at = t0() + Duration::minutes(2);
    let approved = decided(&approval(owner, 4, "0004", t0()), true, approved_at);
    p.approvals.insert_approval(&approved).await.unwrap();
    let retry_at = approved_at + nudge_domain::approval::RETRY_AFTER;
    assert!(p.reminders.due(retry_at - Duration::milliseconds(1)).await.unwrap().approvals.is_empty());
    assert_eq!(p.reminders.due(retry_at).await.unwrap().approvals, std::slice::from_ref(&approved));
    let ran = nudge_domain::Approval {
        status: nudge_domain::ApprovalStatus::Executed,
        version: approved.version + 1,
        ..approved.clone()
    };
    p.approvals.replace_approval(&ran, approved.version).await.unwrap();
    assert!(p.reminders.due(retry_at + Duration::hours(2)).await.unwrap().approvals.is_empty());
}

pub async fn approvals_list_newest_first_by_status_a_page_at_a_time(b: Backend) {
    let p = store(b).await;
    let owner = user("+14155550104");
    // Other kinds under the same user (a profile, a task, audit entries) are not listed.
    p.users.create_user(&owner).await.unwrap();
    p.tasks.insert_task(&task(owner.id, 99)).await.unwrap();
    for n in 1..=25u32 {
        let a = approval(owner.id, n, &format!("{n:04}"), t0() + Duration::seconds(i64::from(n)));
        p.approvals.insert_approval(&a).await.unwrap();
        p.audit.append_audit(&audit_entry(owner.id, n)).await.unwrap();
        if n % 3 == 0 {
            p.approvals.replace_approval(&decided(&a, false, a.created_at), 1).await.unwrap();
        }
    }
    let owner_id = owner.id;
    let pages = |status: Option<nudge_domain::ApprovalStatus>, limit: i64| {
        let p = p.clone();
        async move {
            let mut page = PageRequest { limit: Limit::new(limit).unwrap(), after: None };
            let (mut seen, mut sizes) = (vec![], vec![]);
            loop {
                let got = p.approvals.list_approvals(&owner_id, status, &page).await.unwrap();
                sizes.push(got.items.len());
                seen.extend(approval_numbers(&got.items));
                match got.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
            (seen, sizes)
        }
    };
    let (seen, sizes) = pages(None, 10).await;
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, (1..=25).rev().collect::<Vec<_>>());
    let (seen, sizes) = pages(Some(nudge_domain::ApprovalStatus::Denied), 3).await;
    assert_eq!(sizes, [3, 3, 2]);
    assert_eq!(seen, [24, 21, 18, 15, 12, 9, 6, 3]);
    let (seen, _) = pages(Some(nudge_domain::ApprovalStatus::Pending), 100).await;
    assert_eq!(seen, (1..=25).rev().filter(|n| n % 3 != 0).collect::<Vec<_>>());
    let (seen, sizes) = pages(Some(nudge_domain::ApprovalStatus::Executed), 5).await;
    assert_eq!((seen, sizes), (vec![], vec![0]));
    // A listed approval is the one stored, whole.
    let newest = p.approvals.list_approvals(&owner.id, None, &PageRequest::default()).await.unwrap();
    assert_eq!(
        newest.items[0],
        p.approvals.get_approval(&owner.id, &newest.items[0].id).await.unwrap().unwrap()
    );
}

/// The n-th audit entry of `owner`'s (ids sort by n).
pub fn audit_entry(owner: UserId, n: u32) -> nudge_domain::AuditEntry {
    nudge_domain::AuditEntry {
        id: nudge_domain::AuditId::from_uuid(nth(n)),
        user_id: owner,
        at: t0() + Duration::seconds(i64::from(n)),
        actor: owner.to_string(),
        action: "approval.approved".into(),
        subject: nth(n + 1000).to_string(),
        via: nudge_domain::Via::Sms,
        ip: n.is_multiple_of(2).then(|| "203.0.113.7".to_owned()),
        details: json!({"reason": "ok ✅", "n": n, "nested": {"x": null}}),
    }
}

pub async fn the_audit_log_appends_and_lists_newest_first(b: Backend) {
    let p = store(b).await;
    let (alice, bob) = (UserId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    for n in 1..=5 {
        p.audit.append_audit(&audit_entry(alice, n)).await.unwrap();
    }
    let bobs = nudge_domain::AuditEntry {
        via: nudge_domain::Via::System,
        actor: "system".into(),
        ..audit_entry(bob, 9)
    };
    p.audit.append_audit(&bobs).await.unwrap();
    let numbers = |items: &[nudge_domain::AuditEntry]| {
        items.iter().map(|e| e.id.as_uuid().as_u128() as u32).collect::<Vec<_>>()
    };
    let first = PageRequest { limit: Limit::new(2).unwrap(), after: None };
    let page = p.audit.list_audit(&alice, &first).await.unwrap();
    assert_eq!(page.items, [audit_entry(alice, 5), audit_entry(alice, 4)]);
    let page = p.audit.list_audit(&alice, &PageRequest { after: page.next, ..first.clone() }).await.unwrap();
    assert_eq!(numbers(&page.items), [3, 2]);
    let page = p.audit.list_audit(&alice, &PageRequest { after: page.next, ..first.clone() }).await.unwrap();
    assert_eq!((numbers(&page.items), page.next), (vec![1], None));
    // Each user sees their own entries only.
    assert_eq!(p.audit.list_audit(&bob, &PageRequest::default()).await.unwrap().items, [bobs]);
    let nobody = UserId::from_uuid(Uuid::now_v7());
    assert!(p.audit.list_audit(&nobody, &PageRequest::default()).await.unwrap().items.is_empty());
}

/// A sealed value as the key ring makes one; the store only carries it.
fn sealed(kid: &str, data: &str) -> nudge_domain::sealing::Sealed {
    nudge_domain::sealing::Sealed { kid: kid.into(), data: data.into() }
}

/// `owner`'s integration with `provider`, active, on the refresh index at `refresh_at` (version 1).
pub fn integration(
    owner: UserId,
    provider: &str,
    refresh_at: Option<DateTime<Utc>>,
) -> nudge_domain::Integration {
    nudge_domain::Integration {
        id: nudge_domain::IntegrationId::from_uuid(Uuid::now_v7()),
        user_id: owner,
        provider: nudge_domain::Provider::parse(provider).unwrap(),
        status: nudge_domain::IntegrationStatus::Active,
        account: None,
        consent: nudge_domain::Consent { scopes: vec!["openid".into()], granted_at: t0() },
        access_token: sealed("k1", "AAAAAAAAAAAAAAAAYWNjZXNz"),
        refresh_token: Some(sealed("k1", "AAAAAAAAAAAAAAAAcmVmcmVzaA==")),
        expires_at: refresh_at,
        refresh_at,
        lease_until: None,
        last_refreshed_at: None,
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

pub async fn an_integration_keeps_every_field(b: Backend) {
    let p = store(b).await;
    let (alice, bob) = (UserId::from_uuid(Uuid::now_v7()), UserId::from_uuid(Uuid::now_v7()));
    let i = nudge_domain::Integration {
        status: nudge_domain::IntegrationStatus::NeedsReauth,
        account: Some("sam.dœ+nudge@example.com 📅".into()),
        consent: nudge_domain::Consent {
            scopes: vec![
                "openid".into(),
                "https://www.googleapis.com/auth/calendar.events".into(),
                "email".into(),
            ],
            granted_at: "2026-11-22T08:59:59.987654321Z".parse().unwrap(),
        },
        access_token: sealed("2026-11", "bm9uY2Utbm9uY2UtY2lwaGVydGV4dCt0YWc="),
        refresh_token: Some(sealed("2026-10", "b2xkZXIta2V5LXNlYWxlZC1yZWZyZXNo/+==")),
        // Sub-millisecond times read back exactly, the indexed one included.
        expires_at: Some("2026-11-22T10:00:00.000001Z".parse().unwrap()),
        refresh_at: Some("2026-11-22T09:59:59.123456789Z".parse().unwrap()),
        lease_until: Some(t0() + Duration::seconds(90)),
        last_refreshed_at: Some(t0() - Duration::hours(1)),
        updated_at: t0() + Duration::minutes(3),
        version: 7,
        ..integration(alice, "google", None)
    };
    p.integrations.put_integration(&i, None).await.unwrap();
    let google = nudge_domain::Provider::parse("google").unwrap();
    assert_eq!(p.integrations.get_integration(&alice, &google).await.unwrap(), Some(i.clone()));
    // Another user's, or another provider's, does not exist.
    assert_eq!(p.integrations.get_integration(&bob, &google).await.unwrap(), None);
    let notion = nudge_domain::Provider::parse("notion").unwrap();
    assert_eq!(p.integrations.get_integration(&alice, &notion).await.unwrap(), None);
    // Every optional field absent reads back absent.
    let bare = nudge_domain::Integration {
        refresh_token: None,
        consent: nudge_domain::Consent { scopes: vec![], granted_at: t0() },
        ..integration(alice, "notion", None)
    };
    p.integrations.put_integration(&bare, None).await.unwrap();
    assert_eq!(p.integrations.get_integration(&alice, &notion).await.unwrap(), Some(bare));
}

pub async fn an_integration_is_connected_once(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let first = integration(owner, "google", Some(t0()));
    p.integrations.put_integration(&first, None).await.unwrap();
    let second = nudge_domain::Integration {
        id: nudge_domain::IntegrationId::from_uuid(Uuid::now_v7()),
        account: Some("other@example.com".into()),
        ..first.clone()
    };
    let err = p.integrations.put_integration(&second, None).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(p.integrations.get_integration(&owner, &first.provider).await.unwrap(), Some(first));
}

pub async fn an_integration_put_names_the_version_it_read(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let i = integration(owner, "microsoft", Some(t0()));
    // Nothing stored yet: a versioned put finds nothing.
    let err = p.integrations.put_integration(&i, Some(1)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(p.integrations.get_integration(&owner, &i.provider).await.unwrap(), None);
    p.integrations.put_integration(&i, None).await.unwrap();
    let next = nudge_domain::Integration {
        access_token: sealed("k1", "bmV3LWFjY2Vzcy10b2tlbg=="),
        last_refreshed_at: Some(t0()),
        version: 2,
        ..i.clone()
    };
    p.integrations.put_integration(&next, Some(1)).await.unwrap();
    // Whoever still holds version 1 is refused, and changes nothing.
    let stale = nudge_domain::Integration { account: Some("stale".into()), version: 2, ..i.clone() };
    let err = p.integrations.put_integration(&stale, Some(1)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(p.integrations.get_integration(&owner, &i.provider).await.unwrap(), Some(next));
    // Gone (revoked meanwhile): NotFound, and the put does not bring it back.
    assert!(p.integrations.delete_integration(&owner, &i.provider).await.unwrap());
    let err = p.integrations.put_integration(&stale, Some(2)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(p.integrations.get_integration(&owner, &i.provider).await.unwrap(), None);
}

pub async fn concurrent_puts_of_one_integration_version_let_one_win(b: Backend) {
    let p = store(b).await;
    let owner = UserId::from_uuid(Uuid::now_v7());
    let i = integration(owner, "google", Some(t0()));
    p.integrations.put_integration(&i, None).await.unwrap();
    // Refreshers racing with one version read: the provider may rotate the refresh token, so
    // only one may store what it got.
    let writers = (0..8).map(|n| {
        let p = p.clone();
        let next = nudge_domain::Integration {
            refresh_token: Some(sealed("k1", &format!("cm90YXRlZC0{n}"))),
            version: 2,
            ..i.clone()
        };
        tokio::spawn(async move { (next.clone(), p.integrations.put_integration(&next, Some(1)).await) })
    });
    let results: Vec<_> = futures_join(writers).await;
    let won: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).map(|(i, _)| i.clone()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(
        results.iter().filter(|(_, r)| r.is_err()).all(|(_, r)| matches!(r, Err(StoreError::Conflict(_))))
    );
    assert_eq!(p.integrations.get_integration(&owner, &i.provider).await.unwrap().as_ref(), Some(&won[0]));
}

pub async fn integrations_list_their_owners_only_and_delete_once(b: Backend) {
    let p = store(b).await;
    let owner = user("+14155550105");
    let other = UserId::from_uuid(Uuid::now_v7());
    // Other kinds under the same user are not listed.
    p.users.create_user(&owner).await.unwrap();
    p.tasks.insert_task(&task(owner.id, 1)).await.unwrap();
    p.approvals.insert_approval(&approval(owner.id, 1, "0001", t0())).await.unwrap();
    let mine: Vec<_> = ["youtube", "google", "notion"].map(|pr| integration(owner.id, pr, None)).into();
    for i in &mine {
        p.integrations.put_integration(i, None).await.unwrap();
    }
    p.integrations.put_integration(&integration(other, "google", None), None).await.unwrap();
    let providers = |items: &[nudge_domain::Integration]| {
        items.iter().map(|i| i.provider.to_string()).collect::<Vec<_>>()
    };
    let listed = p.integrations.list_integrations(&owner.id).await.unwrap();
    assert_eq!(providers(&listed), ["google", "notion", "youtube"]);
    assert!(listed.iter().all(|i| mine.contains(i)));
    let nobody = UserId::from_uuid(Uuid::now_v7());
    assert!(p.integrations.list_integrations(&nobody).await.unwrap().is_empty());
    // Deleted once; another user's delete touches nothing of the owner's.
    let google = nudge_domain::Provider::parse("google").unwrap();
    assert!(!p.integrations.delete_integration(&nobody, &google).await.unwrap());
    assert!(p.integrations.delete_integration(&owner.id, &google).await.unwrap());
    assert!(!p.integrations.delete_integration(&owner.id, &google).await.unwrap());
    assert_eq!(p.integrations.get_integration(&owner.id, &google).await.unwrap(), None);
    assert_eq!(providers(&p.integrations.list_integrations(&owner.id).await.unwrap()), ["notion", "youtube"]);
    assert_eq!(providers(&p.integrations.list_integrations(&other).await.unwrap()), ["google"]);
}

pub async fn tokens_to_refresh_are_found_by_their_horizon(b: Backend) {
    let p = store(b).await;
    let horizon = t0() + Duration::minutes(30);
    let mut expected = vec![];
    // 16 users with 3 providers each: 48 integrations, far more than the index has shards.
    for u in 0..16u32 {
        let owner = UserId::from_uuid(Uuid::now_v7());
        for (k, provider) in ["google", "microsoft", "youtube"].into_iter().enumerate() {
            let n = u * 3 + k as u32;
            // Every fourth is off the index (no refresh token, or Notion-like: no expiry).
            let at = (n % 4 != 3).then(|| t0() + Duration::minutes(i64::from(n)));
            let i = integration(owner, provider, at);
            p.integrations.put_integration(&i, None).await.unwrap();
            if at.is_some_and(|at| at <= horizon) {
                expected.push(i);
            }
        }
    }
    let key = |i: &nudge_domain::Integration| (i.refresh_at, i.user_id, i.provider.clone());
    expected.sort_by_key(key);
    let mut due = p.integrations.refresh_due(horizon).await.unwrap();
    due.sort_by_key(key);
    assert!(expected.len() > 8, "{}", expected.len());
    assert_eq!(due, expected);
    // The horizon is inclusive, to the nanosecond.
    let edge =
        integration(UserId::from_uuid(Uuid::now_v7()), "google", Some(horizon + Duration::nanoseconds(1)));
    p.integrations.put_integration(&edge, None).await.unwrap();
    assert!(!p.integrations.refresh_due(horizon).await.unwrap().contains(&edge));
    assert!(p.integrations.refresh_due(horizon + Duration::nanoseconds(1)).await.unwrap().contains(&edge));
    // A later put without a refresh time takes it off the index; one with a later time moves it.
    let (off, moved) = (&expected[0], &expected[1]);
    let off_now = nudge_domain::Integration {
        status: nudge_domain::IntegrationStatus::NeedsReauth,
        refresh_at: None,
        version: 2,
        ..off.clone()
    };
    p.integrations.put_integration(&off_now, Some(1)).await.unwrap();
    let moved_now = nudge_domain::Integration {
        refresh_at: Some(horizon + Duration::hours(1)),
        version: 2,
        ..moved.clone()
    };
    p.integrations.put_integration(&moved_now, Some(1)).await.unwrap();
    // A revoked one is gone from the index with it.
    let revoked = &expected[2];
    assert!(p.integrations.delete_integration(&revoked.user_id, &revoked.provider).await.unwrap());
    let mut due = p.integrations.refresh_due(horizon).await.unwrap();
    due.sort_by_key(key);
    assert_eq!(due, expected[3..]);
    let far = p.integrations.refresh_due(horizon + Duration::days(1)).await.unwrap();
    assert!(far.contains(&moved_now));
    assert!(!far.iter().any(|i| i.user_id == off.user_id && i.provider == off.provider));
    // Nothing due before the first one.
    assert!(p.integrations.refresh_due(t0() - Duration::nanoseconds(1)).await.unwrap().is_empty());
}

/// A sign-in in flight, stored under `key`.
pub fn oauth_state(key: &str) -> nudge_domain::OAuthState {
    nudge_domain::OAuthState {
        key: key.into(),
        user_id: UserId::from_uuid(Uuid::now_v7()),
        provider: nudge_domain::Provider::parse("google").unwrap(),
        verifier: nudge_domain::Verifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        scopes: vec!["openid".into(), "https://www.googleapis.com/auth/calendar".into()],
        redirect_uri: "https://nudge.example.com/oauth/google/callback".into(),
        browser: Some(nudge_domain::integration::digest("cookie")),
        created_at: t0(),
        expires_at: t0() + nudge_domain::integration::STATE_LIFETIME,
        // Not the default, so a store that drops the field fails the round trip.
        purpose: nudge_domain::integration::StatePurpose::Reconnect,
    }
}

pub async fn an_oauth_state_is_taken_once(b: Backend) {
    let p = store(b).await;
    let key = nudge_domain::integration::digest(&Uuid::now_v7().to_string());
    let st = oauth_state(&key);
    p.oauth_states.put_state(&st).await.unwrap();
    // A second state under one key is refused, and the first is kept.
    let other = nudge_domain::OAuthState { browser: None, ..oauth_state(&key) };
    let err = p.oauth_states.put_state(&other).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // Read as often as asked without taking it.
    assert_eq!(p.oauth_states.get_state(&key).await.unwrap(), Some(st.clone()));
    assert_eq!(p.oauth_states.get_state(&key).await.unwrap(), Some(st.clone()));
    assert_eq!(p.oauth_states.take_state(&key).await.unwrap(), Some(st));
    assert_eq!(p.oauth_states.take_state(&key).await.unwrap(), None);
    assert_eq!(p.oauth_states.get_state(&key).await.unwrap(), None);
    let unknown = nudge_domain::integration::digest("never started");
    assert_eq!(p.oauth_states.take_state(&unknown).await.unwrap(), None);
    // An expired state not yet swept is answered (the caller says it expired), once.
    let expired_key = nudge_domain::integration::digest("expired");
    let expired = nudge_domain::OAuthState {
        created_at: t0() - Duration::hours(1),
        expires_at: t0() - Duration::minutes(50),
        ..oauth_state(&expired_key)
    };
    p.oauth_states.put_state(&expired).await.unwrap();
    assert_eq!(p.oauth_states.take_state(&expired_key).await.unwrap(), Some(expired));
    assert_eq!(p.oauth_states.take_state(&expired_key).await.unwrap(), None);
}

pub async fn concurrent_takes_of_one_state_let_one_have_it(b: Backend) {
    let p = store(b).await;
    let key = nudge_domain::integration::digest(&Uuid::now_v7().to_string());
    let st = oauth_state(&key);
    p.oauth_states.put_state(&st).await.unwrap();
    let takers = (0..8).map(|_| {
        let (p, key) = (p.clone(), key.clone());
        tokio::spawn(async move { p.oauth_states.take_state(&key).await.unwrap() })
    });
    let taken: Vec<_> = futures_join(takers).await.into_iter().flatten().collect();
    assert_eq!(taken, [st]);
}
