//! One agent turn, as any function runs it (the chat API now, the SMS worker next): find or
//! start the conversation, gather context (recent messages, the rolling summary, relevant
//! memories, the user's prompt customizations), let the model propose tool calls and run them
//! up to a step limit, store the turn atomically, count its tokens, and queue the learning.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::try_join;
use serde::Serialize;
use serde_json::Value;
use tracing::warn;

use crate::{
    AgentMessage, AgentName, Channel, Conversation, ConversationChannel, ConversationId, ConversationPolicy,
    DomainError, Embedder, LanguageModel, Limit, LlmError, LlmMessage, LlmRequest, Message, MessageId,
    PageRequest, Ports, Speaker, StoreError, Usage, User, UserId, memories, prompts,
    tools::{ToolContext, Toolbox},
    users,
};

/// The limits of a turn.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub policy: ConversationPolicy,
    /// Model calls in one turn; the last is given no tools, so it must answer in words.
    pub max_steps: usize,
    /// Tool calls run per model step; more are answered with an error.
    pub max_calls_per_step: usize,
    pub max_output_tokens: u32,
    /// How much of the prompt memories may take.
    pub memory_budget_tokens: usize,
    /// Tokens a user may spend per UTC day; `None`: no limit.
    pub daily_token_budget: Option<u64>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            policy: ConversationPolicy::default(),
            max_steps: 6,
            max_calls_per_step: 8,
            max_output_tokens: 1024,
            memory_budget_tokens: 800,
            daily_token_budget: Some(200_000),
        }
    }
}

/// The thinking parts of a turn: a model (a router of providers, or the offline brain) and an
/// optional embedder for retrieval.
#[derive(Clone)]
pub struct Agent {
    pub model: Arc<dyn LanguageModel>,
    pub embedder: Option<Arc<dyn Embedder>>,
    pub config: AgentConfig,
}

#[derive(Debug, Clone)]
pub struct TurnRequest {
    pub message: String,
    /// Continue this conversation; without it, the latest one if still active, else a new one.
    pub conversation_id: Option<ConversationId>,
    pub channel: ConversationChannel,
}

/// A tool call made in the turn, and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Action {
    pub tool: String,
    #[schema(value_type = Object)]
    pub arguments: Value,
    pub ok: bool,
    #[schema(value_type = Object)]
    pub result: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnOutcome {
    pub reply: String,
    pub conversation_id: ConversationId,
    pub actions: Vec<Action>,
    pub usage: Usage,
    /// Who answered ("openai/gpt-4o-mini", "offline").
    pub model: String,
}

/// How to answer a text message.
const SMS_STYLE: &str = "The user is texting you by SMS: answer in plain text without markdown, \
     in one or two short sentences (under 300 characters).";

/// The most characters a message may have: a long paste is a note for `/api/memories`.
pub const MAX_MESSAGE_CHARS: usize = 4_000;

/// Attempts to store a turn when another turn of the same conversation landed first.
const SAVE_ATTEMPTS: usize = 3;

