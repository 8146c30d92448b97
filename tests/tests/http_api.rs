//! The HTTP API as a client sees it: every route served together (as nudge-local does), over
//! SQLite and over DynamoDB on moto, through a real HTTP client.

use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nudge_tests::{Backend, TEST_SECRET, TestApp};
use serde_json::{Value, json};

fn id(body: &Value) -> String {
    body["data"]["id"].as_str().expect("data.id").to_owned()
}

async fn a_user_manages_their_tasks(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, t) = app.user("Ada", "+14155550111", false).await;
    let t = Some(t.as_str());

    let (s, created) = app.call("POST", "/api/tasks", t, Some(json!({"title": "  Take meds  "}))).await;
    assert_eq!(s, 201, "{created}");
    let task = &created["data"];
    assert_eq!(task["title"], "Take meds");
    assert_eq!((task["status"].as_str(), task["priority"].as_str()), (Some("pending"), Some("medium")));
    assert_eq!(task["metadata"], json!({}));
    assert_eq!(task["version"], 1);
    let tid = id(&created);

    let (s, got) = app.call("GET", &format!("/api/tasks/{tid}"), t, None).await;
    assert_eq!((s, &got["data"]), (200, task));

    let change = json!({
        "title": "Take meds with food", "priority": "high", "description": "the blue pill",
        "due_date": "2026-11-23T09:00:00+01:00", "metadata": {"streak": 3}, "assigned_to": "me"
    });
    let (s, updated) = app.call("PUT", &format!("/api/tasks/{tid}"), t, Some(change)).await;
    assert_eq!(s, 200, "{updated}");
    let u = &updated["data"];
    assert_eq!(u["title"], "Take meds with food");
    assert_eq!(u["due_date"], "2026-11-23T08:00:00Z", "stored and shown in UTC");
    assert_eq!((u["version"].as_u64(), u["created_at"].clone()), (Some(2), task["created_at"].clone()));

    // null clears an optional field; what is left out stays.
    let (s, cleared) =
        app.call("PUT", &format!("/api/tasks/{tid}"), t, Some(json!({"due_date": null, "version": 2}))).await;
    assert_eq!(s, 200, "{cleared}");
    assert_eq!(cleared["data"]["due_date"], Value::Null);
    assert_eq!(cleared["data"]["description"], "the blue pill");

    let (s, done) =
        app.call("PATCH", &format!("/api/tasks/{tid}/status"), t, Some(json!({"status": "completed"}))).await;
    assert_eq!(
        (s, done["data"]["status"].as_str(), done["data"]["version"].as_u64()),
        (200, Some("completed"), Some(4))
    );

    let (s, list) = app.call("GET", "/api/tasks?status=completed", t, None).await;
    assert_eq!(s, 200);
    assert_eq!(list["data"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"]["next_cursor"], Value::Null);

    let (s, deleted) = app.call("DELETE", &format!("/api/tasks/{tid}"), t, None).await;
    assert_eq!((s, deleted["data"]["deleted"].as_bool()), (200, Some(true)));
    let (s, gone) = app.call("GET", &format!("/api/tasks/{tid}"), t, None).await;
    assert_eq!((s, gone["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
    let (s, _) = app.call("DELETE", &format!("/api/tasks/{tid}"), t, None).await;
    assert_eq!(s, 404);
}

async fn a_list_pages_with_signed_cursors(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, t) = app.user("Ada", "+14155550112", false).await;
    let (_, other) = app.user("Bob", "+14155550113", false).await;
    let t = Some(t.as_str());
    for n in 1..=45 {
        let (s, _) = app.call("POST", "/api/tasks", t, Some(json!({"title": format!("task {n}")}))).await;
        assert_eq!(s, 201);
    }
    let mut titles = vec![];
    let mut sizes = vec![];
    let mut path = "/api/tasks".to_owned();
    let mut first_cursor = None;
    loop {
        let (s, page) = app.call("GET", &path, t, None).await;
        assert_eq!(s, 200, "{page}");
        let items = page["data"]["items"].as_array().unwrap();
        sizes.push(items.len());
        titles.extend(items.iter().map(|i| i["title"].as_str().unwrap().to_owned()));
        match page["data"]["next_cursor"].as_str() {
            Some(c) => {
                first_cursor.get_or_insert(c.to_owned());
                path = format!("/api/tasks?cursor={c}");
            }
            None => break,
        }
    }
    assert_eq!(sizes, vec![20, 20, 5], "default limit 20");
    assert_eq!(titles, (1..=45).rev().map(|n| format!("task {n}")).collect::<Vec<_>>(), "newest first");

    let (s, page) = app.call("GET", "/api/tasks?limit=100", t, None).await;
    assert_eq!((s, page["data"]["items"].as_array().unwrap().len()), (200, 45));

    let cursor = first_cursor.unwrap();
    let mut forged = cursor.clone().into_bytes();
    forged[2] ^= 1;
    let forged = String::from_utf8(forged).unwrap();
    for bad in [
        "/api/tasks?limit=0".to_owned(),
        "/api/tasks?limit=101".to_owned(),
        "/api/tasks?limit=ten".to_owned(),
        "/api/tasks?cursor=garbage".to_owned(),
        format!("/api/tasks?cursor={forged}"),
        "/api/tasks?status=done".to_owned(),
        "/api/tasks?due_from=tomorrow".to_owned(),
        "/api/tasks?due_from=2026-12-02T00:00:00Z&due_to=2026-12-01T00:00:00Z".to_owned(),
        "/api/tasks?colour=blue".to_owned(),
    ] {
        let (s, body) = app.call("GET", &bad, t, None).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{bad}: {body}");
    }
    // A cursor is good only for the list that gave it out.
    let (s, _) = app.call("GET", &format!("/api/tasks?cursor={cursor}"), Some(&other), None).await;
    assert_eq!(s, 400);
}

async fn tasks_filter_by_status_priority_and_due_date(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, t) = app.user("Ada", "+14155550114", false).await;
    let t = Some(t.as_str());
    for (title, status, priority, due) in [
        ("a", "pending", "high", Some("2026-12-01T09:00:00Z")),
        ("b", "in_progress", "low", Some("2026-12-02T09:00:00Z")),
        ("c", "completed", "high", Some("2026-12-03T09:00:00Z")),
        ("d", "pending", "critical", None),
    ] {
        let body = json!({"title": title, "status": status, "priority": priority, "due_date": due});
        assert_eq!(app.call("POST", "/api/tasks", t, Some(body)).await.0, 201);
    }
    let titles = |body: Value| -> Vec<String> {
        body["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, r) = app.call("GET", "/api/tasks?status=pending,in_progress", t, None).await;
    assert_eq!(titles(r), ["d", "b", "a"]);
    let (_, r) = app.call("GET", "/api/tasks?priority=high&status=pending", t, None).await;
    assert_eq!(titles(r), ["a"]);
    // An unencoded `+` arrives as a space; the offset is still read.
    let (_, r) = app
        .call("GET", "/api/tasks?due_from=2026-12-02T10:00:00+01:00&due_to=2026-12-03T09:00:00Z", t, None)
        .await;
    assert_eq!(titles(r), ["c", "b"], "inclusive bounds, undated tasks left out");
}

async fn another_users_task_answers_404(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, alice) = app.user("Alice", "+14155550115", false).await;
    let (_, bob) = app.user("Bob", "+14155550116", false).await;
    let (_, created) = app.call("POST", "/api/tasks", Some(&alice), Some(json!({"title": "secret"}))).await;
    let tid = id(&created);
    let path = format!("/api/tasks/{tid}");
    let status_path = format!("{path}/status");
    for (method, p, body) in [
        ("GET", &path, None),
        ("PUT", &path, Some(json!({"title": "mine now"}))),
        ("PATCH", &status_path, Some(json!({"status": "cancelled"}))),
        ("DELETE", &path, None),
    ] {
        let (s, body) = app.call(method, p, Some(&bob), body).await;
        assert_eq!((s, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{method} {p}");
    }
    let (_, list) = app.call("GET", "/api/tasks", Some(&bob), None).await;
    assert!(list["data"]["items"].as_array().unwrap().is_empty());
    let (s, still) = app.call("GET", &path, Some(&alice), None).await;
    assert_eq!(
        (s, still["data"]["title"].as_str(), still["data"]["version"].as_u64()),
        (200, Some("secret"), Some(1))
    );
}

async fn a_stale_version_answers_409(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, t) = app.user("Ada", "+14155550117", false).await;
    let t = Some(t.as_str());
    let (_, created) = app.call("POST", "/api/tasks", t, Some(json!({"title": "v1"}))).await;
    let path = format!("/api/tasks/{}", id(&created));
    let (s, _) = app.call("PUT", &path, t, Some(json!({"title": "v2", "version": 1}))).await;
    assert_eq!(s, 200);
    let (s, body) = app.call("PUT", &path, t, Some(json!({"title": "lost update", "version": 1}))).await;
    assert_eq!((s, body["error"]["code"].as_str()), (409, Some("CONFLICT")));
    let (s, _) = app
        .call("PATCH", &format!("{path}/status"), t, Some(json!({"status": "completed", "version": 1})))
        .await;
    assert_eq!(s, 409);
    let (_, now) = app.call("GET", &path, t, None).await;
    assert_eq!((now["data"]["title"].as_str(), now["data"]["version"].as_u64()), (Some("v2"), Some(2)));
}

async fn bad_input_answers_4xx_with_a_code(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (_, token) = app.user("Ada", "+14155550118", false).await;
    let t = Some(token.as_str());
    let cases = [
        (json!({}), "missing title"),
        (json!({"title": ""}), "empty title"),
        (json!({"title": "x".repeat(256)}), "256-character title"),
        (json!({"title": 7}), "title not a string"),
        (json!({"title": "x", "priority": "urgent"}), "unknown priority"),
        (json!({"title": "x", "status": "done"}), "unknown status"),
        (json!({"title": "x", "tittle": "typo"}), "unknown field"),
        (json!({"title": "x", "metadata": [1, 2]}), "metadata not an object"),
        (json!({"title": "x", "due_date": "next tuesday"}), "due date not RFC 3339"),
        (json!({"title": "x", "assigned_to": "y".repeat(101)}), "assignee over 100"),
        (json!(["title"]), "not an object"),
    ];
    for (body, what) in cases {
        let (s, res) = app.call("POST", "/api/tasks", t, Some(body)).await;
        assert_eq!((s, res["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{what}: {res}");
    }
    let (s, _) = app.call("POST", "/api/tasks", t, Some(json!({"title": "é".repeat(255)}))).await;
    assert_eq!(s, 201, "255 characters is a title");

    let raw = |body: Vec<u8>, content_type: &'static str| {
        app.http
            .post(app.url("/api/tasks"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
    };
    let (s, res) =
        nudge_tests::envelope(raw(b"{\"title\": ".to_vec(), "application/json").send().await.unwrap()).await;
    assert_eq!((s, res["error"]["code"].as_str()), (400, Some("INVALID_JSON")));
    let (s, res) = nudge_tests::envelope(
        raw(b"title=x".to_vec(), "application/x-www-form-urlencoded").send().await.unwrap(),
    )
    .await;
    assert_eq!((s, res["error"]["code"].as_str()), (415, Some("UNSUPPORTED_MEDIA_TYPE")));
    let huge = serde_json::to_vec(&json!({"title": "x", "description": "y".repeat(300 * 1024)})).unwrap();
    let (s, res) = nudge_tests::envelope(raw(huge, "application/json").send().await.unwrap()).await;
    assert_eq!((s, res["error"]["code"].as_str()), (413, Some("PAYLOAD_TOO_LARGE")));

    for path in ["/api/tasks/not-a-uuid", "/api/tasks/123/status"] {
        let (s, res) = app.call("GET", path, t, None).await;
        assert!(s == 400 || s == 405, "{path}: {s} {res}");
    }
    let (s, res) = app.call("GET", "/api/tasks/not-a-uuid", t, None).await;
    assert_eq!((s, res["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")));
    let (s, res) = app.call("GET", "/api/nowhere", t, None).await;
    assert_eq!((s, res["error"]["code"].as_str()), (404, Some("NOT_FOUND")));
    let (s, res) = app.call("PATCH", "/api/tasks", t, Some(json!({}))).await;
    assert_eq!((s, res["error"]["code"].as_str()), (405, Some("METHOD_NOT_ALLOWED")));
    // Nothing of the refused requests was stored.
    let (_, list) = app.call("GET", "/api/tasks", t, None).await;
    assert_eq!(list["data"]["items"].as_array().unwrap().len(), 1);
}

fn token_with(header: Header, claims: Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
}

async fn only_valid_tokens_get_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (user, good) = app.user("Ada", "+14155550119", false).await;
    let now = Utc::now().timestamp();
    let claims = |over: Value| {
        let mut c =
            json!({"sub": user.id.to_string(), "iss": "nudge", "aud": "nudge", "iat": now, "exp": now + 600});
        c.as_object_mut().unwrap().extend(over.as_object().unwrap().clone());
        c
    };
    let hs256 = Header::new(Algorithm::HS256);
    let (s, _) = app.call("GET", "/api/me", Some(&good), None).await;
    assert_eq!(s, 200);
    let unsigned = {
        let h = base64_url(r#"{"alg":"none","typ":"JWT"}"#);
        format!("{h}.{}.", base64_url(&claims(json!({})).to_string()))
    };
    let bad = [
        ("expired", token_with(hs256.clone(), claims(json!({"exp": now - 3600})), TEST_SECRET)),
        ("another issuer", token_with(hs256.clone(), claims(json!({"iss": "evil"})), TEST_SECRET)),
        ("another audience", token_with(hs256.clone(), claims(json!({"aud": "other-app"})), TEST_SECRET)),
        ("another key", token_with(hs256.clone(), claims(json!({})), b"not-the-secret")),
        ("HS512", token_with(Header::new(Algorithm::HS512), claims(json!({})), TEST_SECRET)),
        ("alg none", unsigned),
        (
            "no exp",
            token_with(
                hs256.clone(),
                json!({"sub": user.id.to_string(), "iss": "nudge", "aud": "nudge"}),
                TEST_SECRET,
            ),
        ),
        ("sub not a user id", token_with(hs256.clone(), claims(json!({"sub": "root"})), TEST_SECRET)),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in bad {
        let (s, body) = app.call("GET", "/api/tasks", Some(&token), None).await;
        assert_eq!((s, body["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{what}");
    }
    let (s, _) = app.call("GET", "/api/tasks", None, None).await;
    assert_eq!(s, 401, "no token");
    let basic = app.http.get(app.url("/api/tasks")).header("authorization", format!("Basic {good}"));
    assert_eq!(nudge_tests::envelope(basic.send().await.unwrap()).await.0, 401, "not a bearer");
    // A well-signed token for a user who does not exist authenticates no one.
    let ghost = token_with(hs256, claims(json!({"sub": uuid::Uuid::now_v7().to_string()})), TEST_SECRET);
    let (s, _) = app.call("GET", "/api/me", Some(&ghost), None).await;
    assert_eq!(s, 401);
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

async fn admins_manage_users(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (admin, admin_t) = app.user("Root", "+14155550120", true).await;
    let (user, user_t) = app.user("Ada", "+14155550121", false).await;
    let new = json!({"name": "Sam", "phone": "+33 6 12 34 56 78", "timezone": "Europe/Paris", "email": "Sam@Example.com"});

    let (s, body) = app.call("POST", "/api/users", Some(&user_t), Some(new.clone())).await;
    assert_eq!((s, body["error"]["code"].as_str()), (403, Some("FORBIDDEN")));
    let (s, body) = app.call("GET", &format!("/api/users/{}", admin.id), Some(&user_t), None).await;
    assert_eq!(s, 403, "{body}");

    let (s, created) = app.call("POST", "/api/users", Some(&admin_t), Some(new.clone())).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["data"]["phone"], "+33612345678");
    assert_eq!(created["data"]["email"], "Sam@example.com");
    assert_eq!(created["data"]["roles"], json!(["user"]));
    let (s, again) = app.call("POST", "/api/users", Some(&admin_t), Some(new)).await;
    assert_eq!((s, again["error"]["code"].as_str()), (409, Some("CONFLICT")), "one user per phone");

    for bad in [
        json!({"name": "X", "phone": "0612345678", "timezone": "Europe/Paris"}),
        json!({"name": "X", "phone": "+14155550199", "timezone": "Mars/Base"}),
        json!({"name": "X", "phone": "+14155550199", "timezone": "UTC", "roles": ["god"]}),
        json!({"name": "", "phone": "+14155550199", "timezone": "UTC"}),
    ] {
        let (s, body) = app.call("POST", "/api/users", Some(&admin_t), Some(bad)).await;
        assert_eq!((s, body["error"]["code"].as_str()), (400, Some("VALIDATION_ERROR")), "{body}");
    }

    let (s, got) = app.call("GET", &format!("/api/users/{}", id(&created)), Some(&admin_t), None).await;
    assert_eq!((s, &got["data"]), (200, &created["data"]));
    let (s, _) = app.call("GET", &format!("/api/users/{}", uuid::Uuid::now_v7()), Some(&admin_t), None).await;
    assert_eq!(s, 404);
    let (s, me) = app.call("GET", "/api/me", Some(&user_t), None).await;
    assert_eq!((s, me["data"]["id"].as_str()), (200, Some(user.id.to_string().as_str())));
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc: Value = app.http.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut routes: Vec<String> = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            routes.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    routes.sort();
    assert_eq!(
        routes,
        [
            "DELETE /api/integrations/{id}",
            "DELETE /api/memories/{id}",
            "DELETE /api/reminders/{id}",
            "DELETE /api/tasks/{id}",
            "GET /api/agents/{agent}/prompt-customizations",
            "GET /api/approvals",
            "GET /api/approvals/{id}",
            "GET /api/conversations",
            "GET /api/conversations/{id}/messages",
            "GET /api/integrations",
            "GET /api/me",
            "GET /api/me/preferences",
            "GET /api/memories",
            "GET /api/notifications",
            "GET /api/reminders",
            "GET /api/reminders/{id}",
            "GET /api/tasks",
            "GET /api/tasks/{id}",
            "GET /api/users/{id}",
            "GET /oauth/{provider}/callback",
            "GET /oauth/{provider}/start",
            "PATCH /api/tasks/{id}/status",
            "POST /api/admin/jobs/{job}/run",
            "POST /api/agents/{agent}/prompt-customizations",
            "POST /api/approvals",
            "POST /api/chat",
            "POST /api/integrations/{provider}/link",
            "POST /api/memories",
            "POST /api/reminders",
            "POST /api/reminders/{id}/ack",
            "POST /api/reminders/{id}/snooze",
            "POST /api/tasks",
            "POST /api/users",
            "POST /oauth/{provider}/start",
            "PUT /api/agents/{agent}/prompt-customizations/{id}",
            "PUT /api/approvals/{id}",
            "PUT /api/me/preferences",
            "PUT /api/reminders/{id}",
            "PUT /api/tasks/{id}",
        ]
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let task = &doc["components"]["schemas"]["Task"]["properties"];
    for field in [
        "id",
        "title",
        "description",
        "status",
        "priority",
        "assigned_to",
        "due_date",
        "metadata",
        "created_at",
        "updated_at",
        "version",
    ] {
        assert!(task.get(field).is_some(), "Task.{field} is documented");
    }
}

nudge_tests::on_both_backends!(
    a_user_manages_their_tasks,
    a_list_pages_with_signed_cursors,
    tasks_filter_by_status_priority_and_due_date,
    another_users_task_answers_404,
    a_stale_version_answers_409,
    bad_input_answers_4xx_with_a_code,
    only_valid_tokens_get_in,
    admins_manage_users,
);

/// A handler that panics (a bug) still answers the contract's envelope: a 500 with the request's
/// id, not a dropped connection or a bare Lambda error.
#[tokio::test]
async fn a_panicking_handler_answers_an_enveloped_500() {
    use std::sync::Arc;
    let state = nudge_http::ApiState::new(
        nudge_tests::store(Backend::Sqlite).await,
        Arc::new(nudge_domain::Secret::new(TEST_SECRET)),
    );
    async fn boom() -> &'static str {
        panic!("a bug, quoting 'someone's message'")
    }
    let routes = axum::Router::new().route("/boom", axum::routing::get(boom));
    let router = nudge_http::app("test", routes, state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/boom", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let (status, body) = nudge_tests::envelope(reqwest::get(url).await.unwrap()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (500, Some("INTERNAL_ERROR")), "{body}");
    assert!(!body.to_string().contains("someone's message"), "the panic's words stay inside: {body}");
}
