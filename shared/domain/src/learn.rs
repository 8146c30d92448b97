//! Background learning (seed 000's BackgroundService), run by `agent-worker` off the response
//! path: new long-term memories from a finished turn, and the rolling summary of what left the
//! conversation's window. Delivered twice, it has one effect: learned memories have ids derived
//! from the message, and the summary advances under the conversation's version.

use chrono::{DateTime, Utc};
use tracing::warn;

use crate::{
    Agent, Conversation, ConversationId, DomainError, Limit, LlmMessage, LlmRequest, MemoryContent, MemoryId,
    MemoryKind, MemorySource, Message, MessageId, PageRequest, Ports, Speaker, StoreError, UserId, memories,
    users,
};

/// What one learning pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Learned {
    pub memories: usize,
    pub summarized: u64,
}

/// Facts kept from one turn, at most.
const MAX_FACTS: usize = 5;
/// The rolling summary's length, at most; older lines give way to newer ones.
const SUMMARY_CHARS: usize = 2_000;

pub async fn learn(
    p: &Ports,
    agent: &Agent,
    owner: UserId,
    conversation: ConversationId,
    message: MessageId,
) -> Result<Learned, DomainError> {
    let Some(c) = p.conversations.get_conversation(&owner, &conversation).await? else {
        return Ok(Learned::default());
    };
    let recent = newest(p, owner, conversation, 100).await?;
    let mut learned = Learned::default();
    if let Some(turn) = turn_of(&recent, message) {
        learned.memories = remember_facts(p, agent, owner, message, &turn).await?;
    }
    learned.summarized = summarize(p, agent, c, &recent).await?;
    Ok(learned)
}

async fn newest(p: &Ports, owner: UserId, c: ConversationId, n: i64) -> Result<Vec<Message>, StoreError> {
    let page = PageRequest { limit: Limit::new(n).expect("a valid limit"), after: None };
    Ok(p.conversations.list_messages(&owner, &c, &page).await?.items)
}

/// The turn a user message started, oldest first: it and what followed until the next one.
fn turn_of(newest_first: &[Message], message: MessageId) -> Option<Vec<Message>> {
    let at = newest_first.iter().position(|m| m.id == message && m.role == Speaker::User)?;
    let mut turn = vec![newest_first[at].clone()];
    turn.extend(newest_first[..at].iter().rev().take_while(|m| m.role != Speaker::User).cloned());
    Some(turn)
}

async fn remember_facts(
    p: &Ports,
    agent: &Agent,
    owner: UserId,
    message: MessageId,
    turn: &[Message],
) -> Result<usize, DomainError> {
    // Asked for explicitly in the turn: already remembered, as the user put it.
    if turn.iter().any(|m| m.tool_name.as_deref() == Some("remember") && !m.is_error) {
        return Ok(0);
    }
    let said = &turn[0].content;
    let facts = if agent.model.name() == crate::llm::OFFLINE_MODEL {
        facts_by_rule(said)
    } else {
        let reply =
            turn.iter().rev().find(|m| m.role == Speaker::Assistant).map_or("", |m| m.content.as_str());
        facts_by_model(p, agent, owner, said, reply, turn[0].created_at).await
    };
    let mut added = 0;
    for (n, fact) in facts.into_iter().take(MAX_FACTS).enumerate() {
        let Ok(content) = MemoryContent::parse(&fact) else { continue };
        let new = memories::NewMemory {
            id: Some(MemoryId::learned_from(message, n)),
            kind: MemoryKind::Fact,
            title: None,
            content,
            source: MemorySource::Learned,
        };
        if memories::add_memory_once(p, agent.embedder.as_deref(), owner, new).await?.is_some() {
            added += 1;
        }
    }
    Ok(added)
}