pub async fn run_turn(
    p: &Ports,
    agent: &Agent,
    owner: UserId,
    req: TurnRequest,
) -> Result<TurnOutcome, DomainError> {
    let text = req.message.trim();
    if text.is_empty() {
        return Err(crate::ValidationError::new("message", "must not be empty").into());
    }
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(crate::ValidationError::new(
            "message",
            format!(
                "must be at most {MAX_MESSAGE_CHARS} characters; add long text as a note in /api/memories"
            ),
        )
        .into());
    }
    let now = p.clock.now();
    // Reads that do not depend on each other go out together: on DynamoDB a turn's context is
    // three round trips, not six.
    let (user, ()) = try_join(users::get_user(p, owner), check_budget(p, &agent.config, owner, now)).await?;
    let (conversation, expected) = open_conversation(p, &agent.config.policy, &user, &req, text, now).await?;
    let (mut history, system) = try_join(
        window(p, owner, &conversation, agent.config.policy.window),
        system_prompt(p, agent, &user, &conversation, text, now, req.channel),
    )
    .await?;

    let mut new = vec![message(p, &conversation, Speaker::User, text.to_owned(), now)];
    history.push(LlmMessage::User { content: text.to_owned() });
    let cx = ToolContext {
        ports: p,
        user: &user,
        made_on: Option::<Channel>::from(req.channel),
        embedder: agent.embedder.as_deref(),
        conversation_id: Some(conversation.id),
    };
    let toolbox = Toolbox::builtin();
    let mut actions = Vec::new();
    let mut usage = Usage::default();
    let mut model_name = agent.model.name().to_owned();
    let mut reply = None;
    for step in 1..=agent.config.max_steps.max(1) {
        let last = step == agent.config.max_steps.max(1);
        // The last step offers no tools, so the model must answer in words; the exchange is
        // shown to it as text, since some providers (Bedrock) refuse tool blocks without tools.
        let request = LlmRequest {
            system: system.clone(),
            messages: if last { as_text(&history) } else { history.clone() },
            tools: if last { Vec::new() } else { toolbox.specs() },
            max_tokens: agent.config.max_output_tokens,
            now,
            timezone: user.timezone.tz(),
        };
        let answer = agent.model.complete(&request).await.map_err(model_error)?;
        usage += answer.usage;
        model_name = answer.model.clone();
        let content = answer.content.filter(|c| !c.trim().is_empty());
        // Calls proposed on the last step, which offered no tools, are not run, and no more than
        // `max_calls_per_step` run in any step; calls not run are not kept either, as calls
        // without results would make the history unusable next turn.
        let mut calls = if last { Vec::new() } else { answer.tool_calls };
        let skipped = calls.len().saturating_sub(agent.config.max_calls_per_step);
        calls.truncate(agent.config.max_calls_per_step);
        if content.is_some() || !calls.is_empty() {
            let mut said =
                message(p, &conversation, Speaker::Assistant, content.clone().unwrap_or_default(), now);
            said.tool_calls = calls.clone();
            new.push(said);
            history.push(LlmMessage::Assistant { content: content.clone(), tool_calls: calls.clone() });
        }
        if calls.is_empty() {
            reply = content;
            break;
        }
        for (i, call) in calls.iter().enumerate() {
            let mut outcome = toolbox.run(&cx, call).await;
            if skipped > 0
                && i + 1 == calls.len()
                && let Some(o) = outcome.output.as_object_mut()
            {
                o.insert(
                    "note".into(),
                    format!("{skipped} more tool calls were not run: at most {} a step", calls.len()).into(),
                );
            }
            let result = outcome.output.to_string();
            let mut answered = message(p, &conversation, Speaker::Tool, result.clone(), now);
            answered.tool_call_id = Some(call.id.clone());
            answered.tool_name = Some(call.name.clone());
            answered.is_error = !outcome.ok;
            new.push(answered);
            history.push(LlmMessage::Tool {
                call_id: call.id.clone(),
                name: call.name.clone(),
                content: result,
                is_error: !outcome.ok,
            });
            actions.push(Action {
                tool: call.name.clone(),
                arguments: call.arguments.clone(),
                ok: outcome.ok,
                result: outcome.output,
            });
        }
    }
    let reply = reply.unwrap_or_else(|| fallback_reply(&actions));
    // The final words are the reply, even when they came with the last step's tool calls.
    if new.last().is_none_or(|m| m.role != Speaker::Assistant || m.content != reply) {
        new.push(message(p, &conversation, Speaker::Assistant, reply.clone(), now));
    }
    if let Some(last) = new.last_mut() {
        last.usage = Some(usage);
    }

    // Ids are given now, in order, so the turn's messages stay together in the conversation
    // even when another turn of it ran at the same time.
    for m in &mut new {
        m.id = MessageId::from_uuid(p.ids.new_id());
    }
    let conversation_id = conversation.id;
    let user_message = new[0].id;
    save(p, conversation, expected, &new, usage, now).await?;
    if usage.total() > 0 {
        p.usage.add_tokens(&owner, now.date_naive(), usage.total()).await?;
    }
    let learn = AgentMessage::Learn { user_id: owner, conversation_id, message_id: user_message };
    if let Err(e) = p.agent_queue.enqueue_agent(&learn).await {
        // Learning is a bonus: the user has their answer either way.
        warn!(error = %e, "could not queue learning from the turn");
    }
    Ok(TurnOutcome { reply, conversation_id, actions, usage, model: model_name })
}

