//! Prompt customization use cases (seed 002's PromptCustomizationService): each user creates,
//! lists and changes only their own; the active ones shape the agent's system prompt.

use crate::{
    AgentName, CustomizationId, CustomizationType, DomainError, Instructions, Limit, Page, PageRequest,
    Ports, PromptCustomization, StoreError, UserId,
};

#[derive(Debug, Clone)]
pub struct NewCustomization {
    pub customization_type: CustomizationType,
    pub content: Instructions,
    pub is_active: bool,
    pub priority: i32,
}

/// `PUT`: the fields to change.
#[derive(Debug, Clone, Default)]
pub struct CustomizationChanges {
    pub customization_type: Option<CustomizationType>,
    pub content: Option<Instructions>,
    pub is_active: Option<bool>,
    pub priority: Option<i32>,
    pub expected_version: Option<u64>,
}

/// How many customizations a user may keep per agent: each one costs prompt tokens every turn.
pub const MAX_PER_AGENT: usize = 20;

pub async fn create(
    p: &Ports,
    owner: UserId,
    agent: AgentName,
    new: NewCustomization,
) -> Result<PromptCustomization, DomainError> {
    if all(p, owner, &agent).await?.len() >= MAX_PER_AGENT {
        return Err(DomainError::Conflict(format!(
            "at most {MAX_PER_AGENT} customizations per agent; change or deactivate one"
        )));
    }
    let now = p.clock.now();
    let c = PromptCustomization {
        id: CustomizationId::from_uuid(p.ids.new_id()),
        user_id: owner,
        agent_name: agent,
        customization_type: new.customization_type,
        content: new.content,
        is_active: new.is_active,
        priority: new.priority,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    p.prompts.insert_customization(&c).await?;
    Ok(c)
}

pub async fn list(
    p: &Ports,
    owner: UserId,
    agent: &AgentName,
    page: &PageRequest<CustomizationId>,
) -> Result<Page<PromptCustomization, CustomizationId>, DomainError> {
    Ok(p.prompts.list_customizations(&owner, agent, page).await?)
}

/// Changes one of the owner's customizations of `agent`; another user's, or another agent's,
/// is not found.
pub async fn update(
    p: &Ports,
    owner: UserId,
    agent: &AgentName,
    id: CustomizationId,
    changes: CustomizationChanges,
) -> Result<PromptCustomization, DomainError> {
    let mut c = p
        .prompts
        .get_customization(&owner, &id)
        .await?
        .filter(|c| &c.agent_name == agent)
        .ok_or(DomainError::NotFound("prompt customization"))?;
    let read = c.version;
    if let Some(v) = changes.expected_version
        && v != read
    {
        return Err(DomainError::Conflict(format!(
            "version {v} is stale: the customization is at version {read}; fetch it and try again"
        )));
    }
    if let Some(t) = changes.customization_type {
        c.customization_type = t;
    }
    if let Some(content) = changes.content {
        c.content = content;
    }
    if let Some(a) = changes.is_active {
        c.is_active = a;
    }
    if let Some(pr) = changes.priority {
        c.priority = pr;
    }
    c.version = read + 1;
    c.updated_at = p.clock.now().max(c.updated_at);
    match p.prompts.replace_customization(&c, read).await {
        Ok(()) => Ok(c),
        Err(StoreError::Conflict(_)) => {
            Err(DomainError::Conflict("the customization changed meanwhile; fetch it and try again".into()))
        }
        Err(StoreError::NotFound) => Err(DomainError::NotFound("prompt customization")),
        Err(e) => Err(e.into()),
    }
}

async fn all(p: &Ports, owner: UserId, agent: &AgentName) -> Result<Vec<PromptCustomization>, StoreError> {
    let page = PageRequest { limit: Limit::new(100).expect("100 is a valid limit"), after: None };
    Ok(p.prompts.list_customizations(&owner, agent, &page).await?.items)
}

/// The active customizations of `agent`, highest priority first (then oldest first, so a
/// newer one does not silently reorder the older ones).
pub async fn active(
    p: &Ports,
    owner: UserId,
    agent: &AgentName,
) -> Result<Vec<PromptCustomization>, StoreError> {
    let mut active: Vec<_> = all(p, owner, agent).await?.into_iter().filter(|c| c.is_active).collect();
    active.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    Ok(active)
}
