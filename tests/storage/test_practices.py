"""PracticeRepository: the toolbox's practices, their review, members' reports and tries, search in every language
the bot speaks, and what members want a future meeting to address."""

from __future__ import annotations

import pytest

from storage.practices import Draft, Query
from tests.storage.test_sessions import new_session


def draft(title: str, what: str = "What we did.", **more) -> Draft:
    return Draft(title=title, what=what, **more)


async def published(backend, author_id: int, now: int, title: str, **more) -> int:
    number = await backend.practices.create(author_id, draft(title, **more), now)
    assert await backend.practices.review(number, "approved", author_id, None, now)
    return number


async def found(backend, **query) -> list[int]:
    results, _total = await backend.practices.find(Query(**query), limit=20)
    return [f.practice.id for f in results]


async def test_a_practice_waits_for_review_and_only_a_waiting_one_is_reviewed(backend, clock, join):
    ada, org = await join("ada"), await join("org")
    number = await backend.practices.create(ada.id, draft(
        "Myth-busting cards", "Cards answering the ten commonest rumours.", themes=("data", "public-perception"),
        region="southern-europe", actor_kind="ngo", worked="Short", not_worked="Too long at first", needs="A designer",
        link="https://example.org/cards", visibility="organisers", anonymous=True), clock.now)
    practice = await backend.practices.get(number)
    assert (practice.author_id, practice.status, practice.themes, practice.region, practice.anonymous,
            practice.visibility, practice.published_at) == (
        ada.id, "pending", ("data", "public-perception"), "southern-europe", True, "organisers", None)
    assert [p.id for p in await backend.practices.waiting()] == [number]
    assert await found(backend, words="rumours", organiser=True) == []  # not published yet
    assert await backend.practices.review(number, "changes", org.id, "Add what it cost", clock.now)
    assert not await backend.practices.review(number, "approved", org.id, None, clock.now)  # no longer waiting
    assert (await backend.practices.get(number)).review_note == "Add what it cost"
    assert await backend.practices.rewrite(number, draft("Myth-busting cards", "Now with costs."), clock.now,
                                           resubmit=True)
    assert not await backend.practices.rewrite(number, draft("Again"), clock.now, resubmit=True)  # pending now
    again = await backend.practices.get(number)
    assert (again.status, again.review_note, again.what, again.themes) == ("pending", None, "Now with costs.", ())
    assert await backend.practices.review(number, "approved", org.id, None, clock.later(hours=1))
    assert (await backend.practices.get(number)).published_at == clock.later(hours=1)
    assert await backend.practices.get(number + 1) is None


async def test_members_find_published_practices_for_the_network_and_organisers_find_theirs_too(backend, clock, join):
    ada = await join("ada")
    open_one = await published(backend, ada.id, clock.now, "Open letter by faith leaders")
    inner = await published(backend, ada.id, clock.now, "Open day at the shelter", visibility="organisers")
    declined = await backend.practices.create(ada.id, draft("Open mic night"), clock.now)
    await backend.practices.review(declined, "declined", ada.id, None, clock.now)
    assert await found(backend, words="open") == [open_one]
    assert set(await found(backend, words="open", organiser=True)) == {open_one, inner}
    assert await backend.practices.retire(open_one, clock.now)
    assert await found(backend, words="open") == []


