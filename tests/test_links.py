"""Links that leave the site (e-mail) go to PUBLIC_URL, the address the app really runs
on — `make run` sets it from its port — never to a fixed localhost:5000, and never to
the request's Host header."""
import os
import re
import subprocess

import pytest

from .conftest import ROOT
from .smtp import smtp_server
from .test_caregivers import invite_anne
from .test_notifications import body_of, mails_to, staff_message

BASE = "http://127.0.0.1:8123"
pytestmark = pytest.mark.clock("2026-11-18 10:00")  # a weekday morning: e-mail goes at once


@pytest.fixture
def make_app(make_app, monkeypatch):
    """The demo (conftest's `app`), served as `make run PORT=8123` serves it: the
    address comes from the environment, as the server and the worker read it."""
    monkeypatch.setenv("PUBLIC_URL", BASE)
    return make_app


@pytest.fixture
def smtp(app):
    with smtp_server(app) as server:
        yield server


def links_in(text):
    return re.findall(r"https?://\S+", text)


def test_the_caregiver_invitation_links_to_the_public_url(app, client, login, kids, smtp):
    assert app.config["PUBLIC_URL"] == BASE
    _, path = invite_anne(client, login, kids["Emma"], smtp.messages)
    invitation, = mails_to(smtp, "anne@example.org")
    body = invitation.get_body().get_content()
    assert f"{BASE}{path}" in links_in(body)
    assert "localhost" not in body
    client.post("/logout")
    assert client.get(path).status_code == 200  # the link works where it points


def test_a_notification_email_links_to_the_public_url(app, users, kids, smtp):
    thread = staff_message(users, kids)
    body = body_of(mails_to(smtp, "kari@example.org")[0])
    links = links_in(body)
    assert f"{BASE}/messages/{thread.id}" in links
    assert f"{BASE}/account/notifications" in links
    assert all(link.startswith(BASE + "/") for link in links)


def test_an_address_confirmation_links_to_the_public_url(app, client, login, smtp):
    login("kari")
    answer = client.post("/account/notifications", data={
        "digest": "1020", "quiet_from": "1260", "quiet_until": "420",
        "email": "kari.ny@example.org", "phone": ""})
    assert answer.status_code == 303
    confirm, = mails_to(smtp, "kari.ny@example.org")
    link, = links_in(body_of(confirm))
    assert link.startswith(f"{BASE}/account/email/")
    assert client.get(link.removeprefix(BASE)).status_code == 303


def test_make_run_gives_the_server_and_the_worker_the_address_it_serves():
    """`make run PORT=8123` links to port 8123; a PUBLIC_URL that is set wins."""
    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_URL"}
    plan = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout
    server = [line for line in plan.splitlines() if "gunicorn" in line or "worker &" in line]
    assert len(server) == 2
    assert all(f"PUBLIC_URL='{BASE}'" in line for line in server), server
    env["PUBLIC_URL"] = "https://kontaktbok.example.no"
    plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout
    assert plan.count("PUBLIC_URL='https://kontaktbok.example.no'") == 2
