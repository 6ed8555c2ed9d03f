"""What a person may not see reads exactly like what does not exist.

For every command that takes a number or a name: the reply to it naming something that exists but is not the
asker's to see or change (another member's commitment, a broadcast or a member when the asker is not an
organiser, a session for a stranger or a blocked member …) is compared, byte for byte, with the reply to the same
command once that thing is gone. Nothing may change either way.

Not here, and why: sessions are for every member to see (the agenda lists them, cancelled ones too); reminders
and introductions are named only by buttons, whose payload the bot keeps and whose presser it checks. A button's
token is random (96 bits) and reaches only the people shown its message, so pressing someone else's button tells
the presser nothing they did not see: it answers "This button is not meant for you", as the README says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_fuzz import World

# The world of test_fuzz: members #1 admin (Amina), #2 bob, #3 carla (blocked), #4 dina (organiser); commitments
# #1 Amina's for the network, #2 Amina's for organisers, #3 Amina's private, #4 Bob's private, #5 Bob's for the
# network, #6 Dina's for organisers; sessions #1 and #2 (cancelled); broadcast #1.
CASES = [
    pytest.param("bob", "/progress 3 Hijacked", "commitments", 3, id="member: someone else's private commitment"),
    pytest.param("bob", "/progress 1 Hijacked", "commitments", 1, id="member: someone else's shared commitment"),
    pytest.param("bob", "/progress #2", "commitments", 2, id="member: an organisers-only commitment, no note"),
    pytest.param("dina", "/progress 4 Looked at it", "commitments", 4, id="organiser: a member's private one"),
    pytest.param("dina", "/progress 5", "commitments", 5, id="organiser: a member's shared one, no note"),
    pytest.param("admin", "/progress 6 x", "commitments", 6, id="admin: an organiser's commitment"),
    pytest.param("bob", "/commitments 3", "commitments", 3, id="member: someone else's private one in full"),
    pytest.param("bob", "/commitments #6", "commitments", 6, id="member: an organisers-only one in full"),
    pytest.param("dina", "/commitments 4", "commitments", 4, id="organiser: a member's private one in full"),
    pytest.param("stranger", "/progress 4 x", "commitments", 4, id="stranger: a commitment"),
    pytest.param("carla", "/progress 4 x", "commitments", 4, id="blocked: a commitment"),
    pytest.param("bob", "/broadcast status 1", "broadcasts", 1, id="member: a broadcast's status"),
    pytest.param("bob", "/broadcast cancel 1", "broadcasts", 1, id="member: cancelling a broadcast"),
    pytest.param("bob", "/members Dina", "members", 4, id="member: a member by name"),
    pytest.param("bob", "/block #4", "members", 4, id="member: blocking a member"),
    pytest.param("bob", "/introduce #4 #1", "members", 4, id="member: introducing members"),
    pytest.param("dina", "/promote Bob", "members", 2, id="organiser: promoting a member"),
    pytest.param("stranger", "/members #2", "members", 2, id="stranger: a member"),
    pytest.param("bob", "/editsession 1 venue:Elsewhere", "sessions", 1, id="member: editing a session"),
    pytest.param("bob", "/cancelsession 1", "sessions", 1, id="member: cancelling a session"),
    pytest.param("stranger", "/session 1", "sessions", 1, id="stranger: a session"),
    pytest.param("bob", "/signups 1", "sessions", 1, id="member: who signed up for a session, and their answers"),
    pytest.param("bob", "/attendance 1", "sessions", 1, id="member: who came to a session"),
    pytest.param("carla", "/subscribe 1", "sessions", 1, id="blocked: following a session"),
]


async def test_the_world_is_as_described(tmp_path: Path):
    world = await World.build(tmp_path)
    try:
        repos = world.bot.repos
        members = [(m.id, m.display_name, m.role, m.blocked) for m in await repos.members.search("")]
        assert members == [(1, "Amina", "member", False), (2, "Bob", "member", False), (3, "Carla", "member", True),
                           (4, "Dina", "organiser", False)]
        commitments = [(c.id, c.member_id, c.visibility) for m in members
                       for c in await repos.commitments.for_member(m[0])]
        assert sorted(commitments) == [(1, 1, "network"), (2, 1, "organisers"), (3, 1, "private"),
                                       (4, 2, "private"), (5, 2, "network"), (6, 4, "organisers")]
        sessions = await repos.sessions.get_many([1, 2, 3])
        assert [(s.id, s.status) for s in sessions.values()] == [(1, "scheduled"), (2, "cancelled")]
    finally:
        await world.db.close()


def _shown(replies) -> list[tuple]:
    return [(str(r.text), [b.label for b in r.button_list()], r.toast, r.toast_only, r.edit, r.private_redirect)
            for r in replies]


async def _state(world: World) -> list:
    tables = ("commitments", "commitment_notes", "broadcasts", "members", "sessions", "session_subscriptions",
              "conversations", "audit")
    return [list(map(tuple, await world.bot.repos.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")))
            for table in tables]


@pytest.mark.parametrize(("who", "command", "table", "row"), CASES)
async def test_what_one_may_not_see_reads_like_what_does_not_exist(who, command, table, row, tmp_path: Path):
    world = await World.build(tmp_path)
    try:
        db = world.bot.repos.db
        assert await getattr(world.bot.repos, table).get(row) is not None
        before = await _state(world)
        hidden = _shown(await world.bot.say(who, command))
        assert await _state(world) == before, "nothing changes"
        await db.execute(f"DELETE FROM {table} WHERE id = ?", (row,))
        missing = _shown(await world.bot.say(who, command))
        assert hidden == missing
    finally:
        await world.db.close()