/// Durable facts in what the user said, by simple rules: a statement (not a question, not a
/// request) about themselves that begins the way such facts do.
pub fn facts_by_rule(said: &str) -> Vec<String> {
    const OPENINGS: &[&str] = &[
        "i am allergic",
        "i'm allergic",
        "im allergic",
        "i take ",
        "i usually ",
        "i always ",
        "i prefer ",
        "i like ",
        "i love ",
        "i hate ",
        "i don't like ",
        "i dont like ",
        "i work ",
        "i live ",
        "i have adhd",
        "i have a ",
        "i have two ",
        "i wake up ",
        "i go to bed ",
        "call me ",
        "my ",
    ];
    said.split(['.', '!', '\n', ';'])
        .map(str::trim)
        .filter(|s| {
            let l = s.to_lowercase();
            s.split_whitespace().count() >= 3
                && !s.ends_with('?')
                && !l.contains("remind")
                && !l.starts_with("my name is not")
                && OPENINGS.iter().any(|o| l.starts_with(o))
                && (!l.starts_with("my ") || l.contains(" is ") || l.contains(" are "))
        })
        .map(|s| s.trim_end_matches('?').to_owned())
        .collect()
}

const EXTRACT: &str = "From this exchange, list durable facts about the user worth remembering in later \
conversations (health routines, preferences, people, places, schedules). Not requests, not one-off \
plans, nothing already obvious. Answer with only a JSON array of short strings in the third person, \
[] if none.";

async fn facts_by_model(
    p: &Ports,
    agent: &Agent,
    owner: UserId,
    said: &str,
    reply: &str,
    at: DateTime<Utc>,
) -> Vec<String> {
    let Ok(user) = users::get_user(p, owner).await else { return Vec::new() };
    let request = LlmRequest {
        system: EXTRACT.into(),
        messages: vec![LlmMessage::User { content: format!("User: {said}\nAssistant: {reply}") }],
        tools: Vec::new(),
        max_tokens: 300,
        now: at,
        timezone: user.timezone.tz(),
    };
    match agent.model.complete(&request).await {
        Ok(answer) => {
            if answer.usage.total() > 0
                && let Err(e) = p.usage.add_tokens(&owner, at.date_naive(), answer.usage.total()).await
            {
                warn!(error = %e, "could not count learning tokens");
            }
            json_strings(answer.content.as_deref().unwrap_or(""))
        }
        Err(e) => {
            warn!(error = %e, "memory extraction by the model failed; nothing learned");
            Vec::new()
        }
    }
}

/// The JSON array of strings in a model's answer (models wrap it in prose or code fences).
fn json_strings(text: &str) -> Vec<String> {
    let (Some(start), Some(end)) = (text.find('['), text.rfind(']')) else { return Vec::new() };
    if end < start {
        return Vec::new();
    }
    serde_json::from_str::<Vec<String>>(&text[start..=end])
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.chars().count() <= 300)
        .collect()
}

