"""The demo's school morning and kindergarten day (issue 18), loaded by models/demo.py in
its transaction: Noah's pick-up list, Blåklokka's shared tablet and Bente's PIN, 1A's
register for today (Jonas marked absent with no word from home, so that Nina has a
notice to answer) and Noah checked in at 08:05."""
import datetime

from models.attendance import notice as absence_notice
from models.attendance.settings import Settings
from models.attendance.tables import ABSENT, UNKNOWN, AttendanceMark
from models.daycare import presence
from models.devices.tables import Device, StaffPin
from models.login.passwords import hash_password
from models.pickup.tables import PickupApproval, PickupPerson

DEMO_PIN = "2468"  # Bente's PIN for the shared tablet


def pickup_list(noah, kari, ola):
    """Randi (bestemor), approved by both parents, and a neighbour Kari has put on the
    list, waiting for Ola's approval."""
    randi = PickupPerson.create(child=noah, first_name="Randi", last_name="Hansen",
                                relation="grandparent", phone="+47 900 00 007",
                                requested_by=kari)
    for parent in (kari, ola):
        PickupApproval.create(person=randi, guardian=parent)
    neighbour = PickupPerson.create(child=noah, first_name="Tone", last_name="Nilsen",
                                    relation="neighbour", phone="+47 900 00 008",
                                    requested_by=kari)
    PickupApproval.create(person=neighbour, guardian=kari)


def tablet(blaklokka, styrer, bhg):
    """Blåklokka's shared tablet, paired by Stein (its secret is in no cookie: pair a
    browser of your own to try the tablet), and Bente's PIN for it."""
    Device.create(group=blaklokka, name="Blåklokka-nettbrett", token_hash="0" * 64,
                  paired_by=styrer)
    StaffPin.create(user=bhg, pin_hash=hash_password(DEMO_PIN))


def morning(day, now, school_day, g1a, jonas, larer1a):
    """1A's register today, when today is a school day (Emma's illness was reported
    yesterday, models/demo.py): Jonas marked absent with no word from home, and Nina's
    notice of it (the notification itself is silenced, as all in the demo)."""
    if not school_day:
        return
    AttendanceMark.create(child=jonas, group=g1a, day=day, status=ABSENT, marked_by=larer1a,
                          marked_at=now)
    absence_notice.consider(g1a, day, {jonas.id: (ABSENT, UNKNOWN)}, larer1a, Settings(),
                            now=now)


def kindergarten_day(day, now, kindergarten, blaklokka, noah, bhg):
    """Blåklokka today, when open and past 08:05: Bente checked Noah in at 08:05."""
    arrived = presence.moment(day, datetime.time(8, 5))
    if arrived <= now and presence.open_on(kindergarten.id, day):
        presence.check_in(noah.id, blaklokka.id, bhg, at=arrived)
