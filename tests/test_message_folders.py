"""Staff's folders (issue 22): "done" per thread for every member of staff who reads it,
one's own "follow up" flag, and the inbox's folders — each route for every role, what a
teacher and a leader notice, what a guardian never sees, and the inbox's query budget."""
import datetime

import pytest

from models.data_export import own
from models.db import today
from models.messaging import folders, inbox
from models.messaging.tables import Message, Thread, ThreadFollowUp, ThreadParticipant
from models.retention.by_unit import delete_threads
from models.school.tables import Child, Enrolment, Group, Guardianship, User

from .cast import DENTIST, ROLES
from .helpers import HTMX, queries_for, text_of
from .matrix import HTMX_MODE, Matrix, everyone, expect, only

pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a Wednesday, Oslo time

GYM, MATHS = "Gymtøy", "Lekser i matte"
STAFF = {"rektor", "larer1a", "faglarer", "sfo", "styrer", "bhg"}
# Dentist (Emma, the school): Kari takes part; the contact teacher and the school
# leader read it. Kari reads it but may not file it (403); everyone else: 404.
DENTIST_STAFF = {"rektor", "larer1a"}

ROUTES = Matrix({
    ("POST", "/messages/{dentist}/done"): only(DENTIST_STAFF, 303) | {"kari": 403},
    ("POST", "/messages/{dentist}/done", HTMX_MODE): only(DENTIST_STAFF) | {"kari": 403},
    ("POST", "/messages/{dentist}/follow-up"): only(DENTIST_STAFF, 303) | {"kari": 403},
    ("POST", "/messages/{dentist}/follow-up", HTMX_MODE):
        only(DENTIST_STAFF) | {"kari": 403},
    ("POST", "/messages/{dentist}/follow-up?bad"): expect(
        only(DENTIST_STAFF, 400) | {"kari": 403}, data={"due": "2026-02-30"}),
    ("POST", "/messages/999999/done"): everyone(404),
    ("POST", "/messages/999999/follow-up"): everyone(404),
    # Staff's folders; someone with no staff role has the inbox and the archive only.
    ("GET", "/messages/?folder=done"): only(STAFF),
    ("GET", "/messages/?folder=follow-up"): only(STAFF),
    ("GET", "/messages/?folder=answer"): only(STAFF),
    ("GET", "/messages/?folder=done", HTMX_MODE): only(STAFF),
    ("GET", "/messages/?folder=archived"): everyone(200),
    ("GET", "/messages/?folder=inbox"): everyone(200),
    ("GET", "/messages/?folder=nothing"): everyone(404),
})


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(client, login, ids, role):
    ROUTES.check(client, login, role, ids, data={})


def thread_of(subject):
    return Thread.get(Thread.subject == subject)


def mark_done(client, thread, on=True, **extra):
    return client.post(f"/messages/{thread.id}/done", data={"done": "1" if on else "0",
                                                            **extra})


def follow_up(client, thread, due="", flag=True, **extra):
    return client.post(f"/messages/{thread.id}/follow-up",
                       data={"follow_up": "1" if flag else "0", "due": due, **extra})


def inbox_text(client, folder="", **args):
    query = "&".join(([f"folder={folder}"] if folder else [])
                     + [f"{k}={v}" for k, v in args.items()])
    return text_of(client.get(f"/messages/?{query}"))


# Done -----------------------------------------------------------------------------------

def test_done_moves_the_thread_for_all_staff_and_names_who_marked_it(client, login, t):
    dentist = thread_of(DENTIST)
    login("larer1a")
    assert DENTIST in inbox_text(client)
    response = mark_done(client, dentist, next="/messages/")
    assert response.status_code == 303 and response.headers["Location"] == "/messages/"
    assert DENTIST not in inbox_text(client)
    done = t("Done — %(name)s, %(date)s", name="Lars Lærer", date="18.11.2026")
    assert DENTIST in inbox_text(client, "done") and done in inbox_text(client, "done")
    assert done in text_of(client.get(f"/messages/{dentist.id}"))
    # The leader reads it without taking part: it moved for them too, with the name.
    login("rektor")
    assert DENTIST not in inbox_text(client)
    assert done in inbox_text(client, "done")
    assert done in text_of(client.get(f"/messages/{dentist.id}"))
    # Done hides nothing: the thread still opens, and is one tap from not done.
    response = mark_done(client, dentist, on=False)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/messages/{dentist.id}")
    assert DENTIST in inbox_text(client) and DENTIST not in inbox_text(client, "done")