/// Folds the messages that left the window into the summary. Returns how many it folded.
async fn summarize(
    p: &Ports,
    agent: &Agent,
    c: Conversation,
    newest_first: &[Message],
) -> Result<u64, DomainError> {
    let policy = &agent.config.policy;
    let overflow = c.unsummarized_overflow(policy);
    if overflow == 0 {
        return Ok(0);
    }
    // Newest first: past the window, the first `overflow` messages are the ones that left it
    // since the last fold (older ones are in the summary already); folded oldest first.
    let mut fold: Vec<&Message> = newest_first.iter().skip(policy.window).take(overflow as usize).collect();
    fold.reverse();
    if fold.is_empty() {
        return Ok(0);
    }
    let lines: Vec<String> = fold
        .iter()
        .filter(|m| m.role != Speaker::Tool && !m.content.is_empty())
        .map(|m| {
            let who = if m.role == Speaker::User { "User" } else { "Nudge" };
            format!("{who}: {}", m.content.chars().take(160).collect::<String>())
        })
        .collect();
    let summary = if agent.model.name() == crate::llm::OFFLINE_MODEL {
        extractive(c.summary.as_deref(), &lines)
    } else {
        summarize_by_model(agent, &c, &lines, fold[0].created_at)
            .await
            .unwrap_or_else(|| extractive(c.summary.as_deref(), &lines))
    };
    let mut next = c.clone();
    next.summary = Some(summary);
    // Messages too far back to have been read are passed over rather than folded later, out
    // of order (learning runs after each turn, so there are none unless it fell far behind).
    next.summarized += overflow;
    next.version = c.version + 1;
    match p.conversations.replace_conversation(&next, c.version).await {
        Ok(()) => Ok(fold.len() as u64),
        // A turn landed meanwhile: the next learning pass folds from the fresh state.
        Err(StoreError::Conflict(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// The summary without a model: the earlier summary and the new lines, trimmed from the front
/// to [`SUMMARY_CHARS`] at a line boundary.
fn extractive(previous: Option<&str>, lines: &[String]) -> String {
    let mut all: Vec<&str> = previous.map(|p| p.lines().collect()).unwrap_or_default();
    all.extend(lines.iter().map(String::as_str));
    let mut kept: Vec<&str> = Vec::new();
    let mut size = 0;
    for line in all.iter().rev() {
        size += line.len() + 1;
        if size > SUMMARY_CHARS {
            break;
        }
        kept.push(line);
    }
    kept.reverse();
    kept.join("\n")
}

async fn summarize_by_model(
    agent: &Agent,
    c: &Conversation,
    lines: &[String],
    at: DateTime<Utc>,
) -> Option<String> {
    let request = LlmRequest {
        system: format!(
            "Update the running summary of a conversation with the messages below. Keep what matters \
             for continuing it (requests, decisions, open questions), at most {SUMMARY_CHARS} characters. \
             Answer with the summary only."
        ),
        messages: vec![LlmMessage::User {
            content: format!(
                "Summary so far: {}\n\nMessages:\n{}",
                c.summary.as_deref().unwrap_or("(none)"),
                lines.join("\n")
            ),
        }],
        tools: Vec::new(),
        max_tokens: 600,
        now: at,
        timezone: chrono_tz::UTC,
    };
    match agent.model.complete(&request).await {
        Ok(a) => a.content.filter(|s| !s.trim().is_empty()).map(|s| s.chars().take(SUMMARY_CHARS).collect()),
        Err(e) => {
            warn!(error = %e, "summary by the model failed; keeping an extractive one");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_keep_statements_about_the_user_and_nothing_else() {
        assert_eq!(facts_by_rule("I take my meds at 9. Can you help?"), vec!["I take my meds at 9"]);
        assert_eq!(facts_by_rule("my locker code is 4411"), vec!["my locker code is 4411"]);
        assert_eq!(facts_by_rule("I'm allergic to penicillin!"), vec!["I'm allergic to penicillin"]);
        assert!(facts_by_rule("what's my locker code?").is_empty());
        assert!(facts_by_rule("remind me to take my meds at 9pm").is_empty());
        assert!(facts_by_rule("my bad").is_empty());
        assert!(facts_by_rule("add buy milk").is_empty());
    }

    #[test]
    fn model_answers_are_read_for_their_json_array() {
        assert_eq!(json_strings("Sure:\n```json\n[\"Takes meds at 9\", \"\"]\n```"), vec!["Takes meds at 9"]);
        assert!(json_strings("none").is_empty());
        assert!(json_strings("] oops [").is_empty());
    }

    #[test]
    fn the_extractive_summary_keeps_the_newest_lines_within_its_size() {
        let lines: Vec<String> =
            (0..100).map(|i| format!("User: message number {i} with some words")).collect();
        let s = extractive(Some("User: the very first"), &lines);
        assert!(s.len() <= SUMMARY_CHARS);
        assert!(s.ends_with("message number 99 with some words"));
        assert!(!s.contains("the very first"));
        assert_eq!(extractive(None, &["User: hi".into()]), "User: hi");
    }
}
