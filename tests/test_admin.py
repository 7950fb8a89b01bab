"""The administrator's access log: read only with a reason, filtered by who did it, by
kind of event and by the child it concerns; every read is itself in the log."""
from models import audit
from models.audit import AuditEvent
from models.people import Child

from .helpers import text_of


def read_log(client, **filters):
    return client.post("/admin/log", data={"reason": "A guardian asked who saw what",
                                           **filters})


def test_the_log_filtered_by_person_kind_and_child(client, login, users, kids, t):
    emma, jonas = kids["Emma"], kids["Jonas"]
    audit.record("absence.reported", actor=users["kari"], obj=emma)
    audit.record("consent.answered", actor=users["ola"], child=emma.id, item=3)
    audit.record("consent.answered", actor=users["nina"], child=jonas.id, item=3)
    audit.record("consent.answered", actor=users["nina"], child=emma.id * 10 + 1, item=3)
    login("admin")
    number = Child.get_by_id(emma.id).national_id.reveal()
    page = text_of(read_log(client, child=number))
    assert "Kari Hansen" in page and "Ola Hansen" in page and "Nina Lie" not in page
    page = text_of(read_log(client, person="nina", kind="consent.answered"))
    assert "Nina Lie" in page and "Kari Hansen" not in page
    assert page.count(t("Consent answered")) == 2
    reads = list(AuditEvent.select().where(AuditEvent.action == "audit_log.read")
                 .order_by(AuditEvent.id))
    assert reads[0].details == {"reason": "A guardian asked who saw what",
                                "child": emma.id}
    assert reads[1].details["person"] == users["nina"].id
    assert number not in reads[0].detail  # the number itself is never logged


def test_an_unknown_person_or_child_comes_back_on_the_form(client, login, t):
    login("admin")
    answer = read_log(client, person="nobody", child="01017012345")
    assert answer.status_code == 400
    page = text_of(answer)
    assert t("No account has that username or national identity number.") in page
    assert t("No child has that national identity number.") in page
    html = answer.get_data(as_text=True)
    assert 'value="nobody"' in html and "A guardian asked who saw what" in html
    assert not AuditEvent.select().where(AuditEvent.action == "audit_log.read").exists()
