//! When reminders fire, with time injected: daylight-saving changes in four zones, monthly on
//! the 31st, leap days, catch-up after missed ticks, nags, snooze and quiet hours.

use chrono::{DateTime, Duration, Utc};
use nudge_domain::{
    FireKind, LocalTime, Nag, QuietHours, Recurrence, Reminder, ReminderId, ReminderStatus, ReminderText,
    Step, TimeZone, UserId, notification::wording,
};
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A reminder made at `now`, first due at `due` (RFC 3339 with offset), in `tz`.
fn reminder(tz: &str, due: &str, rule: Option<&str>, nag: Nag, now: &str) -> Reminder {
    let now = utc(now);
    let mut r = Reminder {
        recurrence: rule.map(|r| Recurrence::parse(r).unwrap()),
        nag,
        ..Reminder::new(
            ReminderId::from_uuid(Uuid::from_u128(1)),
            UserId::from_uuid(Uuid::from_u128(2)),
            ReminderText::parse("take meds").unwrap(),
            TimeZone::parse(tz).unwrap(),
            DateTime::parse_from_rfc3339(due).unwrap().to_utc(),
            now,
        )
    };
    r.schedule(now).unwrap();
    r
}

/// Runs ticks exactly when due and returns the first `n` firing times, as local RFC 3339.
fn firings(mut r: Reminder, n: usize) -> Vec<String> {
    let tz = r.timezone.tz();
    let mut out = vec![];
    while out.len() < n {
        let Some(at) = r.next_fire_at else { break };
        match r.step(at, None) {
            Step::Fire(_, next) => {
                out.push(at.with_timezone(&tz).to_rfc3339());
                r = *next;
            }
            other => panic!("expected a firing at {at}, got {other:?}"),
        }
    }
    out
}

#[test]
fn new_york_keeps_eight_oclock_through_both_changes() {
    let r = reminder(
        "America/New_York",
        "2026-03-07T08:00:00-05:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-03-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-03-07T08:00:00-05:00", "2026-03-08T08:00:00-04:00", "2026-03-09T08:00:00-04:00"]
    );
    let r = reminder(
        "America/New_York",
        "2026-10-31T08:00:00-04:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-10-30T00:00:00Z",
    );
    assert_eq!(firings(r, 2), ["2026-10-31T08:00:00-04:00", "2026-11-01T08:00:00-05:00"]);
}

#[test]
fn new_york_gap_moves_forward_and_fold_fires_once() {
    let r = reminder(
        "America/New_York",
        "2026-03-07T02:30:00-05:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-03-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-03-07T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"]
    );
    let r = reminder(
        "America/New_York",
        "2026-10-31T01:30:00-04:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-10-30T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]
    );
    // Hourly through the fold: 01:00 happens twice on the clock and fires once.
    let r = reminder(
        "America/New_York",
        "2026-11-01T00:00:00-04:00",
        Some("FREQ=HOURLY"),
        Nag::NEVER,
        "2026-10-30T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00"]
    );
}

#[test]
fn paris_gap_and_fold() {
    let r = reminder(
        "Europe/Paris",
        "2026-03-28T02:30:00+01:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-03-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-03-28T02:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"]
    );
    let r = reminder(
        "Europe/Paris",
        "2026-10-24T02:30:00+02:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-10-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]
    );
}

