use serde::Serialize;

use crate::ValidationError;

/// How many items a page holds: 1 to 100, 20 when the client does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u16);

impl Limit {
    pub const MAX: u16 = 100;
    pub const DEFAULT: Limit = Limit(20);

    pub fn new(n: i64) -> Result<Self, ValidationError> {
        if (1..=i64::from(Self::MAX)).contains(&n) {
            Ok(Self(n as u16))
        } else {
            Err(ValidationError::new("limit", "must be between 1 and 100"))
        }
    }
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A page to fetch: at most `limit` items strictly after the key `after` (in the list's order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest<K> {
    pub limit: Limit,
    pub after: Option<K>,
}

impl<K> Default for PageRequest<K> {
    fn default() -> Self {
        Self { limit: Limit::DEFAULT, after: None }
    }
}

/// One page and the key to continue after, if there is more.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T, K> {
    pub items: Vec<T>,
    pub next: Option<K>,
}

impl<T, K> Page<T, K> {
    /// The page out of items read in order, up to one more than `limit`: a store reads one extra
    /// to tell whether there is a next page without a second query.
    pub fn from_overfetch(mut items: Vec<T>, limit: Limit, key: impl Fn(&T) -> K) -> Self {
        let next = if items.len() > limit.get() {
            items.truncate(limit.get());
            items.last().map(key)
        } else {
            None
        };
        Self { items, next }
    }
}
