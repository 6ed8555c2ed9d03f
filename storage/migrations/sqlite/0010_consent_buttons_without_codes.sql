-- The consent button a stranger got after /start CODE carried the invite code in clear for a day. It now
-- carries the invite's id; the buttons still holding a code are deleted (with secure_delete, overwritten on
-- disk). A stranger who had one and presses it is told it has expired, and sends /start CODE again.
DELETE FROM buttons WHERE EXISTS (
    SELECT 1 FROM json_each(buttons.actions) AS button
    WHERE json_extract(button.value, '$[0]') = 'onboarding.consent'
      AND coalesce(json_extract(button.value, '$[1].code'), '') != ''
);
