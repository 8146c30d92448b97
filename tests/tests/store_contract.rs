//! The store contract, run unchanged against SQLite and against DynamoDB on moto.

use nudge_tests::contract::*;

nudge_tests::on_both_backends!(
    users_are_found_by_id_and_by_phone,
    a_phone_number_names_one_user,
    a_task_keeps_every_field,
    a_task_id_is_inserted_once,
    another_users_task_does_not_exist,
    a_replace_names_the_version_it_read,
    concurrent_replaces_of_one_version_let_one_win,
    a_deleted_task_is_gone,
    tasks_list_newest_first_a_page_at_a_time,
    tasks_filter_on_status_priority_and_due_range,
    a_reminder_keeps_every_field_and_pages,
    the_due_set_holds_only_what_is_due,
    a_firing_is_claimed_once,
    a_notification_changes_under_its_version,
);
