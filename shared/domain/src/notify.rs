//! The notifier's use case: deliver one queued notification, once, however often its message
//! arrives; record every attempt.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{
    Address, Attempt, AttemptOutcome, Channel, DomainError, Email, NotificationId, NotifyMessage, Page,
    PageRequest, Ports, Secret, SendError, Senders, StoreError, User, UserId, notification::LEASE,
};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    Skipped,
    /// Failed for good (recorded); the message is done.
    Failed,
    /// Sent, skipped or failed before: this was a duplicate.
    AlreadyDone,
    /// Failed this time, or another notifier holds it: deliver the message again later.
    Retry,
}

pub async fn deliver(p: &Ports, senders: &Senders, m: &NotifyMessage) -> Result<Delivery, DomainError> {
    let Some(mut n) = p.notifications.get_notification(&m.user_id, &m.notification_id).await? else {
        // Deleted with its user: nothing to do.
        return Ok(Delivery::AlreadyDone);
    };
    if n.is_final() {
        return Ok(Delivery::AlreadyDone);
    }
    let now = p.clock.now();
    if n.lease_until.is_some_and(|t| t > now) {
        return Ok(Delivery::Retry);
    }
    // Take the lease: of two deliveries of one message, one goes on, the other retries later
    // and then finds it sent.
    let read = n.version;
    n.lease_until = Some(now + LEASE);
    n.version += 1;
    match p.notifications.replace_notification(&n, read).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Ok(Delivery::Retry),
        Err(StoreError::NotFound) => return Ok(Delivery::AlreadyDone),
        Err(e) => return Err(e.into()),
    }
    let user = p.users.get_user(&n.user_id).await?;
    let (outcome, provider_id, error, permanent) = match address(senders, user.as_ref(), &n).await? {
        Err(reason) => (AttemptOutcome::Skipped, None, Some(reason), true),
        Ok(to) => {
            let sender = match n.channel {
                Channel::Sms => &senders.sms,
                Channel::Email => &senders.email,
                Channel::Webhook => &senders.webhook,
                Channel::Console => &senders.console,
            };
            match sender.send(&to, &n).await {
                Ok(id) => (AttemptOutcome::Sent, Some(id), None, false),
                Err(SendError::Permanent(e)) => (AttemptOutcome::Failed, None, Some(e), true),
                Err(SendError::Retryable(e)) => (AttemptOutcome::Failed, None, Some(e), false),
            }
        }
    };
    let done = p.clock.now();
    let attempt = Attempt { at: done, outcome, provider_id, error };
    // The attempt happened: record it even if the notification moved on meanwhile (a tick
    // re-enqueueing it), on a fresh read, or the next delivery would send it again.
    for _ in 0..3 {
        let read = n.version;
        n.record(done, attempt.clone(), permanent);
        match p.notifications.replace_notification(&n, read).await {
            Ok(()) | Err(StoreError::NotFound) => break,
            Err(StoreError::Conflict(_)) => {
                match p.notifications.get_notification(&m.user_id, &m.notification_id).await? {
                    Some(fresh) if !fresh.is_final() => n = fresh,
                    _ => break,
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(notification = %n.id, channel = n.channel.as_str(), status = ?n.status, "delivery");
    Ok(match (outcome, n.is_final()) {
        (AttemptOutcome::Sent, _) => Delivery::Sent,
        (AttemptOutcome::Skipped, _) => Delivery::Skipped,
        (AttemptOutcome::Failed, true) => Delivery::Failed,
        (AttemptOutcome::Failed, false) => Delivery::Retry,
    })
}

/// Where the user is reached on `channel`, or why they are not.
async fn address(
    s: &Senders,
    user: Option<&User>,
    n: &crate::Notification,
) -> Result<Result<Address, String>, DomainError> {
    let Some(user) = user else { return Ok(Err("the user no longer exists".into())) };
    // A message on the user's behalf goes where they approved it to go.
    if let Some(to) = &n.to {
        return Ok(match (n.channel, Email::parse(to)) {
            (Channel::Email, Ok(email)) => Ok(Address::Email(email)),
            _ => Err(format!("cannot send {} to {to}", n.channel.as_str())),
        });
    }
    Ok(match n.channel {
        Channel::Sms if user.preferences.sms_opted_out => Err("the user opted out of SMS (STOP)".into()),
        Channel::Sms => Ok(Address::Phone(user.phone.clone())),
        Channel::Email => {
            user.email.clone().map(Address::Email).ok_or_else(|| "the user has no email address".into())
        }
        Channel::Webhook => match &user.preferences.webhook_url {
            Some(url) => {
                let key = s.webhook_key.secret().await.map_err(DomainError::from)?;
                Ok(Address::Webhook { url: url.as_str().to_owned(), secret: webhook_secret(&key, user.id) })
            }
            None => Err("the user has no webhook URL".into()),
        },
        Channel::Console => Ok(Address::Console),
    })
}

/// A user's webhook signing secret, derived from the deployment's key so that nothing more is
/// stored: each user's receiver can check its own webhooks and forge no one else's.
pub fn webhook_secret(key: &Secret, user: UserId) -> Secret {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose()).expect("HMAC takes any key length");
    mac.update(format!("nudge/webhook/v1/{user}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    Secret::new(format!("whsec_{hex}").into_bytes())
}

/// The caller's notifications, newest first.
pub async fn list_notifications(
    p: &Ports,
    owner: UserId,
    page: &PageRequest<NotificationId>,
) -> Result<Page<crate::Notification, NotificationId>, DomainError> {
    Ok(p.notifications.list_notifications(&owner, page).await?)
}