#[test]
fn lord_howe_half_hour_shift() {
    // Clocks go 02:00 → 02:30 on 4 October 2026 and 02:00 → 01:30 on 5 April 2026.
    let r = reminder(
        "Australia/Lord_Howe",
        "2026-10-03T02:15:00+10:30",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-10-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-10-03T02:15:00+10:30", "2026-10-04T02:45:00+11:00", "2026-10-05T02:15:00+11:00"]
    );
    let r = reminder(
        "Australia/Lord_Howe",
        "2026-04-04T01:45:00+11:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-04-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 3),
        ["2026-04-04T01:45:00+11:00", "2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]
    );
}

#[test]
fn kathmandu_quarter_hour_offset() {
    let r = reminder(
        "Asia/Kathmandu",
        "2026-11-23T09:00:00+05:45",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-11-22T00:00:00Z",
    );
    let r_utc = r.next_fire_at.unwrap();
    assert_eq!(r_utc, utc("2026-11-23T03:15:00Z"));
    assert_eq!(firings(r, 2), ["2026-11-23T09:00:00+05:45", "2026-11-24T09:00:00+05:45"]);
}

#[test]
fn monthly_on_the_31st_skips_short_months() {
    let r = reminder(
        "Europe/Paris",
        "2027-01-31T09:00:00+01:00",
        Some("FREQ=MONTHLY;BYMONTHDAY=31"),
        Nag::NEVER,
        "2027-01-01T00:00:00Z",
    );
    assert_eq!(
        firings(r, 5),
        [
            "2027-01-31T09:00:00+01:00",
            "2027-03-31T09:00:00+02:00",
            "2027-05-31T09:00:00+02:00",
            "2027-07-31T09:00:00+02:00",
            "2027-08-31T09:00:00+02:00",
        ]
    );
}

#[test]
fn leap_day_comes_every_four_years() {
    let r = reminder(
        "America/New_York",
        "2028-02-29T10:00:00-05:00",
        Some("FREQ=YEARLY"),
        Nag::NEVER,
        "2028-01-01T00:00:00Z",
    );
    assert_eq!(firings(r, 2), ["2028-02-29T10:00:00-05:00", "2032-02-29T10:00:00-05:00"]);
    let once =
        reminder("America/New_York", "2028-02-29T10:00:00-05:00", None, Nag::NEVER, "2028-01-01T00:00:00Z");
    assert_eq!(firings(once, 5), ["2028-02-29T10:00:00-05:00"]);
}

#[test]
fn weekdays_and_every_two_hours_between_nine_and_five() {
    // 2026-11-20 is a Friday.
    let r = reminder(
        "Europe/Paris",
        "2026-11-20T09:00:00+01:00",
        Some("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
        Nag::NEVER,
        "2026-11-19T00:00:00Z",
    );
    assert_eq!(firings(r, 2), ["2026-11-20T09:00:00+01:00", "2026-11-23T09:00:00+01:00"]);
    let r = reminder(
        "Europe/Paris",
        "2026-11-20T09:00:00+01:00",
        Some("FREQ=DAILY;BYHOUR=9,11,13,15,17;BYMINUTE=0"),
        Nag::NEVER,
        "2026-11-19T00:00:00Z",
    );
    let got = firings(r, 6);
    assert_eq!(got[0], "2026-11-20T09:00:00+01:00");
    assert_eq!(got[4], "2026-11-20T17:00:00+01:00");
    assert_eq!(got[5], "2026-11-21T09:00:00+01:00");
}

#[test]
fn count_and_until_end_a_recurrence() {
    let r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        Some("FREQ=DAILY;COUNT=2"),
        Nag::NEVER,
        "2026-11-22T00:00:00Z",
    );
    assert_eq!(firings(r, 5).len(), 2);
    let r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        Some("FREQ=DAILY;UNTIL=20261125T080000Z"),
        Nag::NEVER,
        "2026-11-22T00:00:00Z",
    );
    assert_eq!(firings(r, 5).len(), 3);
}

#[test]
fn missed_ticks_are_caught_up_once() {
    let r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        Some("FREQ=HOURLY"),
        Nag::NEVER,
        "2026-11-22T00:00:00Z",
    );
    // No tick ran from 09:00 to 11:59: the 12:00 tick fires the latest missed hour once.
    let Step::Fire(f, next) = r.step(utc("2026-11-23T11:00:30Z"), None) else { panic!() };
    assert_eq!(f.occurrence, utc("2026-11-23T11:00:00Z"));
    assert_eq!(next.next_fire_at, Some(utc("2026-11-23T12:00:00Z")));
    // A one-time reminder three ticks late still fires.
    let once =
        reminder("Europe/Paris", "2026-11-23T09:00:00+01:00", None, Nag::NEVER, "2026-11-22T00:00:00Z");
    assert!(matches!(once.step(utc("2026-11-23T08:03:00Z"), None), Step::Fire(..)));
    assert_eq!(once.step(utc("2026-11-23T07:59:00Z"), None), Step::Idle);
}

