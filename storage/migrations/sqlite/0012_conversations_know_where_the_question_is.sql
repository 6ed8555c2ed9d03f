-- Where the question a member is answering was shown: the platform's own reference to that message (for example
-- "telegram:<chat>:<message>"), set by the adapter once it has sent it. When the question is answered by typing, the
-- bot edits that message to show the answer and take its buttons away. It holds numbers, never text; it goes
-- with the conversation (a new question starts without one), and with the member when they erase their data.
ALTER TABLE conversations ADD COLUMN shown TEXT;
