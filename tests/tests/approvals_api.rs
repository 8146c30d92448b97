//! The approval routes as a client sees them, over SQLite and over DynamoDB on moto: asked once,
//! decided once by the owner alone, refused when late, and every step in the audit log.

use std::sync::Arc;

use chrono::{Duration, DurationRound, TimeDelta, Utc};
use nudge_domain::{AgentMessage, FixedClock, PageRequest, User, Via};
use nudge_tests::{Backend, TestApp};
use serde_json::{Value, json};

/// A `send_email` approval's body, saying `what`.
fn email(what: &str) -> Value {
    json!({
        "action_type": "send_email",
        "summary": format!("email sam@example.com that {what}"),
        "details": {"to": "sam@example.com", "subject": "Hi", "body": what},
    })
}

/// Asks `token`'s user to approve an e-mail; answers the approval.
async fn request(app: &TestApp, token: &str, what: &str) -> Value {
    let (s, body) = app.call("POST", "/api/approvals", Some(token), Some(email(what))).await;
    assert_eq!(s, 201, "{body}");
    body["data"].clone()
}

async fn decide(app: &TestApp, token: &str, id: &str, status: &str) -> (u16, Value) {
    app.call("PUT", &format!("/api/approvals/{id}"), Some(token), Some(json!({"status": status}))).await
}

