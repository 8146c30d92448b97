//! User use cases.

use crate::{
    Channel, DomainError, Email, Nag, PersonName, PhoneNumber, Ports, QuietHours, Recurrence, ReminderId,
    ReminderKind, ReminderText, Role, StoreError, TimeZone, User, UserId, WebhookUrl, reminders,
    schedule::LocalTime,
};

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
        preferences: Default::default(),
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

/// Changes to how a user is reached; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct PreferenceChanges {
    pub channel: Option<Channel>,
    pub quiet_hours: Option<Option<QuietHours>>,
    pub digest_at: Option<Option<LocalTime>>,
    pub sms_opted_out: Option<bool>,
    pub webhook_url: Option<Option<WebhookUrl>>,
}

/// Stores new preferences. The morning digest is a daily reminder kept in step with `digest_at`.
pub async fn update_preferences(p: &Ports, id: UserId, c: PreferenceChanges) -> Result<User, DomainError> {
    let mut user = caller(p, id).await?;
    let prefs = &mut user.preferences;
    if let Some(v) = c.channel {
        prefs.channel = v;
    }
    if let Some(v) = c.quiet_hours {
        prefs.quiet_hours = v;
    }
    if let Some(v) = c.sms_opted_out {
        prefs.sms_opted_out = v;
    }
    if let Some(v) = c.webhook_url {
        prefs.webhook_url = v;
    }
    // A new time, or a new channel for an existing digest, makes the digest reminder afresh.
    let digest_at = c.digest_at.or_else(|| c.channel.and(prefs.digest_at).map(Some));
    if let Some(digest_at) = digest_at {
        // The digest has one id per user: two updates at once cannot make two digests, and
        // one left by an update that failed half-way is the one replaced here.
        let digest = ReminderId::digest_of(id);
        p.reminders.delete_reminder(&id, &digest).await?;
        prefs.digest_at = digest_at;
        if let Some(at) = digest_at {
            let new = reminders::NewReminder {
                id: Some(digest),
                text: ReminderText::parse("Morning digest")?,
                due_at: at.next_after(user.timezone.tz(), p.clock.now()),
                timezone: None,
                recurrence: Some(Recurrence::parse("FREQ=DAILY")?),
                channel: Some(prefs.channel),
                made_on: None,
                task_id: None,
                nag: Some(Nag::NEVER),
                kind: ReminderKind::Digest,
            };
            match reminders::create_reminder(p, id, new).await {
                Ok(_) | Err(DomainError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    user.updated_at = p.clock.now();
    match p.users.save_user(&user).await {
        Ok(()) => Ok(user),
        Err(StoreError::NotFound) => Err(DomainError::NotFound("user")),
        Err(e) => Err(e.into()),
    }
}
