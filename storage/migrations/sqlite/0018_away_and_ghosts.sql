-- Away until a date (/away): check-ins, partner requests, "did you connect?" and broadcasts wait until then, and
-- the member is not proposed as a partner; with away_reminders, their own reminders wait too. The clock clears
-- it on the day (a due item), so matching needs no clock of its own.
ALTER TABLE members ADD COLUMN away_until INTEGER;
ALTER TABLE members ADD COLUMN away_reminders INTEGER NOT NULL DEFAULT 0 CHECK (away_reminders IN (0, 1));
-- Introduction requests left unanswered in a row (reset by any answer): at three, matching pauses.
ALTER TABLE members ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
-- Discreet notifications: the first line of every message the bot sends on its own is neutral.
ALTER TABLE members ADD COLUMN discreet INTEGER NOT NULL DEFAULT 0 CHECK (discreet IN (0, 1));
