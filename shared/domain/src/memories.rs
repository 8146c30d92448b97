//! Memory use cases: add (with a vector when an embedder is configured), list, forget, and
//! retrieve what is relevant to a message within a token budget.

use tracing::warn;

use crate::{
    DomainError, Embedder, Limit, Memory, MemoryContent, MemoryId, MemoryKind, MemorySource, Page,
    PageRequest, Ports, StoreError, UserId, retrieval,
};

/// A memory as a turn is told of it: which one, and its text (a long note may be cut).
#[derive(Debug, Clone, PartialEq)]
pub struct Recalled {
    pub id: MemoryId,
    pub text: String,
}

/// How many of a user's memories retrieval looks at (newest first). Ranking is in memory, so
/// this bounds a turn's reads: 5 pages of 100.
pub const RETRIEVAL_SCAN: usize = 500;

#[derive(Debug, Clone)]
pub struct NewMemory {
    /// Default: a new one. A learned memory's is derived from where it was learned.
    pub id: Option<MemoryId>,
    pub kind: MemoryKind,
    pub title: Option<String>,
    pub content: MemoryContent,
    pub source: MemorySource,
}

/// Adds a memory. With an embedder its vector is computed now; if the embedder fails the memory
/// is kept without one (BM25 still finds it) rather than lost.
/// The longest a fact may be: a fact is injected whole or not at all, and a long text is a
/// note (retrieved by its content and cut to fit).
pub const MAX_FACT_CHARS: usize = 1_000;

pub async fn add_memory(
    p: &Ports,
    embedder: Option<&dyn Embedder>,
    owner: UserId,
    new: NewMemory,
) -> Result<Memory, DomainError> {
    if new.kind == MemoryKind::Fact && new.content.as_str().chars().count() > MAX_FACT_CHARS {
        return Err(crate::ValidationError::new(
            "content",
            format!(
                "a fact is at most {MAX_FACT_CHARS} characters; send a longer text with \"kind\": \"note\""
            ),
        )
        .into());
    }
    let mut memory = Memory {
        id: new.id.unwrap_or_else(|| MemoryId::from_uuid(p.ids.new_id())),
        user_id: owner,
        kind: new.kind,
        title: new.title,
        content: new.content,
        source: new.source,
        embedding: None,
        created_at: p.clock.now(),
    };
    if let Some(e) = embedder {
        match e.embed(&[embedding_text(&memory)]).await {
            Ok(mut v) if v.len() == 1 => memory.embedding = v.pop(),
            Ok(_) => warn!("embedder answered the wrong number of vectors; memory kept without one"),
            Err(err) => warn!(error = %err, "embedding failed; memory kept without a vector"),
        }
    }
    p.memories.insert_memory(&memory).await?;
    Ok(memory)
}

/// Adds a memory unless one with its (derived) id exists: learning the same thing twice adds
/// it once. `None` when it was already there.
pub async fn add_memory_once(
    p: &Ports,
    embedder: Option<&dyn Embedder>,
    owner: UserId,
    new: NewMemory,
) -> Result<Option<Memory>, DomainError> {
    match add_memory(p, embedder, owner, new).await {
        Ok(m) => Ok(Some(m)),
        Err(DomainError::Conflict(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn get_memory(p: &Ports, owner: UserId, id: MemoryId) -> Result<Memory, DomainError> {
    p.memories.get_memory(&owner, &id).await?.ok_or(DomainError::NotFound("memory"))
}

pub async fn list_memories(
    p: &Ports,
    owner: UserId,
    page: &PageRequest<MemoryId>,
) -> Result<Page<Memory, MemoryId>, DomainError> {
    Ok(p.memories.list_memories(&owner, page).await?)
}

pub async fn delete_memory(p: &Ports, owner: UserId, id: MemoryId) -> Result<(), DomainError> {
    if p.memories.delete_memory(&owner, &id).await? { Ok(()) } else { Err(DomainError::NotFound("memory")) }
}

/// The user's memories, newest first, up to `max`.
pub async fn recent_memories(p: &Ports, owner: UserId, max: usize) -> Result<Vec<Memory>, StoreError> {
    let mut all = Vec::new();
    let mut page = PageRequest { limit: Limit::new(100).expect("100 is a valid limit"), after: None };
    loop {
        let got = p.memories.list_memories(&owner, &page).await?;
        all.extend(got.items);
        match got.next {
            Some(after) if all.len() < max => page.after = Some(after),
            _ => break,
        }
    }
    all.truncate(max);
    Ok(all)
}

/// What to give when nothing matches the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenNothingMatches {
    /// The newest facts, so a model still knows the basics (the system prompt).
    NewestFacts,
    /// Nothing (an answer to "what's my passport number" is not the locker code).
    Nothing,
}

/// The memories most relevant to `query`, best first, within `budget_tokens`: by embeddings
/// when an embedder is configured and it answers, else BM25.
pub async fn relevant(
    p: &Ports,
    embedder: Option<&dyn Embedder>,
    owner: UserId,
    query: &str,
    budget_tokens: usize,
    max_items: usize,
    otherwise: WhenNothingMatches,
) -> Result<Vec<Recalled>, StoreError> {
    let docs = recent_memories(p, owner, RETRIEVAL_SCAN).await?;
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    let mut ranked = Vec::new();
    if let Some(e) = embedder
        && docs.iter().any(|d| d.embedding.is_some())
    {
        match e.embed(&[query.to_owned()]).await {
            Ok(v) if v.len() == 1 => ranked = retrieval::by_embedding(&v[0], &docs, MIN_SIMILARITY),
            Ok(_) => warn!("embedder answered the wrong number of vectors; using BM25"),
            Err(err) => warn!(error = %err, "query embedding failed; using BM25"),
        }
    }
    if ranked.is_empty() {
        ranked = retrieval::bm25(query, &docs);
    }
    if ranked.is_empty() && otherwise == WhenNothingMatches::NewestFacts {
        ranked = retrieval::recent_facts(&docs, max_items).into_iter().map(|i| (i, 0.0)).collect();
    }
    Ok(retrieval::select_within_budget(&ranked, &docs, budget_tokens, max_items)
        .into_iter()
        .map(|i| Recalled { id: docs[i.index].id, text: i.text })
        .collect())
}

/// Below this cosine similarity a memory is not about the message.
const MIN_SIMILARITY: f32 = 0.25;

fn embedding_text(m: &Memory) -> String {
    match &m.title {
        Some(t) => format!("{t}: {}", m.content),
        None => m.content.to_string(),
    }
}
