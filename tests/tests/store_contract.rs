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
    a_turn_creates_its_conversation_and_messages,
    a_turn_names_the_version_it_read,
    a_taken_message_id_fails_the_whole_turn,
    messages_list_newest_first_a_page_at_a_time,
    conversations_list_newest_first_and_belong_to_their_owner,
    a_conversation_replace_names_the_version_it_read,
    memories_are_kept_listed_and_deleted,
    an_embedding_round_trips_exactly,
    customizations_are_kept_replaced_and_listed_per_agent,
    tokens_add_up_per_user_per_day,
    concurrent_token_adds_are_all_counted,
    an_agent_message_is_enqueued_off_the_notify_queue,
);