async fn check_budget(
    p: &Ports,
    config: &AgentConfig,
    owner: UserId,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    if let Some(budget) = config.daily_token_budget {
        let used = p.usage.tokens_on(&owner, now.date_naive()).await?;
        if used >= budget {
            return Err(DomainError::RateLimited(format!(
                "today's assistant budget is spent ({used} of {budget} tokens); it renews at midnight UTC. Reminders and tasks still work."
            )));
        }
    }
    Ok(())
}

/// The conversation a message belongs to, and the version it was read at (`None`: new).
async fn open_conversation(
    p: &Ports,
    policy: &ConversationPolicy,
    user: &User,
    req: &TurnRequest,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(Conversation, Option<u64>), DomainError> {
    if let Some(id) = req.conversation_id {
        // Asked for by id: resumed even after a pause, as the client chose it.
        let c = p
            .conversations
            .get_conversation(&user.id, &id)
            .await?
            .ok_or(DomainError::NotFound("conversation"))?;
        let v = c.version;
        return Ok((c, Some(v)));
    }
    let latest = p
        .conversations
        .list_conversations(&user.id, &PageRequest { limit: Limit::new(1)?, after: None })
        .await?;
    if let Some(c) = latest.items.into_iter().next()
        && c.is_active(now, policy)
    {
        let v = c.version;
        return Ok((c, Some(v)));
    }
    let id = ConversationId::from_uuid(p.ids.new_id());
    Ok((Conversation::new(id, user.id, req.channel, text, now), None))
}

/// The recent messages the model sees, oldest first, starting at a user message: a window that
/// began inside a tool exchange would show results without their calls, which providers refuse.
async fn window(
    p: &Ports,
    owner: UserId,
    c: &Conversation,
    size: usize,
) -> Result<Vec<LlmMessage>, DomainError> {
    if c.message_count == 0 || size == 0 {
        return Ok(Vec::new());
    }
    let page = PageRequest { limit: Limit::new(size.min(usize::from(Limit::MAX)) as i64)?, after: None };
    let mut recent = p.conversations.list_messages(&owner, &c.id, &page).await?.items;
    recent.reverse();
    let start = recent.iter().position(|m| m.role == Speaker::User).unwrap_or(recent.len());
    Ok(recent[start..].iter().map(to_llm).collect())
}

/// The exchange with its tool calls and results written out as text, for a step that offers
/// no tools.
fn as_text(history: &[LlmMessage]) -> Vec<LlmMessage> {
    history
        .iter()
        .map(|m| match m {
            LlmMessage::Assistant { content, tool_calls } if !tool_calls.is_empty() => {
                let calls: Vec<String> =
                    tool_calls.iter().map(|c| format!("[called {} {}]", c.name, c.arguments)).collect();
                let text = content.iter().cloned().chain(calls).collect::<Vec<_>>().join("\n");
                LlmMessage::Assistant { content: Some(text), tool_calls: Vec::new() }
            }
            LlmMessage::Tool { name, content, .. } => {
                LlmMessage::User { content: format!("[result of {name}: {content}]") }
            }
            other => other.clone(),
        })
        .collect()
}

pub fn to_llm(m: &Message) -> LlmMessage {
    match m.role {
        Speaker::User => LlmMessage::User { content: m.content.clone() },
        Speaker::Assistant => LlmMessage::Assistant {
            content: Some(m.content.clone()).filter(|c| !c.is_empty()),
            tool_calls: m.tool_calls.clone(),
        },
        Speaker::Tool => LlmMessage::Tool {
            call_id: m.tool_call_id.clone().unwrap_or_default(),
            name: m.tool_name.clone().unwrap_or_default(),
            content: m.content.clone(),
            is_error: m.is_error,
        },
    }
}

const PERSONA: &str = "You are Nudge, a warm, brief personal assistant for people with ADHD. \
You keep their tasks and reminders and help them follow through. Use the tools to act: never claim \
you set a reminder or added a task unless a tool call did it. Ask one short question when a request \
is ambiguous. Keep replies short enough for a text message; no lecturing.";

async fn system_prompt(
    p: &Ports,
    agent: &Agent,
    user: &User,
    c: &Conversation,
    query: &str,
    now: DateTime<Utc>,
    channel: ConversationChannel,
) -> Result<String, DomainError> {
    let tz = user.timezone.tz();
    let local = now.with_timezone(&tz);
    let mut s = format!(
        "{PERSONA}\n\nThe user is {}. Now it is {} ({}, {}). Times you pass to tools are local to that zone, as YYYY-MM-DDTHH:MM.",
        user.name.as_str(),
        local.format("%A %Y-%m-%d %H:%M"),
        tz.name(),
        local.format("UTC%:z"),
    );
    if channel == ConversationChannel::Sms {
        // Every character is paid for and read on a phone; markdown shows as symbols.
        s.push_str(&format!("\n\n{SMS_STYLE}"));
    }
    let assistant = AgentName::assistant();
    let (customizations, known) = try_join(
        prompts::active(p, user.id, &assistant),
        memories::relevant(
            p,
            agent.embedder.as_deref(),
            user.id,
            query,
            agent.config.memory_budget_tokens,
            12,
            memories::WhenNothingMatches::NewestFacts,
        ),
    )
    .await?;
    if !customizations.is_empty() {
        s.push_str("\n\nThe user's instructions for you:");
        for c in customizations {
            s.push_str(&format!("\n- ({}) {}", c.customization_type.as_str(), c.content));
        }
    }
    if let Some(summary) = &c.summary {
        s.push_str("\n\nEarlier in this conversation: ");
        s.push_str(summary);
    }
    if !known.is_empty() {
        s.push_str("\n\nWhat you know about the user (from memory):");
        for m in known {
            s.push_str("\n- ");
            s.push_str(&m.text);
        }
    }
    Ok(s)
}

fn message(p: &Ports, c: &Conversation, role: Speaker, content: String, now: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::from_uuid(p.ids.new_id()),
        conversation_id: c.id,
        user_id: c.user_id,
        role,
        content,
        tool_calls: Vec::new(),
        tool_call_id: None,
        tool_name: None,
        is_error: false,
        usage: None,
        created_at: now,
    }
}

