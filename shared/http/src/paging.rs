//! `?limit=` and `?cursor=` for every list: the cursor is signed and bound to the list and
//! the caller, so it can neither be forged nor replayed on another user's list.

use std::{fmt::Display, str::FromStr};

use nudge_domain::{Limit, Page, PageRequest, ValidationError};
use serde::Deserialize;

use crate::{ApiError, ApiState, AuthUser, cursor, envelope::PageBody};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// 1 to 100, default 20.
    pub limit: Option<String>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

fn scope(list: &str, user: &AuthUser) -> String {
    format!("{list}:{}", user.0)
}

impl PageParams {
    pub async fn request<Id: FromStr>(
        &self,
        s: &ApiState,
        list: &str,
        user: &AuthUser,
    ) -> Result<PageRequest<Id>, ApiError> {
        let limit = match &self.limit {
            None => Limit::default(),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .map_err(|_| ValidationError::new("limit", "must be between 1 and 100"))
                .and_then(Limit::new)?,
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                let keys = s.auth.keys().await?;
                let raw = cursor::decode(keys.cursor_key(), &scope(list, user), c)?;
                Some(raw.parse().map_err(|_| ApiError::validation("cursor", "is not valid"))?)
            }
        };
        Ok(PageRequest { limit, after })
    }
}

/// A page as the envelope carries it, with the signed cursor of the next one.
pub async fn body<T, U, Id: Display>(
    s: &ApiState,
    list: &str,
    user: &AuthUser,
    page: Page<T, Id>,
    view: impl Fn(T) -> U,
) -> Result<PageBody<U>, ApiError> {
    let next_cursor = match page.next {
        Some(id) => {
            let keys = s.auth.keys().await?;
            Some(cursor::encode(keys.cursor_key(), &scope(list, user), &id.to_string()))
        }
        None => None,
    };
    Ok(PageBody { items: page.items.into_iter().map(view).collect(), next_cursor })
}
