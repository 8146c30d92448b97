//! Embeddings through the OpenAI-compatible endpoint, as documented at
//! <https://platform.openai.com/docs/api-reference/embeddings/create>:
//! `POST {base_url}/embeddings {model, input: [...]}`.

use std::sync::Arc;

use async_trait::async_trait;
use nudge_domain::{Embedder, LlmError, SecretSource};
use serde::{Deserialize, Serialize};

use crate::{exchange, key};

/// An embedding model behind an OpenAI-compatible API.
pub struct OpenAiEmbedder {
    http: reqwest::Client,
    base_url: String,
    model: String,
    key: Option<Arc<dyn SecretSource>>,
}

impl OpenAiEmbedder {
    /// `base_url` as for [`crate::OpenAiCompatible`]; with no key no `Authorization` is sent.
    pub fn new(
        http: reqwest::Client,
        base_url: impl Into<String>,
        model: impl Into<String>,
        key: Option<Arc<dyn SecretSource>>,
    ) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { http, base_url, model: model.into(), key }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn model(&self) -> &str {
        &self.model
    }
}

#[derive(Serialize)]
struct EmbeddingsRequest<'a> {
    model: &'a str,
    input: &'a [String],
}

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<Embedding>,
}

#[derive(Deserialize)]
struct Embedding {
    index: usize,
    embedding: Vec<f32>,
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        // The API refuses an empty input; nothing to embed is no call.
        if texts.is_empty() {
            return Ok(vec![]);
        }
        let key = key::api_key(self.key.as_ref()).await?;
        let mut call = self
            .http
            .post(format!("{}/embeddings", self.base_url))
            .json(&EmbeddingsRequest { model: &self.model, input: texts });
        if let Some(key) = &key {
            call = call.bearer_auth(key);
        }
        let answer: EmbeddingsResponse = exchange::send_json(call, key.as_deref()).await?;
        in_input_order(answer.data, texts.len())
    }
}

/// The vectors in the order of the texts. The API numbers each one with its input's `index`
/// rather than promising the order, so they are placed by it; a missing or repeated index would
/// pair a vector with the wrong text, so it is an error.
fn in_input_order(data: Vec<Embedding>, expected: usize) -> Result<Vec<Vec<f32>>, LlmError> {
    let malformed = |why: &str| LlmError::Unavailable(format!("malformed embeddings: {why}"));
    if data.len() != expected {
        return Err(malformed(&format!("{} vectors for {expected} inputs", data.len())));
    }
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; expected];
    for item in data {
        let slot = slots.get_mut(item.index).ok_or_else(|| malformed("index out of range"))?;
        if slot.replace(item.embedding).is_some() {
            return Err(malformed("repeated index"));
        }
    }
    // With as many items as inputs, each in range and none repeated, every slot is filled.
    Ok(slots.into_iter().flatten().collect())
}