def test_guardians_never_see_the_done_state_and_may_not_change_it(client, login, t):
    dentist = thread_of(DENTIST)
    login("larer1a")
    mark_done(client, dentist)
    login("kari")
    assert DENTIST in inbox_text(client)  # her inbox is as it was
    page = client.get(f"/messages/{dentist.id}").get_data(as_text=True)
    assert "Lars Lærer, 18.11.2026" not in page and f"/messages/{dentist.id}/done" not in page
    assert f"/messages/{dentist.id}/follow-up" not in page
    assert mark_done(client, dentist, on=False).status_code == 403
    assert follow_up(client, dentist).status_code == 403
    assert Thread.get_by_id(dentist.id).done_at is not None
    assert not ThreadFollowUp.select().exists()
    # Nor in her copy of her data.
    threads = own.threads(User.get(User.username == "kari"), today(), [])
    assert threads and not any("done" in key for thread in threads for key in thread)


def test_a_guardians_new_message_undoes_done_a_staff_reply_does_not(client, login, users):
    dentist = thread_of(DENTIST)
    login("larer1a")
    mark_done(client, dentist)
    client.post(f"/messages/{dentist.id}", data={"body": "Vi sees torsdag.", "token": "s1"})
    assert Thread.get_by_id(dentist.id).done_at is not None
    assert DENTIST not in inbox_text(client)
    login("kari")
    client.post(f"/messages/{dentist.id}", data={"body": "Én ting til!", "token": "k1"})
    again = Thread.get_by_id(dentist.id)
    assert again.done_at is None and again.done_by_id is None
    login("larer1a")
    assert DENTIST in inbox_text(client) and DENTIST in inbox_text(client, "answer")
    assert DENTIST not in inbox_text(client, "done")


def test_needs_an_answer_leaves_out_done_threads(client, login):
    login("rektor")
    assert GYM in inbox_text(client, "answer")  # Nina answered last
    mark_done(client, thread_of(GYM))
    assert GYM not in inbox_text(client, "answer")
    assert GYM in inbox_text(client, "done")
    assert GYM not in inbox_text(client, answer="1")  # the older address too


def test_a_teacher_who_is_a_parent_in_the_thread_files_nothing_there(client, login, users,
                                                                    kids):
    """Frida teaches 1A and is, here, Emma's parent: the thread is her family's."""
    dentist = thread_of(DENTIST)
    Guardianship.create(guardian=users["faglarer"], child=kids["Emma"],
                        responsibility="shared")
    ThreadParticipant.create(thread=dentist, user=users["faglarer"], role="guardian")
    login("larer1a")
    mark_done(client, dentist)
    login("faglarer")
    assert client.get(f"/messages/{dentist.id}").status_code == 200
    # Done or not, where a parent expects it: among her own children's threads
    # (tests/test_staff_guardians.py), in none of her work folders.
    assert DENTIST in inbox_text(client, place="mine")
    assert DENTIST not in inbox_text(client)
    assert DENTIST not in inbox_text(client, "done")
    assert mark_done(client, dentist, on=False).status_code == 403
    assert follow_up(client, dentist).status_code == 403
    page = client.get(f"/messages/{dentist.id}").get_data(as_text=True)
    assert "Lars Lærer, 18.11.2026" not in page