#[test]
fn nags_get_firmer_then_stop_and_acknowledge_ends_it() {
    let mut r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        None,
        Nag::new(10, 3).unwrap(),
        "2026-11-22T00:00:00Z",
    );
    let mut kinds = vec![];
    let mut seqs = vec![];
    while let Some(at) = r.next_fire_at {
        let Step::Fire(f, next) = r.step(at, None) else { panic!() };
        kinds.push((at.format("%H:%M").to_string(), f.kind));
        seqs.push(f.seq);
        r = *next;
    }
    assert_eq!(
        kinds,
        [
            ("08:00".into(), FireKind::First),
            ("08:10".into(), FireKind::Nag(1)),
            ("08:20".into(), FireKind::Nag(2)),
            ("08:30".into(), FireKind::Nag(3)),
        ]
    );
    assert_eq!(seqs, [0, 1, 2, 3]);
    assert_eq!(r.status, ReminderStatus::Due);
    assert_ne!(wording(FireKind::Nag(3), "x"), wording(FireKind::Nag(1), "x"));
    r.acknowledge(utc("2026-11-23T08:35:00Z"));
    assert_eq!((r.status, r.next_fire_at), (ReminderStatus::Done, None));
}

#[test]
fn acknowledging_a_recurrence_waits_for_the_next_time() {
    let r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        Some("FREQ=DAILY"),
        Nag::default(),
        "2026-11-22T00:00:00Z",
    );
    let Step::Fire(_, mut next) = r.step(utc("2026-11-23T08:00:00Z"), None) else { panic!() };
    assert_eq!(next.next_fire_at, Some(utc("2026-11-23T08:10:00Z")));
    next.acknowledge(utc("2026-11-23T08:05:00Z"));
    assert_eq!(
        (next.status, next.next_fire_at),
        (ReminderStatus::Scheduled, Some(utc("2026-11-24T08:00:00Z")))
    );
}

#[test]
fn snooze_fires_again_later_with_a_new_firing() {
    let r =
        reminder("Europe/Paris", "2026-11-23T09:00:00+01:00", None, Nag::default(), "2026-11-22T00:00:00Z");
    let Step::Fire(first, mut next) = r.step(utc("2026-11-23T08:00:00Z"), None) else { panic!() };
    next.snooze(utc("2026-11-23T08:15:00Z"), utc("2026-11-23T08:05:00Z")).unwrap();
    assert_eq!(next.step(utc("2026-11-23T08:10:00Z"), None), Step::Idle);
    let Step::Fire(again, _) = next.step(utc("2026-11-23T08:15:00Z"), None) else { panic!() };
    assert_eq!((again.kind, again.occurrence), (FireKind::Snoozed, first.occurrence));
    assert_ne!(again.seq, first.seq);
    assert!(next.snooze(utc("2026-11-23T08:00:00Z"), utc("2026-11-23T08:05:00Z")).is_err());
}

#[test]
fn quiet_hours_defer_to_their_end() {
    let quiet =
        QuietHours::new(LocalTime::parse("22:00").unwrap(), LocalTime::parse("07:00").unwrap()).unwrap();
    let r = reminder("Europe/Paris", "2026-11-23T23:30:00+01:00", None, Nag::NEVER, "2026-11-22T00:00:00Z");
    let paris = TimeZone::parse("Europe/Paris").unwrap();
    let Step::Defer(later) = r.step(utc("2026-11-23T22:30:00Z"), Some((&quiet, paris))) else { panic!() };
    assert_eq!(later.next_fire_at, Some(utc("2026-11-24T06:00:00Z")));
    let Step::Fire(f, _) = later.step(utc("2026-11-24T06:00:00Z"), Some((&quiet, paris))) else { panic!() };
    assert_eq!((f.kind, f.occurrence), (FireKind::First, utc("2026-11-23T22:30:00Z")));
}

#[test]
fn one_time_reminders_in_the_past_are_refused() {
    let mut r =
        reminder("Europe/Paris", "2026-11-23T09:00:00+01:00", None, Nag::NEVER, "2026-11-22T00:00:00Z");
    assert!(r.schedule(utc("2026-11-23T08:10:00Z")).is_err());
    assert!(r.schedule(utc("2026-11-23T08:04:00Z")).is_ok(), "a few minutes late still fires");
    let _ = Duration::zero();
}

