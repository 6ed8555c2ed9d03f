"""ReportRepository: the counts organisers' reports are made of, the same on every engine, never narrower than the
rule on private commitments allows."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.practices import Draft
from storage.reports import Moment, Scope
from tests.storage.test_sessions import new_session

DAY = 86400


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


async def commit(backend, member_id: int, at: int, *, theme=None, region=None, visibility="network",
                 due=None, practice_id=None) -> int:
    return await backend.commitments.create(member_id, "something", due_at=due, theme=theme, region=region,
                                            visibility=visibility, now=at, practice_id=practice_id)


async def test_commitments_over_time_by_week_and_by_month_the_same_on_every_engine(backend, join):
    ada, bo = await join("ada"), await join("bo")
    monday = ts(2027, 1, 4)  # a Monday
    first = await commit(backend, ada.id, monday + 3600, theme="detention")
    await commit(backend, ada.id, monday + 6 * DAY + 86399, theme="data", due=monday + DAY)  # Sunday 23:59:59
    await commit(backend, bo.id, monday + 7 * DAY, visibility="private")  # the next Monday 00:00
    await commit(backend, bo.id, ts(2027, 2, 1), theme="detention")
    await backend.commitments.set_status(first, ada.id, "done", monday + 8 * DAY)
    scope = Scope(ts(2027, 1, 1), ts(2027, 3, 1))
    weeks = await backend.reports.commitments_over_time(scope, "week", now=ts(2027, 2, 10))
    assert weeks == [Moment(monday, made=2, overdue=1), Moment(monday + 7 * DAY, made=1, done=1),
                     Moment(ts(2027, 2, 1), made=1)]
    months = await backend.reports.commitments_over_time(scope, "month", now=ts(2027, 2, 10))
    assert months == [Moment(ts(2027, 1, 1), made=3, done=1, overdue=1), Moment(ts(2027, 2, 1), made=1)]
    # Narrowed to a theme, private commitments do not count; outside the period, nothing does.
    detention = await backend.reports.commitments_over_time(Scope(scope.since, scope.until, theme="detention"),
                                                            "month", now=ts(2027, 2, 10))
    assert detention == [Moment(ts(2027, 1, 1), made=1, done=1), Moment(ts(2027, 2, 1), made=1)]
    assert await backend.reports.commitments_over_time(Scope(ts(2026, 1, 1), ts(2026, 12, 1)), "week", 0) == []


async def test_commitments_by_theme_and_region_leave_private_ones_to_the_totals(backend, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    at = ts(2027, 1, 10)
    for member in (ada, bo, cy):
        await commit(backend, member.id, at, theme="detention", region="western-europe")
    done = await commit(backend, ada.id, at, theme="data", region="western-europe", due=at + DAY)
    await backend.commitments.set_status(done, ada.id, "done", at + DAY)
    await commit(backend, bo.id, at, theme="data", due=at + DAY)  # overdue by the time of the report
    await commit(backend, cy.id, at, theme="detention", visibility="private")
    scope = Scope(ts(2027, 1, 1), ts(2027, 2, 1))
    by_theme = await backend.reports.commitments_by("theme", scope, now=at + 2 * DAY)
    assert [(s.key, s.made, s.open, s.done, s.overdue, s.members) for s in by_theme] == [
        ("detention", 3, 3, 0, 0, 3), ("data", 2, 1, 1, 1, 2)]
    by_region = await backend.reports.commitments_by("region", scope, now=at + 2 * DAY)
    assert [(s.key, s.made) for s in by_region] == [("western-europe", 4), (None, 1)]
    assert await backend.reports.private_commitments(scope) == 1


async def test_the_toolbox_by_theme(backend, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    at = ts(2027, 1, 10)
    cards = await backend.practices.create(ada.id, Draft("Cards", "x", themes=("data", "detention")), at)
    radio = await backend.practices.create(ada.id, Draft("Radio", "x", themes=("data",)), at)
    await backend.practices.create(ada.id, Draft("Waiting", "x", themes=("data",)), at)  # not published: not counted
    for number in (cards, radio):
        await backend.practices.review(number, "approved", ada.id, None, at)
    await backend.practices.report(cards, bo.id, "worked", at)
    await backend.practices.report(cards, cy.id, "not_worked", at)
    await commit(backend, bo.id, at, practice_id=cards)
    await commit(backend, cy.id, at, practice_id=radio)
    shares = await backend.reports.toolbox(Scope(ts(2027, 1, 1), ts(2027, 2, 1)))
    assert [(s.theme, s.published, s.tried_by, s.worked_for) for s in shares] == [
        ("data", 2, 2, 1), ("detention", 1, 1, 1)]


async def test_partner_searches_and_what_came_of_them_by_theme_and_region(backend, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    at = ts(2027, 1, 10)
    found = await backend.partners.create_request(ada.id, theme="detention", region="western-europe", language=None,
                                                  note="", proposals=[(bo.id, {}), (cy.id, {})], now=at)
    await backend.partners.create_request(bo.id, theme="detention", region="western-europe", language=None, note="",
                                          proposals=[], now=at)  # found nobody
    await backend.partners.create_request(cy.id, theme="data", region=None, language=None, note="", proposals=[],
                                          now=at)
    first, _second = await backend.partners.send(found, ada.id, [(bo.id, {}, True), (cy.id, {}, True)], note="",
                                                 now=at, expires_at=at + 7 * DAY)
    await backend.partners.answer(first, "b", "accepted", at + DAY, follow_up_at=at + 8 * DAY)
    await backend.partners.set_follow_up(first, "a", "yes", at + 8 * DAY)
    await backend.partners.set_follow_up(first, "b", "not_yet", at + 8 * DAY)
    figures = await backend.reports.partnering(Scope(ts(2027, 1, 1), ts(2027, 2, 1)))
    assert [(p.theme, p.region, p.searches, p.found_nobody, p.introduced, p.connected, p.not_yet, p.not_connected)
            for p in figures] == [("detention", "western-europe", 2, 1, 1, 1, 1, 0), ("data", None, 1, 1, 0, 0, 0, 0)]


async def test_each_session_with_its_followers_attendance_and_commitments(backend, join, clock):
    ada, bo = await join("ada"), await join("bo")
    session = await new_session(backend, clock, "Legal clinic", themes=("detention",))
    await backend.sessions.subscribe(session, ada.id, clock.now, default_lead=15, followup_after=600)
    await backend.sessions.subscribe(session, bo.id, clock.now, default_lead=15, followup_after=600)
    await backend.sessions.record_attendance(session, ada.id, True, clock.now)
    await backend.sessions.record_attendance(session, bo.id, False, clock.now)
    made = await commit(backend, ada.id, clock.now)
    await backend.sessions.link_commitment(made, session)
    figures = await backend.reports.sessions(Scope(clock.now, clock.later(days=30)))
    assert [(f.title, f.followers, f.attended, f.missed, f.commitments) for f in figures] == [
        ("Legal clinic", 2, 1, 1, 1)]


async def test_sessions_and_the_toolbox_narrowed_to_a_theme_and_a_region(backend, join, clock):
    ada = await join("ada")
    legal = await new_session(backend, clock, "Legal clinic", themes=("detention",))
    await new_session(backend, clock, "Radio", themes=("data",))
    scope = Scope(clock.now, clock.later(days=30))
    assert [f.session_id for f in await backend.reports.sessions(Scope(scope.since, scope.until,
                                                                        theme="detention"))] == [legal]
    assert len(await backend.reports.sessions(scope)) == 2
    at = clock.now
    west = await backend.practices.create(ada.id, Draft("Cards", "x", themes=("data",), region="western-europe"), at)
    north = await backend.practices.create(ada.id, Draft("Radio", "x", themes=("data", "detention"),
                                                         region="northern-africa"), at)
    for number in (west, north):
        await backend.practices.review(number, "approved", ada.id, None, at)
    await backend.practices.report(north, (await join("bo")).id, "worked", at)
    in_west = Scope(scope.since, scope.until, region="western-europe")
    assert [(s.theme, s.published) for s in await backend.reports.toolbox(in_west)] == [("data", 1)]
    assert await backend.reports.toolbox_totals(scope) == (2, 1)  # a practice of two themes counted once
    assert await backend.reports.toolbox_totals(Scope(scope.since, scope.until, theme="detention")) == (1, 1)
    assert await backend.reports.toolbox_totals(in_west) == (1, 0)


async def test_a_meetings_commitments_partnerships_practices_and_wishes(backend, join, clock):
    ada, bo, cy, outsider = await join("ada"), await join("bo"), await join("cy"), await join("dee")
    opening = await new_session(backend, clock, "Opening", starts_in_hours=-3)
    other = await new_session(backend, clock, "Elsewhere", starts_in_hours=-3)
    await backend.sessions.subscribe(opening, ada.id, clock.now, default_lead=15, followup_after=600)
    await backend.sessions.record_attendance(opening, bo.id, True, clock.now)
    for member, visibility in ((ada, "network"), (bo, "network"), (cy, "private")):
        made = await commit(backend, member.id, clock.now, theme="detention", region="western-europe",
                            visibility=visibility)
        await backend.sessions.link_commitment(made, opening)
    await backend.sessions.link_commitment(await commit(backend, outsider.id, clock.now, theme="data"), other)
    shares = await backend.reports.meeting_commitments("theme", [opening], clock.now)
    assert [(s.key, s.made, s.members) for s in shares] == [("detention", 2, 2)]
    assert await backend.reports.meeting_private_commitments([opening]) == 1
    # Introductions accepted after the meeting began, with a participant on one side; none between outsiders.
    for a, b in ((ada, outsider), (outsider, cy)):
        search = await backend.partners.create_request(a.id, theme="detention", region=None, language=None, note="",
                                                       proposals=[(b.id, {})], now=clock.now)
        intro, = await backend.partners.send(search, a.id, [(b.id, {}, True)], note="", now=clock.now,
                                             expires_at=clock.later(days=7))
        await backend.partners.answer(intro, "b", "accepted", clock.now, follow_up_at=clock.later(days=8))
    partnerships = await backend.reports.meeting_partnerships([opening], clock.later(hours=-3))
    assert [(p.theme, p.region, p.introduced) for p in partnerships] == [("detention", None, 1)]
    assert await backend.reports.meeting_partnerships([opening], clock.later(hours=1)) == []
    shared = await backend.practices.create(ada.id, Draft("Cards", "x", themes=("data",), session_id=opening),
                                            clock.now)
    await backend.practices.create(ada.id, Draft("Waiting", "x", session_id=opening), clock.now)  # not published
    await backend.practices.review(shared, "approved", ada.id, None, clock.now)
    assert [(p.title, p.theme) for p in await backend.reports.meeting_practices([opening])] == [("Cards", "data")]
    await backend.practices.add_feedback(opening, ada.id, "detention", "More legal aid", clock.now)
    await backend.db.execute("UPDATE session_feedback SET quotable = 0")  # as if given before the question said
    await backend.practices.add_feedback(opening, bo.id, "detention", "Visits", clock.now)
    wishes = await backend.reports.meeting_wishes([opening])
    assert [(w.theme, w.quotable, w.text) for w in wishes] == [("detention", False, "More legal aid"),
                                                               ("detention", True, "Visits")]
    assert await backend.reports.meeting_sessions([opening, other]) != []
    day = await backend.sessions.starting_between(clock.later(hours=-4), clock.later(hours=-2), 10)
    assert [s.title for s in day] == ["Opening", "Elsewhere"]
