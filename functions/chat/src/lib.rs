//! The `chat` function: one agent turn per `POST /api/chat`, the caller's conversations and
//! their messages, long-term memories, and prompt customizations. Handlers decode, call the
//! domain (`agent`, `memories`, `prompts`), and encode.

mod dto;

use std::{sync::Arc, time::Duration};

use axum::{
    Extension, Router,
    extract::State,
    http::StatusCode,
    routing::{delete, get, post, put},
};
use nudge_domain::{
    Agent, AgentName, ConversationChannel, ConversationId, CustomizationId, DomainError, MemoryId,
    TurnRequest, agent, memories, prompts,
};
use nudge_http::{
    ApiError, ApiState, AuthUser, Envelope,
    envelope::{Deleted, PageBody},
    extract::{Json, Path, Query},
    openapi::{BearerAuth, Envelope as Doc, Failure},
    paging::{self, PageParams},
};

pub use dto::{ChatReply, ConversationView, CustomizationView, MemoryView, MessageView};
use dto::{ChatRequest, CreateCustomization, CreateMemory, UpdateCustomization};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(chat, conversations, messages, list_memories, create_memory, delete_memory,
        list_customizations, create_customization, update_customization),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "chat", description = "Talk to the assistant: one turn per request, tools and all"),
        (name = "memories", description = "What the assistant knows about the user: facts and notes"),
        (name = "prompt customizations", description = "The user's own instructions for an agent"),
    )
)]
pub struct ApiDoc;

/// How long a turn may take: API Gateway gives up at 29 s, so a slow model must end in a clear
/// answer well before that.
pub const TURN_TIMEOUT: Duration = Duration::from_secs(25);

/// The turn timeout, from `CHAT_TURN_TIMEOUT_SECS` (default 25).
pub fn turn_timeout_from_env() -> Duration {
    std::env::var("CHAT_TURN_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map_or(TURN_TIMEOUT, Duration::from_secs_f64)
}

#[derive(Clone)]
struct Turns {
    agent: Arc<Agent>,
    timeout: Duration,
}

pub fn routes(agent: Arc<Agent>, timeout: Duration) -> Router<ApiState> {
    Router::new()
        .route("/api/chat", post(chat))
        .route("/api/conversations", get(conversations))
        .route("/api/conversations/{id}/messages", get(messages))
        .route("/api/memories", get(list_memories).post(create_memory))
        .route("/api/memories/{id}", delete(delete_memory))
        .route(
            "/api/agents/{agent}/prompt-customizations",
            get(list_customizations).post(create_customization),
        )
        .route("/api/agents/{agent}/prompt-customizations/{id}", put(update_customization))
        .layer(Extension(Turns { agent, timeout }))
}

fn id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::validation("id", format!("is not a valid {what} id")))
}

/// One turn: the assistant reads the message, may run tools (tasks, reminders, memory), and
/// answers.
#[utoipa::path(post, path = "/api/chat", tag = "chat", request_body = ChatRequest, responses(
    (status = 200, body = Doc<ChatReply>), (status = 400, body = Failure), (status = 404, description = "no such conversation", body = Failure),
    (status = 429, description = "today's token budget is spent", body = Failure),
    (status = 503, description = "no model answered", body = Failure),
    (status = 504, description = "the model took too long", body = Failure),
))]
async fn chat(
    user: AuthUser,
    State(s): State<ApiState>,
    Extension(turns): Extension<Turns>,
    Json(body): Json<ChatRequest>,
) -> Result<Envelope<ChatReply>, ApiError> {
    let req = TurnRequest {
        message: body.message,
        conversation_id: body.conversation_id,
        channel: ConversationChannel::Api,
    };
    let turn = agent::run_turn(&s.ports, &turns.agent, user.0, req);
    match tokio::time::timeout(turns.timeout, turn).await {
        Ok(outcome) => Ok(Envelope::ok(outcome?.into(), "Replied")),
        Err(_) => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "MODEL_TIMEOUT",
            "the assistant took too long to answer and the turn was not saved; anything it already did (a task, a reminder) stays done, so check before asking again",
        )),
    }
}

/// The caller's conversations, newest first.
#[utoipa::path(get, path = "/api/conversations", tag = "chat", params(PageParams), responses(
    (status = 200, body = Doc<PageBody<ConversationView>>), (status = 400, body = Failure),
))]
async fn conversations(
    user: AuthUser,
    State(s): State<ApiState>,
    Query(params): Query<PageParams>,
) -> Result<Envelope<PageBody<ConversationView>>, ApiError> {
    let page = params.request(&s, "conversations", &user).await?;
    let found = s.ports.conversations.list_conversations(&user.0, &page).await.map_err(DomainError::from)?;
    Ok(Envelope::ok(
        paging::body(&s, "conversations", &user, found, ConversationView::from).await?,
        "Conversations listed",
    ))
}