#[test]
fn a_late_done_does_not_skip_the_next_time() {
    // Fired at 08:00 with no nags, so it already waits for tomorrow; "done" at 08:05 keeps it.
    let r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        Some("FREQ=DAILY"),
        Nag::NEVER,
        "2026-11-22T00:00:00Z",
    );
    let Step::Fire(_, mut next) = r.step(utc("2026-11-23T08:00:00Z"), None) else { panic!() };
    assert_eq!(next.next_fire_at, Some(utc("2026-11-24T08:00:00Z")));
    next.acknowledge(utc("2026-11-23T08:05:00Z"));
    assert_eq!(
        (next.status, next.next_fire_at),
        (ReminderStatus::Scheduled, Some(utc("2026-11-24T08:00:00Z")))
    );
}

#[test]
fn a_reschedule_onto_a_fired_time_makes_a_new_firing() {
    let r = reminder("Europe/Paris", "2026-11-23T08:00:00+01:00", None, Nag::NEVER, "2026-11-22T00:00:00Z");
    let Step::Fire(first, mut next) = r.step(utc("2026-11-23T07:00:00Z"), None) else { panic!() };
    // The client sends the same time back two minutes later (a form that PUTs everything).
    next.schedule(utc("2026-11-23T07:02:00Z")).unwrap();
    let Step::Fire(again, _) = next.step(utc("2026-11-23T07:03:00Z"), None) else { panic!() };
    assert_eq!(again.occurrence, first.occurrence);
    assert_ne!(
        nudge_domain::NotificationId::for_firing(r.id, &again),
        nudge_domain::NotificationId::for_firing(r.id, &first),
        "a new firing, not a claim that can never be won"
    );
}

#[test]
fn quiet_hours_are_the_users_not_the_reminders_zone() {
    // The user sleeps 22:00-07:00 in New York; the reminder is kept in Tokyo time.
    let quiet =
        QuietHours::new(LocalTime::parse("22:00").unwrap(), LocalTime::parse("07:00").unwrap()).unwrap();
    let ny = TimeZone::parse("America/New_York").unwrap();
    let r = reminder("Asia/Tokyo", "2026-11-24T13:00:00+09:00", None, Nag::NEVER, "2026-11-22T00:00:00Z");
    // 13:00 in Tokyo is 23:00 in New York.
    let Step::Defer(later) = r.step(utc("2026-11-24T04:00:00Z"), Some((&quiet, ny))) else { panic!() };
    assert_eq!(later.next_fire_at, Some(utc("2026-11-24T12:00:00Z")), "07:00 in New York");
}

#[test]
fn a_rule_that_never_matches_is_refused_not_searched_forever() {
    let mut r =
        reminder("Europe/Paris", "2026-11-23T09:00:00+01:00", None, Nag::NEVER, "2026-11-22T00:00:00Z");
    r.recurrence = Some(Recurrence::parse("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30").unwrap());
    assert!(r.schedule(utc("2026-11-22T00:00:00Z")).is_err());
    assert!(Recurrence::parse("FREQ=DAILY;COUNT=20000").is_err());
}

#[test]
fn an_old_recurrence_expands_from_its_current_occurrence() {
    // A 15-minute rule, fired for years: each step starts from the occurrence at hand, so it
    // still finds the next one (the rule's search is capped, and would not reach it from 2026).
    let mut r = reminder(
        "Europe/Paris",
        "2026-11-23T09:00:00+01:00",
        Some("FREQ=MINUTELY;INTERVAL=15"),
        Nag::NEVER,
        "2026-11-22T00:00:00Z",
    );
    let years_later = utc("2031-11-23T08:00:00Z");
    r.occurrence = Some(years_later);
    r.occurrence_local = Some(years_later.with_timezone(&chrono_tz::Europe::Paris).naive_local());
    r.next_fire_at = Some(years_later);
    let Step::Fire(f, next) = r.step(years_later, None) else { panic!() };
    assert_eq!(f.occurrence, years_later);
    assert_eq!(next.next_fire_at, Some(years_later + Duration::minutes(15)));
}
