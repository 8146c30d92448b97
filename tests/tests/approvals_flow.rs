//! Approvals end to end, on both stores: the assistant asks before it acts. A model (the
//! OpenAI-compatible stand-in) calls `send_email` in a chat turn; that creates a pending
//! approval and asks the user by SMS (the Twilio stand-in); the user answers `YES <code>` by a
//! text signed as Twilio signs it; the agent worker runs the action once (one e-mail, however
//! often its message is delivered) and writes the result into the conversation. Then denial,
//! expiry by the tick and by a late answer, a code from the wrong phone, and the audit log.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use nudge_domain::{
    AgentMessage, ApprovalStatus, FixedClock, NotifyMessage, PageRequest, Secret, Senders, UserId, tick,
};
use nudge_sqlite::SqliteStore;
use nudge_tests::{
    Backend, TEST_SECRET, TestApp,
    llm::{ChatServer, Reply, Seen},
    queue::{agent_event, sqs_event},
    store_with_clock,
    twilio::Twilio,
};
use serde_json::{Value, json};

const PHONE: &str = "+14155550101";
const OTHER_PHONE: &str = "+14155550102";

fn start() -> DateTime<Utc> {
    "2026-11-23T15:00:00Z".parse().unwrap()
}

/// A model that e-mails Sam when asked, and words the result it is shown.
async fn emailing_model() -> ChatServer {
    ChatServer::start(|seen: &Seen| {
        if seen.system().starts_with("From this exchange") {
            Reply::text("[]")
        } else if seen.last_role() == "user" {
            Reply::tool_call(
                "call_1",
                "send_email",
                json!({"to": "sam@example.com", "subject": "Running late", "body": "I'm running late, sorry!"}),
            )
        } else {
            Reply::text("I've asked you to approve the email to Sam.")
        }
    })
    .await
}

struct Flow {
    app: TestApp,
    llm: ChatServer,
    twilio: Twilio,
    /// Where e-mails go (the local outbox adapter, which records them).
    mail: Arc<SqliteStore>,
    clock: Arc<FixedClock>,
    user: UserId,
    token: String,
    other_token: String,
}

impl Flow {
    async fn new(b: Backend) -> Self {
        let clock = Arc::new(FixedClock::new(start()));
        let (ports, tap) = store_with_clock(b, clock.clone()).await;
        let llm = emailing_model().await;
        let agent = Arc::new(llm.agent(Default::default()));
        let mut app = TestApp::on(ports, agent, chat::TURN_TIMEOUT, Default::default()).await;
        app.queue = Some(tap);
        let (user, token) = app.user("Ada", PHONE, false).await;
        let (_, other_token) = app.user("Bob", OTHER_PHONE, false).await;
        Self {
            app,
            llm,
            twilio: Twilio::start().await,
            mail: Arc::new(SqliteStore::in_memory().unwrap()),
            clock,
            user: user.id,
            token,
            other_token,
        }
    }

    fn senders(&self) -> Senders {
        Senders {
            sms: Arc::new(self.twilio.sender()),
            email: self.mail.clone(),
            webhook: Arc::new(nudge_senders::WebhookSender::new(nudge_senders::http_client())),
            console: Arc::new(SqliteStore::in_memory().unwrap()),
            webhook_key: Arc::new(Secret::new(TEST_SECRET)),
        }
    }

    /// The notifier over what the `notify` queue holds.
    async fn notify(&self) {
        let queued: Vec<NotifyMessage> = self.app.queue.as_ref().unwrap().take().await;
        if !queued.is_empty() {
            let r = notifier::handle(&self.app.state.ports, &self.senders(), sqs_event(&queued)).await;
            assert!(r.batch_item_failures.is_empty(), "notifier failures");
        }
    }

    async fn agent_messages(&self) -> Vec<AgentMessage> {
        self.app.queue.as_ref().unwrap().agent_messages().await
    }

    /// The agent worker over `messages`, as one batch; answers the failed ids.
    async fn work(&self, messages: &[AgentMessage]) -> Vec<String> {
        let bodies: Vec<String> = messages.iter().map(|m| serde_json::to_string(m).unwrap()).collect();
        let r =
            agent_worker::handle(&self.app.state.ports, &self.app.agent, &self.app.sms, agent_event(&bodies))
                .await;
        r.batch_item_failures.into_iter().map(|f| f.item_identifier).collect()
    }