fn model_error(e: LlmError) -> DomainError {
    match e {
        LlmError::Timeout => DomainError::Unavailable("the language model timed out".into()),
        other => DomainError::Unavailable(other.to_string()),
    }
}

/// When the model ran out of steps without a word: say what was done, in words.
fn fallback_reply(actions: &[Action]) -> String {
    let mut done: Vec<&str> = actions
        .iter()
        .filter(|a| a.ok)
        .map(|a| match a.tool.as_str() {
            "create_task" => "added a task",
            "update_task" => "changed a task",
            "complete_task" => "checked off a task",
            "create_reminder" => "set a reminder",
            "cancel_reminder" => "cancelled a reminder",
            "snooze_reminder" => "snoozed a reminder",
            "remember" => "saved a note",
            "forget" => "forgot a note",
            _ => "looked things up",
        })
        .collect();
    done.dedup();
    if done.is_empty() {
        "Sorry, I couldn't finish that. Could you say it another way?".into()
    } else {
        format!("I {} but couldn't finish the rest. Could you say what's still missing?", done.join(", "))
    }
}

/// Stores the turn; if another turn of the conversation landed meanwhile, counts on top of it.
async fn save(
    p: &Ports,
    mut c: Conversation,
    mut expected: Option<u64>,
    messages: &[Message],
    usage: Usage,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    for attempt in 1..=SAVE_ATTEMPTS {
        c.message_count += messages.len() as u64;
        c.usage += usage;
        c.last_active_at = now.max(c.last_active_at);
        c.version = expected.map_or(1, |v| v + 1);
        match p.conversations.save_turn(&c, expected, messages).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) if attempt < SAVE_ATTEMPTS && expected.is_some() => {
                c = p
                    .conversations
                    .get_conversation(&c.user_id, &c.id)
                    .await?
                    .ok_or(DomainError::NotFound("conversation"))?;
                expected = Some(c.version);
            }
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the loop returns on its last attempt")
}