def test_the_done_toggle_swaps_itself_for_htmx(client, login, t):
    dentist = thread_of(DENTIST)
    login("larer1a")
    response = client.post(f"/messages/{dentist.id}/done", data={"done": "1", "compact": "1"},
                           headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="done-{dentist.id}"' in html and 'hx-swap="outerHTML"' in html
    assert t("Done — %(name)s, %(date)s", name="Lars Lærer", date="18.11.2026") in text_of(
        response)
    assert 'value="0"' in html and t("Not done") in text_of(response)
    assert 'name="compact" value="1"' in html  # still the inbox line's toggle
    assert "HX-Request" in response.headers["Vary"]


def test_the_way_back_is_only_ever_a_page_of_this_site(client, login):
    dentist = thread_of(DENTIST)
    login("larer1a")
    group = Group.get(Group.name == "1A").id
    back = f"/messages/?folder=done&group={group}"
    assert mark_done(client, dentist, next=back).headers["Location"] == back
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        location = mark_done(client, dentist, next=elsewhere).headers["Location"]
        assert location.endswith(f"/messages/{dentist.id}"), elsewhere


def test_a_thread_marked_done_by_someone_since_gone_stays_done(client, login, t):
    dentist = thread_of(DENTIST)
    substitute = User.create(username="vikar", first_name="Vera", last_name="Vikar")
    folders.set_done(dentist, substitute, True)
    follow_up_row = ThreadFollowUp.create(thread=dentist, user=substitute)
    User.delete().where(User.id == substitute.id).execute()  # done_by: SET NULL
    assert Thread.get_by_id(dentist.id).done_at is not None
    assert not ThreadFollowUp.select().where(ThreadFollowUp.id == follow_up_row.id).exists()
    login("rektor")
    assert t("a former member of staff") in inbox_text(client, "done")


# Follow up ------------------------------------------------------------------------------

def test_a_follow_up_is_the_teachers_own(client, login, t):
    dentist = thread_of(DENTIST)
    login("larer1a")
    assert follow_up(client, dentist, due="2026-11-20").status_code == 303
    flagged = t("Follow up by %(day)s", day="20.11.")
    assert DENTIST in inbox_text(client, "follow-up")
    assert flagged in inbox_text(client) and flagged in text_of(
        client.get(f"/messages/{dentist.id}"))
    login("rektor")  # reads the same thread, sees nothing of it
    assert DENTIST not in inbox_text(client, "follow-up")
    assert flagged not in inbox_text(client)
    assert flagged not in text_of(client.get(f"/messages/{dentist.id}"))
    login("kari")
    assert flagged not in text_of(client.get(f"/messages/{dentist.id}"))
    assert ThreadFollowUp.select().count() == 1


def test_a_follow_up_without_a_day_a_new_day_and_taking_it_away(client, login, t):
    dentist, gym = thread_of(DENTIST), thread_of(GYM)
    login("larer1a")
    follow_up(client, dentist)
    follow_up(client, gym, due="2026-11-19")
    page = inbox_text(client, "follow-up")
    assert page.index(GYM) < page.index(DENTIST)  # the one with the soonest day first
    assert t("To follow up") in page
    follow_up(client, dentist, due="2026-11-18")  # changes the day, one row still
    assert ThreadFollowUp.get(ThreadFollowUp.thread == dentist.id).due == datetime.date(
        2026, 11, 18)
    assert ThreadFollowUp.select().count() == 2
    follow_up(client, dentist, flag=False)
    assert DENTIST not in inbox_text(client, "follow-up") and GYM in inbox_text(
        client, "follow-up")


@pytest.mark.parametrize("due", ["2026-11-17", "2027-12-01", "18.11.2026", "2026-13-01",
                                 "x" * 40])
def test_a_day_in_the_past_or_not_a_day_is_refused_and_kept(client, login, t, due):
    dentist = thread_of(DENTIST)
    login("larer1a")
    refused = follow_up(client, dentist, due=due)
    assert refused.status_code == 400
    assert t("Choose a day from today and up to a year ahead, or leave the day empty.") in \
        text_of(refused)
    assert due[:20] in refused.get_data(as_text=True)
    assert 'id="error-summary"' in refused.get_data(as_text=True)
    fragment = client.post(f"/messages/{dentist.id}/follow-up", data={"due": due},
                           headers=HTMX)
    assert fragment.status_code == 400 and "<html" not in fragment.get_data(as_text=True)
    assert t("Choose a day from today and up to a year ahead, or leave the day empty.") in \
        text_of(fragment)
    assert not ThreadFollowUp.select().exists()


def test_the_follow_up_toggle_swaps_itself_for_htmx(client, login, t):
    dentist = thread_of(DENTIST)
    login("larer1a")
    response = client.post(f"/messages/{dentist.id}/follow-up",
                           data={"follow_up": "1", "compact": "1"}, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="follow-up-{dentist.id}"' in html
    assert t("Remove follow-up") in text_of(response) and t("To follow up") in text_of(
        response)
    response = client.post(f"/messages/{dentist.id}/follow-up",
                           data={"follow_up": "0", "compact": "1"}, headers=HTMX)
    assert t("Remove follow-up") not in text_of(response)
    assert not ThreadFollowUp.select().exists()


def test_a_follow_up_goes_with_the_thread(client, login, app):
    dentist = thread_of(DENTIST)
    login("larer1a")
    follow_up(client, dentist, due="2026-11-20")
    login("rektor")
    follow_up(client, dentist)
    assert ThreadFollowUp.select().count() == 2
    delete_threads([dentist.id], app.extensions["storage"])
    assert not ThreadFollowUp.select().exists()


# The inbox's folders --------------------------------------------------------------------

def test_the_folder_links_keep_the_group_and_work_without_javascript(client, login, t):
    login("rektor")
    group = Group.get(Group.name == "1B").id
    html = client.get(f"/messages/?group={group}").get_data(as_text=True)
    for folder in ("answer", "follow-up", "done", "archived"):
        assert f"/messages/?folder={folder}&amp;group={group}" in html, folder
    assert 'aria-current="page"' in html
    page = inbox_text(client, "done", group=group)
    assert t("No messages here yet.") in page
    mark_done(client, thread_of(MATHS))
    assert MATHS in inbox_text(client, "done", group=group)
    assert MATHS not in inbox_text(client, "done", group=Group.get(Group.name == "1A").id)


def test_each_inbox_line_has_the_staff_toggles_and_guardians_none(client, login, t):
    login("larer1a")
    html = client.get("/messages/").get_data(as_text=True)
    dentist = thread_of(DENTIST)
    assert f'action="/messages/{dentist.id}/done"' in html
    assert f'action="/messages/{dentist.id}/follow-up"' in html
    assert f'aria-describedby="subject-{dentist.id}"' in html
    login("kari")
    html = client.get("/messages/").get_data(as_text=True)
    assert "/done" not in html and "/follow-up" not in html
    assert t("Follow up") not in text_of(client.get("/messages/"))


def test_archived_threads_are_in_the_archive_folder_only(client, login):
    dentist = thread_of(DENTIST)
    login("larer1a")
    client.post(f"/messages/{dentist.id}/archive")
    follow_up(client, dentist)
    mark_done(client, dentist)
    assert DENTIST in inbox_text(client, "archived")
    for folder in ("", "done", "follow-up", "answer"):
        assert DENTIST not in inbox_text(client, folder), folder
    login("rektor")  # archiving was Lars's own
    assert DENTIST in inbox_text(client, "done")


def test_pages_of_a_folder_stay_in_the_folder(client, login, users, kids):
    login("rektor")
    unit = Group.get(Group.name == "1A").unit
    for n in range(35):
        thread = Thread.create(unit=unit, child=kids["Emma"], subject=f"Ferdig {n:02d}",
                               created_by=users["kari"])
        mark_done(client, thread)
    html = client.get("/messages/?folder=done").get_data(as_text=True)
    assert "/messages/?page=1&amp;folder=done" in html
    second = inbox_text(client, "done", page=1)
    assert "Ferdig 00" in second and DENTIST not in second
    lines, _ = inbox.inbox(users["rektor"], folder="done")
    assert all(line.filing.done_at for line in lines)


@pytest.mark.parametrize("username, folder", [
    ("rektor", ""), ("rektor", "done"), ("rektor", "follow-up"), ("rektor", "answer"),
    ("larer1a", ""), ("larer1a", "done"), ("larer1a", "follow-up"), ("kari", ""),
])
def test_each_folder_costs_a_constant_small_number_of_queries(client, login, users, kids,
                                                              username, folder):
    url = f"/messages/?folder={folder}" if folder else "/messages/"
    me = login(username)
    # Each folder has a line to start with (an empty page asks nothing more).
    gym = thread_of(GYM)
    if folder == "done":
        Thread.update(done_at=datetime.datetime(2026, 11, 17), done_by=users["rektor"]
                      ).where(Thread.id == gym.id).execute()
    ThreadFollowUp.create(thread=gym, user=me)
    before = queries_for(client, url)
    unit = Group.get(Group.name == "1A").unit
    for n in range(20):
        child = Child.create(first_name=f"X{n}", last_name="Y",
                             birth_date=today() - datetime.timedelta(days=2500))
        Enrolment.create(child=child, group=Group.get(Group.name == "1A"),
                         start_date=today() - datetime.timedelta(days=3))
        Guardianship.create(guardian=users["kari"], child=child, responsibility="sole")
        thread = Thread.create(unit=unit, child=child, subject=f"T{n}",
                               created_by=users["kari"], last_from_guardian=True,
                               done_at=datetime.datetime(2026, 11, 18) if n % 2 else None,
                               done_by=users["rektor"] if n % 2 else None)
        ThreadParticipant.create(thread=thread, user=users["kari"], role="guardian")
        ThreadParticipant.create(thread=thread, user=users["ola"], role="guardian",
                                 copied_by=users["kari"])
        for who in ("rektor", "larer1a"):
            ThreadFollowUp.create(thread=thread, user=users[who],
                                  due=today() + datetime.timedelta(days=n % 3))
    after = queries_for(client, url)
    assert before == after and after <= 6, (url, before, after)
    if username != "kari":  # the odd ones are done
        assert f"T{19 if folder == 'done' else 18}" in inbox_text(client, folder)


@pytest.mark.parametrize("username", ["rektor", "larer1a"])
def test_a_thread_page_for_staff_stays_within_the_budget(client, login, username):
    dentist = thread_of(DENTIST)
    login(username)
    follow_up(client, dentist, due="2026-11-20")
    mark_done(client, dentist)
    url = f"/messages/{dentist.id}"
    client.get(url)
    assert queries_for(client, url) <= 6