async def test_results_rank_by_theme_and_region_then_words_then_how_many_it_worked_for(backend, clock, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    both = await published(backend, ada.id, clock.now, "Town hall dialogue", themes=("detention",),
                           region="western-europe")
    theme_only = await published(backend, ada.id, clock.now, "Dialogue in detention centres", themes=("detention",))
    region_only = await published(backend, ada.id, clock.now, "Dialogue with local press", region="western-europe")
    popular = await published(backend, ada.id, clock.now, "Dialogue cafés", region="western-europe")
    await published(backend, ada.id, clock.now, "Unrelated workshop", themes=("data",))
    for member in (bo, cy):
        await backend.practices.report(popular, member.id, "worked", clock.now)
    ranked = await found(backend, theme="detention", region="western-europe")
    # Both matches first; then one match, the most endorsed first, then the newest.
    assert ranked == [both, popular, region_only, theme_only]
    results, total = await backend.practices.find(Query(theme="detention", region="western-europe"), limit=2)
    assert [f.matches for f in results] == [2, 1] and total == 4
    page_two, _ = await backend.practices.find(Query(theme="detention", region="western-europe"), limit=2, offset=2)
    assert [f.practice.id for f in page_two] == [region_only, theme_only]
    # Words: every word must be there; a word in the title counts more than one in the text.
    in_text = await published(backend, ada.id, clock.now, "Café evenings", what="A dialogue over coffee.")
    assert await found(backend, words="dialogue cafe") == [popular, in_text]
    assert await found(backend, words="dialogue workshop") == []


@pytest.mark.parametrize(("title", "what", "query"), [
    ("Atelier contre la désinformation", "Des élèves écrivent des réponses.", "desinformation eleves"),
    ("Taller de narrativas", "Jóvenes migrantes cuentan su historia.", "JÓVENES narrativa"),
    ("Мастерская против слухов", "Волонтёры проверяют слухи.", "волонтеры слух"),
    ("ورشة عمل ضد خطاب الكراهية", "يكتب الشباب رُدُودًا", "الكراهية ردود"),
    ("反仇恨言论工作坊", "青年移民讲述自己的故事。", "仇恨言论"),
    ("反仇恨言论工作坊", "青年移民讲述自己的故事。", "移民"),
    ("Counter-speech training", "Volunteers answer hateful comments.", "volunteer hate"),
])
async def test_words_are_found_in_every_language_the_bot_speaks(backend, clock, join, title, what, query):
    ada = await join("ada")
    number = await published(backend, ada.id, clock.now, title, what=what)
    await published(backend, ada.id, clock.now, "Something else entirely", what="Nothing to do with it.")
    assert await found(backend, words=query) == [number]


async def test_a_search_of_symbols_only_finds_nothing_and_quotes_cannot_break_it(backend, clock, join):
    ada = await join("ada")
    await published(backend, ada.id, clock.now, 'The "open" door')
    assert await found(backend, words="*** ---") == []
    assert await found(backend, words='"open') == await found(backend, words="door")
    assert await found(backend, words="it's OR NOT (x") == []


async def test_reports_one_per_member_counted_and_noted(backend, clock, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    number = await published(backend, ada.id, clock.now, "Football against racism")
    assert await backend.practices.report(number, bo.id, "worked", clock.now) is None
    assert await backend.practices.report(number, bo.id, "worked", clock.now) == "worked"  # said already
    assert await backend.practices.note_report(number, bo.id, "Worked in Porto too")
    assert await backend.practices.report(number, cy.id, "not_worked", clock.now) is None
    reports = await backend.practices.reports(number)
    assert (reports.worked, reports.not_worked, reports.notes) == (1, 1, [("worked", "Worked in Porto too")])
    assert (await backend.practices.get(number)).worked_count == 1
    assert await backend.practices.report(number, bo.id, "not_worked", clock.later(seconds=1)) == "worked"
    reports = await backend.practices.reports(number)
    assert (reports.worked, reports.not_worked, reports.notes) == (0, 2, [])  # a changed mind drops the old note
    assert await backend.practices.report_of(number, bo.id) == "not_worked"


async def test_merging_moves_reports_and_tries_to_the_practice_kept(backend, clock, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    kept = await published(backend, ada.id, clock.now, "Buddy scheme")
    duplicate = await published(backend, ada.id, clock.now, "Buddy programme")
    await backend.practices.report(kept, bo.id, "worked", clock.now)
    await backend.practices.report(duplicate, bo.id, "not_worked", clock.now)  # bo said both: the kept one stays
    await backend.practices.report(duplicate, cy.id, "worked", clock.now)
    commitment = await backend.commitments.create(cy.id, "Try the buddy programme", due_at=None, theme=None,
                                                  region=None, visibility="network", now=clock.now,
                                                  practice_id=duplicate)
    assert await backend.practices.tries(duplicate) == (1, 0)
    assert await backend.practices.merge(duplicate, kept, clock.now)
    assert not await backend.practices.merge(duplicate, kept, clock.now)  # merged already
    assert not await backend.practices.merge(kept, kept, clock.now)
    merged = await backend.practices.get(duplicate)
    assert (merged.status, merged.merged_into) == ("merged", kept)
    assert await backend.practices.report_of(kept, bo.id) == "worked"
    assert await backend.practices.report_of(kept, cy.id) == "worked"
    assert (await backend.practices.get(kept)).worked_count == 2
    assert await backend.practices.tries(kept) == (1, 0) and await backend.practices.tries(duplicate) == (0, 0)
    assert (await backend.commitments.get(commitment)).practice_id == kept
    assert await found(backend, words="buddy") == [kept]


async def test_an_author_leaving_erases_their_practices_or_leaves_them_anonymous(backend, clock, join):
    ada, bo, cy = await join("ada"), await join("bo"), await join("cy")
    erased = await published(backend, ada.id, clock.now, "Radio show")
    kept = await published(backend, bo.id, clock.now, "Street theatre")
    await backend.practices.report(erased, cy.id, "worked", clock.now)
    await backend.practices.add_feedback(None, cy.id, "data", "More on data", clock.now)
    async with backend.db.transaction() as conn:
        await backend.practices.anonymise_in(conn, bo.id)
        await backend.members.delete_in(conn, bo.id)
        await backend.members.delete_in(conn, ada.id)
        await backend.members.delete_in(conn, cy.id)
    assert await backend.practices.get(erased) is None
    assert await found(backend, words="radio") == []  # gone from the index too
    left = await backend.practices.get(kept)
    assert (left.author_id, left.anonymous, left.status) == (None, True, "approved")
    assert await found(backend, words="theatre") == [kept]
    assert await backend.practices.feedback() == []


async def test_feedback_is_kept_per_session_and_grouped_by_theme(backend, clock, join):
    ada = await join("ada")
    session = await new_session(backend, clock, "Regional meeting")
    await backend.practices.add_feedback(session, ada.id, None, "Funding", clock.now)
    await backend.practices.add_feedback(session, ada.id, "detention", "Alternatives to detention", clock.now)
    await backend.practices.add_feedback(session, ada.id, "detention", "Visits", clock.later(seconds=1))
    await backend.practices.add_feedback(None, ada.id, "data", "Open data", clock.now)
    assert [(f.theme, f.text) for f in await backend.practices.feedback(session)] == [
        ("detention", "Visits"), ("detention", "Alternatives to detention"), (None, "Funding")]  # no theme last
    assert len(await backend.practices.feedback()) == 4
    assert [f.text for f in await backend.practices.feedback_by(ada.id)] == [
        "Funding", "Alternatives to detention", "Visits", "Open data"]
