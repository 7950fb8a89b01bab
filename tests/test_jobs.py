"""The purge and the exports never run over the same data at once
(models/retention/jobs.py): each announces itself, committed, before it starts."""
import datetime
import threading

import pytest

from models.db import database
from models.retention import jobs


def test_an_export_keeps_the_purge_out_and_the_purge_keeps_exports_out(app):
    with database.connection_context():
        with jobs.export_running("export:7"):
            with pytest.raises(jobs.Busy):
                with jobs.purge_running():
                    pytest.fail("the purge ran during an export")
        with jobs.purge_running():
            with pytest.raises(jobs.Busy):
                with jobs.export_running("archive:1"):
                    pytest.fail("an export ran during the purge")
        # Both finished: each runs again, and nothing is left announced.
        with jobs.purge_running():
            pass
        with jobs.export_running("export:7"):
            pass
        assert jobs.holders() == []


def test_the_same_export_is_not_made_twice_at_once_but_two_exports_are(app):
    with database.connection_context():
        with jobs.export_running("export:7"):
            with jobs.export_running("export:8"):
                assert [key for _, key, _ in jobs.holders()] == ["export:7", "export:8"]
            with pytest.raises(jobs.Busy):
                with jobs.export_running("export:7"):
                    pytest.fail("the same export twice")


def test_a_failing_job_leaves_no_announcement_behind(app):
    with database.connection_context():
        with pytest.raises(ZeroDivisionError):
            with jobs.export_running("export:7"):
                1 / 0
        with jobs.purge_running():
            pass


def test_a_job_that_died_stops_counting_after_a_while(app, clock):
    with database.connection_context():
        clock.set(datetime.datetime(2026, 12, 7, 2, 0, tzinfo=datetime.timezone.utc))
        jobs.JobLock.create(kind=jobs.EXPORT, key="export:7")  # its process was killed
        with pytest.raises(jobs.Busy):
            with jobs.purge_running():
                pass
        clock.advance(jobs.STALE[jobs.EXPORT] + datetime.timedelta(minutes=1))
        with jobs.purge_running():
            pass
        with jobs.export_running("export:7"):  # the dead row is replaced
            pass


def test_another_process_sees_the_announcement_at_once(app):
    """The export runs on another connection (as another worker would): the purge
    started meanwhile backs off."""
    started, finish, errors = threading.Event(), threading.Event(), []

    def export():
        try:
            with database.connection_context():
                with jobs.export_running("export:7"):
                    started.set()
                    finish.wait(10)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
            started.set()

    worker = threading.Thread(target=export)
    worker.start()
    try:
        assert started.wait(10)
        with database.connection_context():
            with pytest.raises(jobs.Busy):
                with jobs.purge_running():
                    pass
    finally:
        finish.set()
        worker.join(10)
    assert not errors
    with database.connection_context():
        with jobs.purge_running():
            pass
