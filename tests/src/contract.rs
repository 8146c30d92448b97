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
