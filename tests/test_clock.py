"""The app's one clock (models/db.py): every reading of the time goes through it, so a
test sets the instant it needs and no test depends on the hour, the weekday or the date
it runs at (DESIGN.md, Tests; issue 15, finding 11). `.ci/clock` runs the time-bound test
files under libfaketime at night, around midnight on New Year's Eve and over the
daylight-saving nights."""
import datetime
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models import db
from models.login import oidc
from tests.oidc_provider import CLIENT_ID, idporten_settings, kontaktbok_client, start_provider

ROOT = Path(__file__).resolve().parent.parent
OSLO = ZoneInfo("Europe/Oslo")

# The only places that still read the system clock, and why.
ALLOWED = {
    "models/db.py": "the clock itself",
    "models/notifications/mail.py": "a unique file name for a mail written to a folder",
    "views/admin.py": "compared with upload files' times, which the file system stamps",
}
SYSTEM_TIME = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|time\.time|"
                         r"time\.time_ns|time\.localtime|time\.gmtime|time\.ctime)\(")


def test_only_the_clock_reads_the_system_time():
    found = []
    for path in [ROOT / "app.py", ROOT / "cli.py", ROOT / "municipality.py",
                 *sorted((ROOT / "models").rglob("*.py")),
                 *sorted((ROOT / "views").rglob("*.py"))]:
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SYSTEM_TIME.search(line) and name not in ALLOWED:
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_the_clock_is_set_runs_on_and_is_moved(clock):
    start = datetime.datetime(2026, 11, 18, 10, 0, tzinfo=OSLO)
    clock.set(start)
    time.sleep(0.01)
    assert start < clock.now() < start + datetime.timedelta(seconds=5)
    clock.set(start, tick=False)
    clock.advance(hours=2)
    assert clock.now() == start + datetime.timedelta(hours=2)
    assert db.utcnow() == datetime.datetime(2026, 11, 18, 11, 0)  # naive UTC, as stored


@pytest.mark.clock("2026-12-31 23:59:50", tick=False)
def test_the_day_turns_at_local_midnight(clock, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Oslo")  # the server runs in the municipality's zone
    time.tzset()
    try:
        assert db.today() == datetime.date(2026, 12, 31)
        assert db.utcnow() == datetime.datetime(2026, 12, 31, 22, 59, 50)
        clock.advance(seconds=10)
        assert db.today() == datetime.date(2027, 1, 1)
        assert db.now_local(OSLO).isoformat() == "2027-01-01T00:00:00+01:00"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = start_provider(tmp_path_factory.mktemp("oidc"),
                             [kontaktbok_client("http://localhost")])
    yield running
    running.stop()


@pytest.mark.clock("2026-11-18 10:00", tick=False)
def test_the_id_token_s_times_are_checked_on_the_apps_clock(provider, clock):
    oidc.forget_cached()
    settings = idporten_settings(provider.issuer)
    issued = int(clock.now().timestamp())
    claims = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "x", "iat": issued,
              "exp": issued + 120, "nonce": "n1", "acr": "idporten-loa-substantial"}

    def check(**changes):
        return oidc.check_id_token(settings, provider.sign({**claims, **changes}), "n1")

    assert check()["sub"] == "x"
    clock.advance(seconds=120 + oidc.LEEWAY_SECONDS - 1)
    assert check()["sub"] == "x"  # within the leeway for clocks that differ
    clock.advance(seconds=1)
    with pytest.raises(oidc.Rejected, match="expired"):
        check()
    clock.set(datetime.datetime.fromtimestamp(issued - oidc.LEEWAY_SECONDS - 1, OSLO),
              tick=False)
    with pytest.raises(oidc.Rejected, match="not valid yet"):
        check()  # issued in the future
    clock.set(datetime.datetime.fromtimestamp(issued, OSLO), tick=False)
    with pytest.raises(oidc.Rejected, match="not valid yet"):
        check(nbf=issued + 600)
    for wrong in ("soon", None, [1], 1e400):
        with pytest.raises(oidc.Rejected):
            check(exp=wrong)
