//! User use cases.

use crate::{DomainError, Email, PersonName, PhoneNumber, Ports, Role, StoreError, TimeZone, User, UserId};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: PersonName,
    pub phone: PhoneNumber,
    pub email: Option<Email>,
    pub timezone: TimeZone,
    pub roles: Vec<Role>,
}

/// Adds a user; the phone number must not belong to anyone yet. Everyone holds the `user` role.
pub async fn create_user(p: &Ports, new: NewUser) -> Result<User, DomainError> {
    let now = p.clock.now();
    let mut roles = new.roles;
    if !roles.contains(&Role::User) {
        roles.insert(0, Role::User);
    }
    roles.dedup();
    let user = User {
        id: UserId::from_uuid(p.ids.new_id()),
        name: new.name,
        phone: new.phone,
        email: new.email,
        timezone: new.timezone,
        roles,
        created_at: now,
        updated_at: now,
    };
    match p.users.create_user(&user).await {
        Ok(()) => Ok(user),
        Err(StoreError::Conflict(_)) => {
            Err(DomainError::Conflict(format!("the phone number {} is already registered", user.phone)))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn get_user(p: &Ports, id: UserId) -> Result<User, DomainError> {
    p.users.get_user(&id).await?.ok_or(DomainError::NotFound("user"))
}

/// The user behind a request; a token whose user is gone no longer authenticates anyone.
pub async fn caller(p: &Ports, id: UserId) -> Result<User, DomainError> {
    p.users
        .get_user(&id)
        .await?
        .ok_or_else(|| DomainError::Unauthorized("the token's user no longer exists".into()))
}

/// The user behind a request, who must be an admin.
pub async fn require_admin(p: &Ports, id: UserId) -> Result<User, DomainError> {
    let user = caller(p, id).await?;
    if user.is_admin() { Ok(user) } else { Err(DomainError::Forbidden("this needs the admin role".into())) }
}