    /// The texts the user got since `from`.
    fn texts(&self) -> Vec<String> {
        self.twilio.sent().into_iter().filter(|s| s.to == PHONE).map(|s| s.body).collect()
    }

    /// E-mails sent: (to, text).
    async fn emails(&self) -> Vec<(String, String)> {
        self.mail.outbox(100).await.unwrap().into_iter().map(|e| (e.to, e.text)).collect()
    }

    /// "Email Sam that I'm running late" in chat: answers the conversation id and the approval.
    async fn ask(&self) -> (String, Value) {
        let (status, body) = self
            .app
            .call(
                "POST",
                "/api/chat",
                Some(&self.token),
                Some(json!({"message": "email sam@example.com that I'm running late"})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let action = &body["data"]["actions"][0];
        assert_eq!(
            (action["tool"].as_str(), action["ok"].as_bool()),
            (Some("send_email"), Some(true)),
            "{body}"
        );
        assert_eq!(action["result"]["status"], "waiting_for_approval", "{action}");
        let waiting = &body["data"]["pending_approvals"];
        assert_eq!(waiting.as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(waiting[0]["code"], action["result"]["code"]);
        assert!(self.emails().await.is_empty(), "nothing is sent before the user says yes");
        let pending = self.approvals("").await;
        assert_eq!(pending.len(), 1, "{pending:?}");
        self.notify().await;
        let conversation = body["data"]["conversation_id"].as_str().unwrap().to_owned();
        (conversation, pending[0].clone())
    }

    async fn approvals(&self, query: &str) -> Vec<Value> {
        let (status, body) =
            self.app.call("GET", &format!("/api/approvals{query}"), Some(&self.token), None).await;
        assert_eq!(status, 200, "{body}");
        body["data"]["items"].as_array().unwrap().clone()
    }

    async fn approval(&self, id: &str) -> Value {
        let (status, body) =
            self.app.call("GET", &format!("/api/approvals/{id}"), Some(&self.token), None).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    async fn conversation_texts(&self, conversation: &str) -> Vec<String> {
        let path = format!("/api/conversations/{conversation}/messages?limit=100");
        let (status, body) = self.app.call("GET", &path, Some(&self.token), None).await;
        assert_eq!(status, 200, "{body}");
        body["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["content"].as_str().map(str::to_owned))
            .collect()
    }

    /// The audit log's entries, in the order the steps happen (the clock stands still here, so
    /// entries of one instant are put in that order).
    async fn audit(&self) -> Vec<String> {
        let page = self.app.state.ports.audit.list_audit(&self.user, &PageRequest::default()).await.unwrap();
        let step = |action: &str| {
            ["requested", "approved", "denied", "expired", "executed", "failed"]
                .iter()
                .position(|s| action.ends_with(s))
                .unwrap_or(usize::MAX)
        };
        let mut entries: Vec<_> = page.items.iter().map(|e| (e.at, step(&e.action), e)).collect();
        entries.sort_by_key(|(at, step, _)| (*at, *step));
        entries.iter().map(|(_, _, e)| format!("{} via {}", e.action, e.via.as_str())).collect()
    }
}

async fn a_yes_by_text_sends_the_email_once_and_the_conversation_says_so(b: Backend) {
    let f = Flow::new(b).await;
    let (conversation, approval) = f.ask().await;
    let code = approval["code"].as_str().unwrap().to_owned();
    let question = f.texts();
    assert_eq!(question.len(), 1, "{question:?}");
    assert!(
        question[0].contains(&format!("YES {code}")) && question[0].contains(&format!("NO {code}")),
        "{question:?}"
    );
    assert!(question[0].contains("sam@example.com"), "the user is told what will happen: {question:?}");
    let fed_back = f.llm.requests()[1].tool_results();
    let result: Value = serde_json::from_str(fed_back[0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(result["code"], code.as_str(), "the model knows the code to mention: {result}");

    let said = f.app.text(PHONE, &format!("yes {code}")).await;
    assert!(
        said.message.as_deref().is_some_and(|m| m.starts_with("OK, I'll send an email to sam@example.com")),
        "{said:?}"
    );
    assert_eq!(f.approval(approval["id"].as_str().unwrap()).await["status"], "approved");
    let queued = f.agent_messages().await;
    let execute: Vec<AgentMessage> =
        queued.into_iter().filter(|m| matches!(m, AgentMessage::ExecuteApproval { .. })).collect();
    assert_eq!(execute.len(), 1);
    // Delivered twice in one batch, and again later.
    assert!(f.work(&[execute[0].clone(), execute[0].clone()]).await.is_empty());
    assert!(f.work(&execute).await.is_empty());
    f.notify().await;
    f.notify().await;
    let emails = f.emails().await;
    assert_eq!(emails, [("sam@example.com".to_owned(), "I'm running late, sorry!".to_owned())]);
    let done = f.approval(approval["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "executed", "{done}");
    assert!(f.texts().last().unwrap().starts_with("Done: the email to sam@example.com"), "{:?}", f.texts());
    let said = f.conversation_texts(&conversation).await;
    assert!(said.iter().any(|t| t.starts_with("Done: the email to sam@example.com")), "{said:?}");
    assert_eq!(
        f.audit().await,
        ["approval.requested via agent", "approval.approved via sms", "approval.executed via system"]
    );
    // A second YES changes nothing.
    let again = f.app.text(PHONE, &format!("YES {code}")).await;
    assert!(again.message.unwrap().contains("already"), "told it was decided");
    assert_eq!(f.emails().await.len(), 1);
}

async fn a_no_by_text_sends_nothing_and_says_so(b: Backend) {
    let f = Flow::new(b).await;
    let (conversation, approval) = f.ask().await;
    let code = approval["code"].as_str().unwrap();
    let said = f.app.text(PHONE, &format!("NO {code}")).await;
    assert!(said.message.unwrap().starts_with("OK, cancelled"), "answered at once");
    assert_eq!(f.approval(approval["id"].as_str().unwrap()).await["status"], "denied");
    assert!(f.agent_messages().await.iter().all(|m| !matches!(m, AgentMessage::ExecuteApproval { .. })));
    f.notify().await;
    assert!(f.emails().await.is_empty());
    assert!(f.conversation_texts(&conversation).await.iter().any(|t| t.starts_with("Cancelled")));
    assert_eq!(f.audit().await, ["approval.requested via agent", "approval.denied via sms"]);
}

async fn a_code_from_another_phone_decides_nothing(b: Backend) {
    let f = Flow::new(b).await;
    let (_, approval) = f.ask().await;
    let code = approval["code"].as_str().unwrap();
    let said = f.app.text(OTHER_PHONE, &format!("YES {code}")).await;
    assert!(said.message.unwrap().contains(&format!("couldn't find a request with code {code}")));
    assert_eq!(f.approval(approval["id"].as_str().unwrap()).await["status"], "pending");
    // Nor can the other user see or decide it through the API.
    let path = format!("/api/approvals/{}", approval["id"].as_str().unwrap());
    assert_eq!(f.app.call("GET", &path, Some(&f.other_token), None).await.0, 404);
    let decide = json!({"status": "approved"});
    assert_eq!(f.app.call("PUT", &path, Some(&f.other_token), Some(decide)).await.0, 404);
}

async fn an_unanswered_request_expires_at_the_tick_and_a_late_yes_does_nothing(b: Backend) {
    let f = Flow::new(b).await;
    let (conversation, approval) = f.ask().await;
    let id = approval["id"].as_str().unwrap();
    f.clock.advance(Duration::minutes(14));
    let report = tick::run_tick(&f.app.state.ports, nudge_domain::Clock::now(&*f.clock)).await.unwrap();
    assert_eq!(report.approvals_expired, 0, "not yet");
    f.clock.advance(Duration::minutes(1));
    let report = tick::run_tick(&f.app.state.ports, nudge_domain::Clock::now(&*f.clock)).await.unwrap();
    assert_eq!(report.approvals_expired, 1);
    assert_eq!(f.approval(id).await["status"], "expired");
    f.notify().await;
    assert!(f.texts().last().unwrap().starts_with("No answer in time"), "{:?}", f.texts());
    assert!(f.conversation_texts(&conversation).await.iter().any(|t| t.starts_with("No answer in time")));
    let late = f.app.text(PHONE, &format!("YES {}", approval["code"].as_str().unwrap())).await;
    assert!(late.message.unwrap().contains("expired"), "told it expired");
    assert!(f.emails().await.is_empty());
    assert_eq!(f.audit().await, ["approval.requested via agent", "approval.expired via system"]);
}

async fn a_yes_after_the_deadline_is_refused_before_the_tick_runs(b: Backend) {
    let f = Flow::new(b).await;
    let (_, approval) = f.ask().await;
    f.clock.advance(Duration::minutes(15));
    let late = f.app.text(PHONE, &format!("YES {}", approval["code"].as_str().unwrap())).await;
    assert!(late.message.unwrap().contains("expired"));
    assert_eq!(
        f.approval(approval["id"].as_str().unwrap()).await["status"],
        ApprovalStatus::Expired.as_str()
    );
    assert!(f.agent_messages().await.iter().all(|m| !matches!(m, AgentMessage::ExecuteApproval { .. })));
}

async fn two_workers_executing_at_once_send_one_email(b: Backend) {
    let f = Flow::new(b).await;
    let (_, approval) = f.ask().await;
    let path = format!("/api/approvals/{}", approval["id"].as_str().unwrap());
    let (status, body) = f.app.call("PUT", &path, Some(&f.token), Some(json!({"status": "approved"}))).await;
    assert_eq!(status, 200, "{body}");
    let execute: Vec<AgentMessage> = f
        .agent_messages()
        .await
        .into_iter()
        .filter(|m| matches!(m, AgentMessage::ExecuteApproval { .. }))
        .collect();
    let (one, two) = tokio::join!(f.work(&execute), f.work(&execute));
    assert!(one.is_empty() && two.is_empty());
    f.notify().await;
    assert_eq!(f.emails().await.len(), 1);
    assert_eq!(f.audit().await.iter().filter(|a| a.starts_with("approval.executed")).count(), 1);
}

async fn a_run_retried_later_sends_one_email_and_one_notice(b: Backend) {
    let f = Flow::new(b).await;
    let (_, approval) = f.ask().await;
    let path = format!("/api/approvals/{}", approval["id"].as_str().unwrap());
    f.app.call("PUT", &path, Some(&f.token), Some(json!({"status": "approved"}))).await;
    let execute: Vec<AgentMessage> = f
        .agent_messages()
        .await
        .into_iter()
        .filter(|m| matches!(m, AgentMessage::ExecuteApproval { .. }))
        .collect();
    assert!(f.work(&execute).await.is_empty());
    // SQS hands the same message out again minutes later.
    f.clock.advance(Duration::minutes(3));
    assert!(f.work(&execute).await.is_empty());
    f.notify().await;
    assert_eq!(f.emails().await.len(), 1, "one e-mail");
    let done: Vec<String> = f.texts().into_iter().filter(|t| t.starts_with("Done:")).collect();
    assert_eq!(done.len(), 1, "one notice: {done:?}");
}

async fn an_approved_action_whose_message_was_lost_runs_from_the_tick_or_is_given_up(b: Backend) {
    let f = Flow::new(b).await;
    let now = |f: &Flow| nudge_domain::Clock::now(&*f.clock);
    // Two approvals, approved; their execution messages are lost.
    let (_, first) = f.ask().await;
    let body = json!({"action_type": "send_email", "summary": "s", "details": {"to": "kim@example.com", "body": "hi"}});
    let (_, second) = f.app.call("POST", "/api/approvals", Some(&f.token), Some(body)).await;
    let second = second["data"].clone();
    for a in [&first, &second] {
        let path = format!("/api/approvals/{}", a["id"].as_str().unwrap());
        assert_eq!(
            f.app.call("PUT", &path, Some(&f.token), Some(json!({"status": "approved"}))).await.0,
            200
        );
    }
    f.agent_messages().await;
    f.clock.advance(Duration::minutes(5));
    let report = tick::run_tick(&f.app.state.ports, now(&f)).await.unwrap();
    assert_eq!(report.approvals_requeued, 2, "queued again five minutes on");
    let execute = f.agent_messages().await;
    // One of them runs; the other's message is lost again, for an hour.
    assert!(f.work(&execute[..1]).await.is_empty());
    f.clock.advance(Duration::minutes(55));
    let report = tick::run_tick(&f.app.state.ports, now(&f)).await.unwrap();
    assert_eq!((report.approvals_requeued, report.approvals_given_up), (0, 1), "{report:?}");
    let statuses: Vec<Value> = [&first, &second].iter().map(|a| a["id"].clone()).collect();
    let mut seen = vec![];
    for id in statuses {
        seen.push(f.approval(id.as_str().unwrap()).await["status"].as_str().unwrap().to_owned());
    }
    seen.sort();
    assert_eq!(seen, ["executed", "failed"]);
    f.notify().await;
    assert_eq!(f.emails().await.len(), 1, "the given-up one sends nothing");
    assert!(
        f.texts().iter().any(|t| t.ends_with("it could not run in time.")),
        "the user is told: {:?}",
        f.texts()
    );
    // Settled approvals are off the due index.
    f.clock.advance(Duration::minutes(5));
    let report = tick::run_tick(&f.app.state.ports, now(&f)).await.unwrap();
    assert_eq!((report.items_read, report.approvals_requeued), (0, 0), "{report:?}");
}

async fn what_the_user_is_asked_is_made_from_what_will_run(b: Backend) {
    let f = Flow::new(b).await;
    let body = json!({
        "action_type": "send_email",
        "summary": "send Mom a birthday card",
        "details": {"to": "someone-else@example.com", "body": "wire the money"},
    });
    let (status, created) = f.app.call("POST", "/api/approvals", Some(&f.token), Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["data"]["summary"], "send an email to someone-else@example.com: \"wire the money\"");
    f.notify().await;
    assert!(f.texts()[0].contains("someone-else@example.com"), "{:?}", f.texts());
    // An integration's own action keeps its description, and is not run by Nudge.
    let body = json!({"action_type": "crm.update", "summary": "mark the deal won", "details": {"deal": 7}});
    let (_, created) = f.app.call("POST", "/api/approvals", Some(&f.token), Some(body)).await;
    assert_eq!(created["data"]["summary"], "mark the deal won");
    let path = format!("/api/approvals/{}", created["data"]["id"].as_str().unwrap());
    let (_, decided) = f.app.call("PUT", &path, Some(&f.token), Some(json!({"status": "approved"}))).await;
    assert_eq!(decided["data"]["status"], "approved", "the integration reads it and acts");
    assert!(f.agent_messages().await.iter().all(|m| !matches!(m, AgentMessage::ExecuteApproval { .. })));
}

async fn approvals_asked_for_are_limited_per_hour(b: Backend) {
    let f = Flow::new(b).await;
    let body = json!({"action_type": "crm.update", "summary": "mark the deal won", "details": {}});
    for _ in 0..20 {
        assert_eq!(f.app.call("POST", "/api/approvals", Some(&f.token), Some(body.clone())).await.0, 201);
    }
    let (status, refused) = f.app.call("POST", "/api/approvals", Some(&f.token), Some(body.clone())).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (429, Some("RATE_LIMITED")), "{refused}");
    f.clock.advance(Duration::hours(1));
    assert_eq!(f.app.call("POST", "/api/approvals", Some(&f.token), Some(body)).await.0, 201);
}

nudge_tests::on_both_backends!(
    a_run_retried_later_sends_one_email_and_one_notice,
    an_approved_action_whose_message_was_lost_runs_from_the_tick_or_is_given_up,
    what_the_user_is_asked_is_made_from_what_will_run,
    approvals_asked_for_are_limited_per_hour,
    a_yes_by_text_sends_the_email_once_and_the_conversation_says_so,
    a_no_by_text_sends_nothing_and_says_so,
    a_code_from_another_phone_decides_nothing,
    an_unanswered_request_expires_at_the_tick_and_a_late_yes_does_nothing,
    a_yes_after_the_deadline_is_refused_before_the_tick_runs,
    two_workers_executing_at_once_send_one_email,
);