/// The ids a list answered, in its order.
async fn listed(app: &TestApp, token: &str, query: &str) -> (Vec<String>, Value) {
    let (s, body) = app.call("GET", &format!("/api/approvals{query}"), Some(token), None).await;
    assert_eq!(s, 200, "{query}: {body}");
    let ids = body["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, body["data"]["next_cursor"].clone())
}

/// The user's audit log, oldest first.
async fn audit_log(app: &TestApp, user: &User) -> Vec<nudge_domain::AuditEntry> {
    let mut entries =
        app.state.ports.audit.list_audit(&user.id, &PageRequest::default()).await.unwrap().items;
    entries.sort_by_key(|e| e.id);
    entries
}

fn id(a: &Value) -> String {
    a["id"].as_str().unwrap().to_owned()
}

async fn a_user_requests_lists_and_decides_approvals(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, t) = app.user("Ada", "+14155550111", false).await;
    let t = t.as_str();

    let first = request(&app, t, "I'm running late").await;
    assert_eq!(first["status"], "pending");
    assert_eq!(first["action_type"], "send_email");
    assert_eq!(first["details"]["to"], "sam@example.com");
    assert_eq!(first["version"], 1);
    let code = first["code"].as_str().unwrap();
    assert!(code.len() == 4 && code.bytes().all(|c| c.is_ascii_digit()), "{code}");
    for field in [
        "id",
        "task_id",
        "action_type",
        "details",
        "summary",
        "status",
        "requested_by",
        "approved_by",
        "approved_at",
        "decided_via",
        "reason",
        "expires_at",
        "created_at",
        "updated_at",
        "conversation_id",
        "tool_call_id",
        "code",
        "result",
        "version",
    ] {
        assert!(first.get(field).is_some(), "{field} is always present: {first}");
    }
    let created = chrono::DateTime::parse_from_rfc3339(first["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(first["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires - created, Duration::minutes(15));
    assert!(first["expires_at"].as_str().unwrap().ends_with('Z'), "times in UTC: {first}");

    // The user is asked on their channel, with the code to answer.
    let (s, notes) = app.call("GET", "/api/notifications", Some(t), None).await;
    assert_eq!(s, 200, "{notes}");
    let ask = notes["data"]["items"][0]["text"].as_str().unwrap();
    assert!(ask.contains(&format!("YES {code}")) && ask.contains(&format!("NO {code}")), "{ask}");

    let second = request(&app, t, "I'll bring cake").await;
    let third = request(&app, t, "the meeting moved").await;
    let (s, approved) = decide(&app, t, &id(&first), "approved").await;
    assert_eq!((s, approved["data"]["status"].as_str()), (200, Some("approved")), "{approved}");
    assert_eq!(approved["message"], "Approval approved");
    let (s, denied) = app
        .call(
            "PUT",
            &format!("/api/approvals/{}", id(&second)),
            Some(t),
            Some(json!({"status": "denied", "reason": "  not now  "})),
        )
        .await;
    assert_eq!((s, denied["data"]["status"].as_str()), (200, Some("denied")), "{denied}");
    assert_eq!(denied["data"]["reason"], "not now");
    assert_eq!(denied["data"]["decided_via"], "api");

    // Pending by default; one status, or all of them, newest first.
    assert_eq!(listed(&app, t, "").await.0, [id(&third)]);
    assert_eq!(listed(&app, t, "?status=pending").await.0, [id(&third)]);
    assert_eq!(listed(&app, t, "?status=approved").await.0, [id(&first)]);
    assert_eq!(listed(&app, t, "?status=denied").await.0, [id(&second)]);
    assert!(listed(&app, t, "?status=expired").await.0.is_empty());
    assert_eq!(listed(&app, t, "?status=all").await.0, [id(&third), id(&second), id(&first)]);

    // A page at a time, with the kit's signed cursor.
    let (page, cursor) = listed(&app, t, "?status=all&limit=2").await;
    assert_eq!(page, [id(&third), id(&second)]);
    let cursor = cursor.as_str().expect("a next cursor");
    let (rest, end) = listed(&app, t, &format!("?status=all&limit=2&cursor={cursor}")).await;
    assert_eq!((rest, end), (vec![id(&first)], Value::Null));

    let (s, got) = app.call("GET", &format!("/api/approvals/{}", id(&first)), Some(t), None).await;
    assert_eq!(
        (s, got["data"]["status"].as_str(), got["data"]["version"].as_u64()),
        (200, Some("approved"), Some(2))
    );
}

async fn bad_input_answers_400_with_the_envelope(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, token) = app.user("Ada", "+14155550111", false).await;
    let t = Some(token.as_str());
    let a = request(&app, &token, "I'm late").await;
    let path = format!("/api/approvals/{}", id(&a));

    let mut no_summary = email("x");
    no_summary.as_object_mut().unwrap().remove("summary");
    let mut unknown = email("x");
    unknown["approve_now"] = json!(true);
    let bad_creations = [
        ("missing summary", no_summary),
        (
            "blank summary",
            json!({"action_type": "send_email", "summary": "  ", "details": {"to": "sam@example.com", "body": "x"}}),
        ),
        (
            "long summary",
            json!({"action_type": "send_email", "summary": "x".repeat(201), "details": {"to": "sam@example.com", "body": "x"}}),
        ),
        (
            "details a string",
            json!({"action_type": "notion.write", "summary": "write a page", "details": "the page"}),
        ),
        (
            "details a list",
            json!({"action_type": "notion.write", "summary": "write a page", "details": [1, 2]}),
        ),
        ("action type with capitals", json!({"action_type": "Send Email", "summary": "s", "details": {}})),
        ("action type with a slash", json!({"action_type": "send/email", "summary": "s", "details": {}})),
        (
            "email without a recipient",
            json!({"action_type": "send_email", "summary": "s", "details": {"body": "x"}}),
        ),
        (
            "a bad task id",
            json!({"action_type": "notion.write", "summary": "s", "details": {}, "task_id": "nope"}),
        ),
        ("an unknown field", unknown),
    ];
    for (why, body) in bad_creations {
        let (s, res) = app.call("POST", "/api/approvals", t, Some(body)).await;
        assert_eq!((s, res["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{why}: {res}");
    }

    let bad_decisions = [
        ("pending is no decision", json!({"status": "pending"})),
        ("executed is not the client's to say", json!({"status": "executed"})),
        ("expired", json!({"status": "expired"})),
        ("maybe", json!({"status": "maybe"})),
        ("no status", json!({"reason": "because"})),
        ("an unknown field", json!({"status": "approved", "code": "1234"})),
        ("a reason that is no text", json!({"status": "denied", "reason": 7})),
    ];
    for (why, body) in bad_decisions {
        let (s, res) = app.call("PUT", &path, t, Some(body)).await;
        assert_eq!((s, res["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{why}: {res}");
    }

    for query in [
        "?status=bogus",
        "?status=pending,approved",
        "?limit=0",
        "?limit=101",
        "?cursor=forged",
        "?colour=red",
    ] {
        let (s, res) = app.call("GET", &format!("/api/approvals{query}"), t, None).await;
        assert_eq!((s, res["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{query}: {res}");
    }
    let (s, res) = app.call("GET", "/api/approvals/not-an-id", t, None).await;
    assert_eq!((s, res["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{res}");
    let (s, res) = app.call("GET", "/api/approvals", None, None).await;
    assert_eq!((s, res["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{res}");

    // None of it changed anything.
    let (_, got) = app.call("GET", &path, t, None).await;
    assert_eq!((got["data"]["status"].as_str(), got["data"]["version"].as_u64()), (Some("pending"), Some(1)));
    assert_eq!(listed(&app, &token, "?status=all").await.0.len(), 1);
}

async fn another_users_approval_answers_404(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, ada) = app.user("Ada", "+14155550111", false).await;
    let (_, bob) = app.user("Bob", "+14155550122", false).await;
    let a = request(&app, &ada, "I'm late").await;
    let path = format!("/api/approvals/{}", id(&a));

    let (s, res) = app.call("GET", &path, Some(&bob), None).await;
    assert_eq!((s, res["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{res}");
    for status in ["approved", "denied"] {
        let (s, res) = decide(&app, &bob, &id(&a), status).await;
        assert_eq!((s, res["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{res}");
    }
    assert!(listed(&app, &bob, "?status=all").await.0.is_empty());
    // Bob cannot hang an approval on Ada's task either.
    let (s, task) = app.call("POST", "/api/tasks", Some(&ada), Some(json!({"title": "Write to Sam"}))).await;
    assert_eq!(s, 201, "{task}");
    let mut on_adas_task = email("x");
    on_adas_task["task_id"] = task["data"]["id"].clone();
    let (s, res) = app.call("POST", "/api/approvals", Some(&bob), Some(on_adas_task)).await;
    assert_eq!((s, res["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{res}");

    let (_, got) = app.call("GET", &path, Some(&ada), None).await;
    assert_eq!((got["data"]["status"].as_str(), got["data"]["version"].as_u64()), (Some("pending"), Some(1)));
}

async fn a_second_decision_answers_409_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (user, t) = app.user("Ada", "+14155550111", false).await;
    let a = request(&app, &t, "I'm late").await;

    let (s, first) = decide(&app, &t, &id(&a), "approved").await;
    assert_eq!(s, 200, "{first}");
    for again in ["approved", "denied"] {
        let (s, res) = decide(&app, &t, &id(&a), again).await;
        assert_eq!((s, res["error"]["code"].as_str()), (409, Some("CONFLICT")), "{again}: {res}");
    }
    let (_, got) = app.call("GET", &format!("/api/approvals/{}", id(&a)), Some(&t), None).await;
    assert_eq!(got["data"], first["data"], "unchanged by the refused decisions");
    let queued = app.queue.as_ref().unwrap().agent_messages().await;
    let executions = queued.iter().filter(|m| matches!(m, AgentMessage::ExecuteApproval { .. })).count();
    assert_eq!(executions, 1, "{queued:?}");
    let actions: Vec<String> = audit_log(&app, &user).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["approval.requested", "approval.approved"]);
}

async fn a_decision_after_expiry_answers_409_and_expires_it(b: Backend) {
    let now = Utc::now().duration_trunc(TimeDelta::seconds(1)).unwrap();
    let clock = Arc::new(FixedClock::new(now));
    let (ports, tap) = nudge_tests::store_with_clock(b, clock.clone()).await;
    let app =
        TestApp::on(ports, Arc::new(nudge_tests::offline_agent()), chat::TURN_TIMEOUT, Default::default())
            .await;
    let (user, t) = app.user("Ada", "+14155550111", false).await;
    let a = request(&app, &t, "I'm late").await;
    let path = format!("/api/approvals/{}", id(&a));

    // Still open a moment before its 15 minutes are up.
    clock.advance(Duration::minutes(14));
    let (_, got) = app.call("GET", &path, Some(&t), None).await;
    assert_eq!(got["data"]["status"], "pending");

    // Late: refused even though no tick has expired it yet, and expired now.
    clock.advance(Duration::minutes(2));
    let (s, res) = decide(&app, &t, &id(&a), "approved").await;
    assert_eq!((s, res["error"]["code"].as_str()), (409, Some("CONFLICT")), "{res}");
    assert!(res["error"]["message"].as_str().unwrap().contains("expired"), "{res}");
    let (_, got) = app.call("GET", &path, Some(&t), None).await;
    assert_eq!(got["data"]["status"], "expired", "{got}");
    assert!(got["data"]["approved_by"].is_null() && got["data"]["approved_at"].is_null(), "{got}");
    let (s, res) = decide(&app, &t, &id(&a), "denied").await;
    assert_eq!((s, res["error"]["code"].as_str()), (409, Some("CONFLICT")), "{res}");

    assert_eq!(listed(&app, &t, "?status=expired").await.0, [id(&a)]);
    assert!(listed(&app, &t, "").await.0.is_empty(), "no longer pending");
    let queued = tap.agent_messages().await;
    assert!(
        !queued.iter().any(|m| matches!(m, AgentMessage::ExecuteApproval { .. })),
        "nothing runs: {queued:?}"
    );
    let actions: Vec<String> = audit_log(&app, &user).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["approval.requested", "approval.expired"]);
}

async fn concurrent_approve_and_deny_one_wins(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (user, t) = app.user("Ada", "+14155550111", false).await;
    for round in 0..3 {
        let a = request(&app, &t, &format!("round {round}")).await;
        let aid = id(&a);
        let ((s1, yes), (s2, no)) =
            tokio::join!(decide(&app, &t, &aid, "approved"), decide(&app, &t, &aid, "denied"));
        let mut statuses = [s1, s2];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "round {round}: {yes} {no}");
        let (winner, loser) = if s1 == 200 { (&yes, &no) } else { (&no, &yes) };
        assert_eq!(loser["error"]["code"], "CONFLICT", "{loser}");
        let (_, got) = app.call("GET", &format!("/api/approvals/{}", id(&a)), Some(&t), None).await;
        assert_eq!(got["data"]["status"], winner["data"]["status"], "the winner's decision stands");
        assert_eq!(got["data"]["version"], 2);
        let queued = app.queue.as_ref().unwrap().agent_messages().await;
        let executions = queued.iter().filter(|m| matches!(m, AgentMessage::ExecuteApproval { .. })).count();
        assert_eq!(executions, usize::from(got["data"]["status"] == "approved"), "{queued:?}");
    }
    let decisions = audit_log(&app, &user)
        .await
        .into_iter()
        .filter(|e| e.action == "approval.approved" || e.action == "approval.denied")
        .count();
    assert_eq!(decisions, 3, "one decision audited per approval");
}

async fn each_step_is_in_the_audit_log(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (user, t) = app.user("Ada", "+14155550111", false).await;
    let a = request(&app, &t, "I'm late").await;
    // A forwarded-for header is the caller's to write: it is not the address recorded.
    let res = app
        .http
        .put(app.url(&format!("/api/approvals/{}", id(&a))))
        .bearer_auth(&t)
        .header("x-forwarded-for", "198.51.100.66")
        .json(&json!({"status": "approved", "reason": "go"}))
        .send()
        .await
        .unwrap();
    let (s, body) = nudge_tests::envelope(res).await;
    assert_eq!(s, 200, "{body}");

    let log = audit_log(&app, &user).await;
    let steps: Vec<(&str, Via, Option<&str>, &str, &str)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.via, e.ip.as_deref(), e.actor.as_str(), e.subject.as_str()))
        .collect();
    let who = user.id.to_string();
    assert_eq!(
        steps,
        [
            ("approval.requested", Via::Api, Some("127.0.0.1"), who.as_str(), a["id"].as_str().unwrap()),
            ("approval.approved", Via::Api, Some("127.0.0.1"), who.as_str(), a["id"].as_str().unwrap()),
        ]
    );
    assert!(log.iter().all(|e| e.user_id == user.id));
    assert_eq!(log[1].details["reason"], "go");
    assert_eq!(a["requested_by"].as_str(), Some(who.as_str()), "asked through the API by the user");
}

nudge_tests::on_both_backends!(
    a_user_requests_lists_and_decides_approvals,
    bad_input_answers_400_with_the_envelope,
    another_users_approval_answers_404,
    a_second_decision_answers_409_and_changes_nothing,
    a_decision_after_expiry_answers_409_and_expires_it,
    concurrent_approve_and_deny_one_wins,
    each_step_is_in_the_audit_log,
);

#[tokio::test]
async fn the_openapi_document_describes_the_approval_routes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = app.http.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/approvals", "get"),
        ("/api/approvals", "post"),
        ("/api/approvals/{id}", "get"),
        ("/api/approvals/{id}", "put"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} is documented");
    }
    let view = &doc["components"]["schemas"]["ApprovalView"]["properties"];
    for field in ["id", "action_type", "details", "summary", "status", "expires_at", "code", "version"] {
        assert!(view.get(field).is_some(), "ApprovalView.{field} is documented");
    }
    let decide = &doc["components"]["schemas"]["DecisionStatus"]["enum"];
    assert_eq!(decide, &json!(["approved", "denied"]));
}