/// A conversation's messages, newest first: what the user said, the assistant's replies and
/// tool calls, and the tools' results.
#[utoipa::path(get, path = "/api/conversations/{id}/messages", tag = "chat",
    params(("id" = ConversationId, Path), PageParams), responses(
    (status = 200, body = Doc<PageBody<MessageView>>), (status = 400, body = Failure), (status = 404, body = Failure),
))]
async fn messages(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(raw): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Envelope<PageBody<MessageView>>, ApiError> {
    let conversation: ConversationId = id(&raw, "conversation")?;
    s.ports
        .conversations
        .get_conversation(&user.0, &conversation)
        .await
        .map_err(DomainError::from)?
        .ok_or(DomainError::NotFound("conversation"))?;
    let list = format!("messages/{conversation}");
    let page = params.request(&s, &list, &user).await?;
    let found = s
        .ports
        .conversations
        .list_messages(&user.0, &conversation, &page)
        .await
        .map_err(DomainError::from)?;
    Ok(Envelope::ok(paging::body(&s, &list, &user, found, MessageView::from).await?, "Messages listed"))
}

/// What the assistant remembers about the caller, newest first.
#[utoipa::path(get, path = "/api/memories", tag = "memories", params(PageParams), responses(
    (status = 200, body = Doc<PageBody<MemoryView>>), (status = 400, body = Failure),
))]
async fn list_memories(
    user: AuthUser,
    State(s): State<ApiState>,
    Query(params): Query<PageParams>,
) -> Result<Envelope<PageBody<MemoryView>>, ApiError> {
    let page = params.request(&s, "memories", &user).await?;
    let found = memories::list_memories(&s.ports, user.0, &page).await?;
    Ok(Envelope::ok(paging::body(&s, "memories", &user, found, MemoryView::from).await?, "Memories listed"))
}

/// Adds a fact or a note; it is retrieved in later turns when relevant.
#[utoipa::path(post, path = "/api/memories", tag = "memories", request_body = CreateMemory, responses(
    (status = 201, body = Doc<MemoryView>), (status = 400, body = Failure),
))]
async fn create_memory(
    user: AuthUser,
    State(s): State<ApiState>,
    Extension(turns): Extension<Turns>,
    Json(body): Json<CreateMemory>,
) -> Result<Envelope<MemoryView>, ApiError> {
    let m = memories::add_memory(&s.ports, turns.agent.embedder.as_deref(), user.0, body.into_new()?).await?;
    Ok(Envelope::created(m.into(), "Memory added"))
}

/// Forgets a memory.
#[utoipa::path(delete, path = "/api/memories/{id}", tag = "memories", params(("id" = MemoryId, Path)), responses(
    (status = 200, body = Doc<Deleted<MemoryId>>), (status = 404, body = Failure),
))]
async fn delete_memory(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(raw): Path<String>,
) -> Result<Envelope<Deleted<MemoryId>>, ApiError> {
    let memory = id(&raw, "memory")?;
    memories::delete_memory(&s.ports, user.0, memory).await?;
    Ok(Envelope::ok(Deleted::of(memory), "Memory deleted"))
}

fn agent_name(raw: &str) -> Result<AgentName, ApiError> {
    Ok(AgentName::parse(raw)?)
}

/// The caller's customizations of an agent, newest first.
#[utoipa::path(get, path = "/api/agents/{agent}/prompt-customizations", tag = "prompt customizations",
    params(("agent" = String, Path, example = "assistant"), PageParams), responses(
    (status = 200, body = Doc<PageBody<CustomizationView>>), (status = 400, body = Failure),
))]
async fn list_customizations(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(agent): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Envelope<PageBody<CustomizationView>>, ApiError> {
    let agent = agent_name(&agent)?;
    let list = format!("prompt-customizations/{}", agent.as_str());
    let page = params.request(&s, &list, &user).await?;
    let found = prompts::list(&s.ports, user.0, &agent, &page).await?;
    Ok(Envelope::ok(
        paging::body(&s, &list, &user, found, CustomizationView::from).await?,
        "Customizations listed",
    ))
}

/// Adds an instruction for the agent; while active, it shapes the agent's system prompt.
#[utoipa::path(post, path = "/api/agents/{agent}/prompt-customizations", tag = "prompt customizations",
    params(("agent" = String, Path, example = "assistant")), request_body = CreateCustomization, responses(
    (status = 201, body = Doc<CustomizationView>), (status = 400, body = Failure), (status = 409, body = Failure),
))]
async fn create_customization(
    user: AuthUser,
    State(s): State<ApiState>,
    Path(agent): Path<String>,
    Json(body): Json<CreateCustomization>,
) -> Result<Envelope<CustomizationView>, ApiError> {
    let c = prompts::create(&s.ports, user.0, agent_name(&agent)?, body.into()).await?;
    Ok(Envelope::created(c.into(), "Customization created"))
}

/// Changes one of the caller's customizations.
#[utoipa::path(put, path = "/api/agents/{agent}/prompt-customizations/{id}", tag = "prompt customizations",
    params(("agent" = String, Path, example = "assistant"), ("id" = CustomizationId, Path)),
    request_body = UpdateCustomization, responses(
    (status = 200, body = Doc<CustomizationView>), (status = 400, body = Failure), (status = 404, body = Failure),
    (status = 409, body = Failure),
))]
async fn update_customization(
    user: AuthUser,
    State(s): State<ApiState>,
    Path((agent, raw)): Path<(String, String)>,
    Json(body): Json<UpdateCustomization>,
) -> Result<Envelope<CustomizationView>, ApiError> {
    let c = prompts::update(
        &s.ports,
        user.0,
        &agent_name(&agent)?,
        id(&raw, "prompt customization")?,
        body.into(),
    )
    .await?;
    Ok(Envelope::ok(c.into(), "Customization updated"))
}
