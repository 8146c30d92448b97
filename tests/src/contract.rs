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
