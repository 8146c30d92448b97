//! Small serde helpers for request bodies.

use serde::{Deserialize, Deserializer};

/// For a field that may be absent (leave it), `null` (clear it) or a value (set it):
/// use with `#[serde(default, deserialize_with = "nullable")]` on an `Option<Option<T>>`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
