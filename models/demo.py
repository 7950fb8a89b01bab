"""The demo municipality: the fixed cast that `make run`, the tests and the docs share.

Every demo user's password is `kontaktbok-demo`. Dates are relative to the day the data
is loaded, so the children are always the ages the cast describes.
"""
import datetime

from models import audit
from models.absence.tables import ILL, LEAVES_EARLY, OTHER, Absence, LeaveApplication
from models.calendar.tables import DayOff
from models.consent import consent_book
from models.consent.tables import (AGREE, NO, PHOTO_ITEMS, YES, ConsentAnswer, ConsentItem,
                                   ConsentVersion)
from models.db import database, today, utcnow
from models.demo_day import kindergarten_day, morning, pickup_list, tablet
from models.access_log import demo as access_log_demo
from models.login.passwords import hash_password
from models.messaging import attachments, office_hours, search_index
from models.messaging.tables import (ANNOUNCEMENT, CONVERSATION, GUARDIAN, STAFF, Message, Thread,
                                     ThreadParticipant)
from models.notifications import notify
from models.posts import posts
from models.posts.tables import Post
from models.rectification import demo as rectification_demo
from models.events import demo as events_demo
from models.weekplan import demo as weekplan_demo
from models.meetings import demo as meetings_demo
from models.calendar import demo as calendar_demo
from models.protect import index_of
from models.school.tables import (ADMINISTRATOR, CONTACT_TEACHER, GROUP_STAFF, KINDERGARTEN_STAFF,
                                  SFO_STAFF, UNIT_LEADER, CaregiverApproval, CaregiverGrant, Child,
                                  ClassListShare, Enrolment, Group, Guardianship, StaffRole, Unit,
                                  User, school_year_of)
from models.school.tables import DATA_PROTECTION_OFFICER

PASSWORD = "kontaktbok-demo"


def _national_id(birth, serial):
    # Synthetic: the birth date and an individual number from the test range (no
    # control digits), never a real person's number.
    return f"{birth:%d%m%y}{serial:05d}"


# Synthetic national identity numbers of the demo's adults, for trying eID login against
# a test provider (ID-porten's test environment uses synthetic people too).
ADULT_IDS = {"kari": (datetime.date(1988, 4, 12), 20001),
             "ola": (datetime.date(1986, 9, 30), 20002),
             "per": (datetime.date(1985, 1, 22), 20003),
             "nina": (datetime.date(1990, 7, 5), 20004),
             "lise": (datetime.date(1987, 11, 17), 20005),
             "amina": (datetime.date(1991, 2, 8), 20006),
             "bestemor": (datetime.date(1958, 5, 3), 20007)}


def adult_national_id(username):
    return _national_id(*ADULT_IDS[username])


def is_empty():
    return not User.select().exists()


def load(day=None, municipality="Demo kommune", storage=None):
    day = day or today()
    year = school_year_of(day)
    term_start = datetime.date(year, 8, 15)
    password = hash_password(PASSWORD)
    with database.atomic(), notify.silenced():
        school = Unit.create(name="Solbakken skole", kind="school", phone="+47 22 00 10 00",
                             email="solbakken.skole@demo.kommune.no",
                             address="Skoleveien 2, 0002 Demo")
        sfo = Unit.create(name="Solbakken SFO", kind="sfo", phone="+47 22 00 10 10",
                          email="solbakken.sfo@demo.kommune.no",
                          address="Skoleveien 2, 0002 Demo")
        kindergarten = Unit.create(name="Regnbuen barnehage", kind="kindergarten",
                                   phone="+47 22 00 20 00",
                                   email="regnbuen.barnehage@demo.kommune.no",
                                   address="Eventyrstien 5, 0003 Demo")
        # Office hours (issue 22): the school answers messages Mon–Fri 08:00–15:30.
        office_hours.save_unit(school, {day: (8 * 60, 15 * 60 + 30) for day in range(5)},
                               school.phone)
        g1a = Group.create(unit=school, name="1A", school_year=year)
        g1b = Group.create(unit=school, name="1B", school_year=year)
        gsfo = Group.create(unit=sfo, name="SFO 1–2", school_year=year)
        blaklokka = Group.create(unit=kindergarten, name="Blåklokka", school_year=year)

        def child(first, last, birth, serial, groups, **extra):
            number = _national_id(birth, serial)
            row = Child.create(first_name=first, last_name=last, birth_date=birth,
                               national_id=number, national_id_index=index_of(number),
                               **extra)
            for group in groups:
                Enrolment.create(child=row, group=group, start_date=term_start)
            return row

        first_graders_born = year - 6
        emma = child("Emma", "Hansen", datetime.date(first_graders_born, 3, 14), 10001,
                     [g1a, gsfo], address="Bjørkeveien 4, 0004 Demo")
        jonas = child("Jonas", "Lie", datetime.date(first_graders_born, 6, 2), 10002, [g1a],
                      address="Granstien 7, 0004 Demo")
        sara = child("Sara", "Berg", datetime.date(first_graders_born, 9, 21), 10003, [g1a],
                     address="", address_protection="strengtFortrolig")
        ali = child("Ali", "Hassan", datetime.date(first_graders_born, 1, 30), 10004, [g1b],
                    address="Lindealleen 12, 0005 Demo")
        noah = child("Noah", "Hansen", day - datetime.timedelta(days=4 * 365 + 100), 10005,
                     [blaklokka], address="Bjørkeveien 4, 0004 Demo")
        # The SFO's Siri Fritid is Ida's mother (issue 22: staff who are also parents).
        ida = child("Ida", "Fritid", datetime.date(first_graders_born, 11, 5), 10006,
                    [g1b, gsfo], address="Solsikkeveien 3, 0005 Demo")

        def user(username, first, last, **extra):
            if username in ADULT_IDS:
                number = adult_national_id(username)
                extra.update(national_id=number, national_id_index=index_of(number))
            return User.create(username=username, password_hash=password, first_name=first,
                               last_name=last, **extra)

        kari = user("kari", "Kari", "Hansen", email="kari@example.org", phone="+47 900 00 001",
                    address="Bjørkeveien 4, 0004 Demo")
        ola = user("ola", "Ola", "Hansen", email="ola@example.org", phone="+47 900 00 002",
                   address="Furuveien 9, 0006 Demo")
        per = user("per", "Per", "Olsen", email="per@example.org", phone="+47 900 00 003")
        nina = user("nina", "Nina", "Lie", email="nina@example.org", phone="+47 900 00 004",
                    address="Granstien 7, 0004 Demo")
        lise = user("lise", "Lise", "Berg", email="lise@example.org", phone="+47 900 00 005",
                    address_protection="strengtFortrolig")
        amina = user("amina", "Amina", "Hassan", email="amina@example.org",
                     phone="+47 900 00 006", address="Lindealleen 12, 0005 Demo")
        bestemor = user("bestemor", "Randi", "Hansen", email="randi@example.org",
                        phone="+47 900 00 007")

        for guardian, kid, responsibility, residence, main in (
                (kari, emma, "shared", True, True), (ola, emma, "shared", False, False),
                (kari, noah, "shared", True, True), (ola, noah, "shared", False, False),
                (per, emma, "none", False, False), (nina, jonas, "sole", True, True),
                (lise, sara, "sole", True, True), (amina, ali, "sole", True, True)):
            Guardianship.create(guardian=guardian, child=kid, responsibility=responsibility,
                                fixed_residence=residence, main_addressee=main)

        grant = CaregiverGrant.create(caregiver=bestemor, child=emma, requested_by=kari,
                                      relation="grandparent", confirmed_at=utcnow())
        CaregiverApproval.create(grant=grant, guardian=kari)
        CaregiverApproval.create(grant=grant, guardian=ola)
        # Two people Kari has asked access for: they wait for Ola's approval.
        for first, last, email, relation in (
                ("Arne", "Hansen", "arne.hansen@example.org", "grandparent"),
                ("Svein", "Moe", "svein.moe@example.org", "family_friend")):
            asked = CaregiverGrant.create(child=emma, requested_by=kari, relation=relation,
                                          first_name=first, last_name=last, email=email)
            CaregiverApproval.create(grant=asked, guardian=kari)
        pickup_list(noah, kari, ola)

        for username, first, last, roles in (
                ("rektor", "Rita", "Rektorsen", [(UNIT_LEADER, school, None)]),
                ("larer1a", "Lars", "Lærer", [(CONTACT_TEACHER, school, g1a)]),
                ("faglarer", "Frida", "Faglærer", [(GROUP_STAFF, school, g1a),
                                                   (GROUP_STAFF, school, g1b)]),
                ("sfo", "Siri", "Fritid", [(SFO_STAFF, sfo, None)]),
                ("styrer", "Stein", "Styrer", [(UNIT_LEADER, kindergarten, None)]),
                ("bhg", "Bente", "Barnehage", [(KINDERGARTEN_STAFF, kindergarten, blaklokka)]),
                ("admin", "Ada", "Administrator", [(ADMINISTRATOR, None, None)]),
                ("personvern", "Dina", "Personvernombud",
                 [(DATA_PROTECTION_OFFICER, None, None)])):
            staff = user(username, first, last, email=f"{username}@demo.kommune.no")
            for role, unit, group in roles:
                StaffRole.create(user=staff, role=role, unit=unit, group=group)
            if username == "sfo":  # and Ida's mother, with sole parental responsibility
                staff.address = ida.address
                staff.save(only=[User.address])
                Guardianship.create(guardian=staff, child=ida, responsibility="sole",
                                    fixed_residence=True, main_addressee=True)

        grant.confirmed_by = User.get(User.username == "rektor")
        grant.save()
        staff = {u.username: u for u in User.select().where(
            User.username.in_(["larer1a", "faglarer", "sfo", "bhg", "styrer"]))}
        tablet(blaklokka, staff["styrer"], staff["bhg"])
        now = utcnow()

        def thread(subject, unit, child, talk, group=None, kind=CONVERSATION):
            """talk: [(sender, body)], oldest first; everyone in it takes part."""
            created = now - datetime.timedelta(hours=len(talk) + 2)
            row = Thread.create(kind=kind, unit=unit, child=child, group=group,
                                subject=subject, created_by=talk[0][0], created_at=created)
            people = {}
            for n, (sender, body) in enumerate(talk):
                at = created + datetime.timedelta(hours=n + 1)
                Message.create(thread=row, sender=sender, body=body, created_at=at)
                people.setdefault(sender.id, sender)
            row.last_message_at = at
            row.last_from_guardian = talk[-1][0].id not in {u.id for u in staff.values()}
            row.save()
            return row, people, at

        def take_part(row, user, role, read_at=None):
            ThreadParticipant.create(thread=row, user=user, role=role, last_read_at=read_at)

        for subject, unit, kid, guardian, member, talk in (
                ("Tannlege torsdag", school, emma, kari, staff["larer1a"],
                 [(kari, "Hei! Emma må til tannlegen torsdag klokka 10, og kommer på skolen "
                         "etterpå."),
                  (staff["larer1a"], "Takk for beskjed. Hun får med seg leksene for "
                                     "fredag.")]),
                ("Matpakke", kindergarten, noah, ola, staff["bhg"],
                 [(ola, "Noah glemte matpakken i dag. Kan han få litt fra barnehagen?"),
                  (staff["bhg"], "Det ordner vi, han får brødmåltid med de andre.")]),
                ("Henting fredag", sfo, emma, ola, staff["sfo"],
                 [(ola, "Emma blir hentet klokka 14 på fredag av bestemor Randi.")]),
                ("Lekser i matte", school, ali, amina, staff["faglarer"],
                 [(amina, "Ali synes matteleksen denne uken er vanskelig. Kan dere se på "
                          "den sammen?"),
                  (staff["faglarer"], "Ja, vi tar den i timen onsdag.")]),
                ("Gymtøy", school, jonas, nina, staff["faglarer"],
                 [(staff["faglarer"], "Jonas hadde ikke med gymtøy i dag. Husk det til "
                                      "torsdag!"),
                  (nina, "Beklager, det skal være med på torsdag.")])):
            row, people, last = thread(subject, unit, kid, talk)
            guardian_read = last if subject != "Tannlege torsdag" else (
                last - datetime.timedelta(hours=1))  # kari has not read the reply
            take_part(row, guardian, GUARDIAN, guardian_read)
            take_part(row, member, STAFF, last)

        meeting, _, sent = thread(
            "Foreldremøte 1A", school, None,
            [(staff["larer1a"], "Velkommen til foreldremøte i 1A tirsdag 18:00 i "
                                "klasserommet. Vi snakker om høstens turer.")],
            group=g1a, kind=ANNOUNCEMENT)
        take_part(meeting, staff["larer1a"], STAFF, sent)
        for guardian in (kari, ola, nina, lise):  # 1A's guardians with access
            take_part(meeting, guardian, GUARDIAN, sent if guardian is nina else None)

        _consents(municipality, now, day, g1a,
                  guardians={"kari": kari, "ola": ola, "nina": nina, "lise": lise},
                  children={"Emma": emma, "Noah": noah, "Jonas": jonas, "Sara": sara})
        for guardian, kid, group, fields in (
                (nina, jonas, g1a, ("child_name", "my_name", "email", "phone")),
                (kari, emma, g1a, ("child_name", "my_name")),
                (ola, emma, g1a, ("phone",)),
                (amina, ali, g1b, ("child_name", "my_name", "email", "phone", "address"))):
            ClassListShare.create(guardian=guardian, child=kid, group=group,
                                  **dict.fromkeys(fields, True))
        # lise has ticked nothing (and Sara, whose address is protected, is never listed).
        _posts(now, staff["bhg"], staff["larer1a"], blaklokka, g1a, noah, emma, jonas,
               storage)
        yesterday = day - datetime.timedelta(days=1)
        Absence.create(child=emma, start_date=yesterday, end_date=yesterday, reason=ILL,
                       reported_by=kari, reported_at=now - datetime.timedelta(days=1))
        Absence.create(child=noah, start_date=day, end_date=day, part=LEAVES_EARLY,
                       at_time=datetime.time(14, 0), picked_up_by="Randi Hansen (bestemor)",
                       reason=OTHER, reported_by=ola, reported_at=now)
        holidays = school_holidays(year)
        school_day = day.weekday() < 5 and not any(
            first <= day <= last for _, first, last in holidays)
        morning(day, now, school_day, g1a, jonas, staff["larer1a"])
        kindergarten_day(day, now, kindergarten, blaklokka, noah, staff["bhg"])
        next_month = (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        monday = next_month + datetime.timedelta(days=(7 - next_month.weekday()) % 7)
        LeaveApplication.create(child=ali, start_date=monday,
                                end_date=monday + datetime.timedelta(days=2),
                                reason="Besøk hos besteforeldre i Bergen.", applied_by=amina,
                                applied_at=now - datetime.timedelta(hours=5))
        for name, first, last in holidays:
            DayOff.create(unit=school, first_day=first, last_day=last, name=name)
        rectification_demo.open_request(ola, day)
        events_demo.load(day)
        weekplan_demo.load(day)
        meetings_demo.load(day)
        calendar_demo.load(day)
        access_log_demo.opened(now, emma, school, staff["larer1a"],
                               User.get(User.username == "rektor"))
        search_index.index_missing()  # the demo's messages were written directly
        audit.record("demo.loaded", detail_note="demo municipality loaded")


def _easter(year):
    """Easter Sunday (the Gregorian computus, "anonymous" algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    h = (19 * a + b - b // 4 - (b - (b + 8) // 25 + 1) // 3 + 15) % 30
    l = (32 + 2 * (b % 4) + 2 * (c // 4) - h - c % 4) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    return datetime.date(year, (h + l - 7 * m + 114) // 31, (h + l - 7 * m + 114) % 31 + 1)


def school_holidays(year):
    """The school year's holidays as a Norwegian municipality sets them (the school year
    starting in August of `year`): autumn (week 40), Christmas, winter (week 8) and
    Easter (Monday of Holy Week to Easter Monday)."""
    week = datetime.date.fromisocalendar
    easter = _easter(year + 1)
    return [("Høstferie", week(year, 40, 1), week(year, 40, 5)),
            ("Juleferie", datetime.date(year, 12, 22), datetime.date(year + 1, 1, 2)),
            ("Vinterferie", week(year + 1, 8, 1), week(year + 1, 8, 5)),
            ("Påskeferie", easter - datetime.timedelta(days=6),
             easter + datetime.timedelta(days=1))]


TRIP = {
    "nb": {"title": "Tur til Mjøsa",
           "text": "1A drar på dagstur til Mjøsa med buss. Vi er tilbake ved skolen "
                   "klokka 15. Barna trenger matpakke, drikke og klær etter været. "
                   "Svar ja om barnet ditt kan bli med."},
    "nn": {"title": "Tur til Mjøsa",
           "text": "1A dreg på dagstur til Mjøsa med buss. Vi er tilbake ved skulen "
                   "klokka 15. Borna treng matpakke, drikke og klede etter vêret. "
                   "Svar ja om barnet ditt kan bli med."},
    "sv": {"title": "Utflykt till Mjøsa",
           "text": "1A åker på dagsutflykt till Mjøsa med buss. Vi är tillbaka vid skolan "
                   "klockan 15. Barnen behöver matsäck, dryck och kläder efter väder. "
                   "Svara ja om ditt barn får följa med."},
    "en": {"title": "Trip to Mjøsa",
           "text": "1A goes on a day trip to Lake Mjøsa by bus. We are back at school at "
                   "3 pm. The children need a packed lunch, a drink and clothes for the "
                   "weather. Answer yes if your child may come along."},
}


def _consents(municipality, now, day, g1a, guardians, children):
    """Photo consent answers for the demo children, and a trip consent for 1A."""
    photo = consent_book.ensure_photo_consent(municipality)
    version = ConsentVersion.get(ConsentVersion.consent == photo)
    items = {item.key: item for item in photo.items}
    given = now - datetime.timedelta(days=20)

    def answer(child, guardian, keys, value, version=version, items=items, at=given):
        for key in keys:
            ConsentAnswer.create(item=items[key], version=version, child=child,
                                 guardian=guardian, answer=value, recorded_by=guardian, at=at)

    kari, ola, nina, lise = (guardians[n] for n in ("kari", "ola", "nina", "lise"))
    every = PHOTO_ITEMS
    answer(children["Emma"], kari, every, YES)
    answer(children["Emma"], ola, ("app", "web", "name"), YES)
    answer(children["Emma"], ola, ("social",), NO)
    answer(children["Noah"], kari, every, YES)
    answer(children["Noah"], ola, every, YES)
    answer(children["Jonas"], nina, ("app",), YES)
    answer(children["Sara"], lise, every, NO)
    # Ali: nobody has answered.
    rektor = User.get(User.username == "rektor")
    trip = consent_book.create(rektor, TRIP, unit=g1a.unit, group=g1a,
                               deadline=day + datetime.timedelta(days=14),
                               at=now - datetime.timedelta(days=3))
    answer(children["Jonas"], nina, (AGREE,), YES,
           version=ConsentVersion.get(ConsentVersion.consent == trip),
           items={AGREE: ConsentItem.get(ConsentItem.consent == trip)},
           at=now - datetime.timedelta(days=1))


def _picture(seed, sky, ground):
    """A made-up landscape, so the demo has photos without any real child in them."""
    import io
    import random

    from PIL import Image, ImageDraw
    rng = random.Random(seed)
    image = Image.new("RGB", (1200, 900), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 600, 1200, 900), fill=ground)
    for _ in range(12):
        x, y = rng.randint(0, 1150), rng.randint(380, 620)
        draw.polygon([(x, y), (x - 60, y + 220), (x + 60, y + 220)], fill=(28, 92, 48))
    draw.ellipse((950, 80, 1100, 230), fill=(250, 210, 80))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _posts(now, bhg, larer1a, blaklokka, g1a, noah, emma, jonas, storage):
    """A walk in the woods for Blåklokka (two photos with Noah), Noah's first time on
    skis (individual), and kites in 1A: Emma and Jonas, for the app only (Jonas's
    consent covers nothing more)."""
    def upload(seed, tags, sky=(135, 190, 235), ground=(90, 160, 80)):
        photo = attachments.prepare_photo(f"demo-{seed}.jpg", _picture(seed, sky, ground),
                                          10 * 1024 * 1024)
        item = posts.Upload(photo, tags, not tags)
        item.stored_name = attachments.store(storage, photo.full)
        item.thumb_name = attachments.store(storage, photo.thumb)
        return item

    photos = storage is not None
    forest = posts.publish(bhg, blaklokka.unit_id, "Tur i skogen",
                           "I dag gikk vi tur i skogen og fant kongler og maur.",
                           [upload(1, [noah.id]), upload(2, [noah.id], ground=(70, 130, 60))]
                           if photos else [], group_id=blaklokka.id)
    skis = posts.publish(bhg, blaklokka.unit_id, "Første gang på ski",
                         "Noah sto på ski for første gang, og hadde det kjempegøy!",
                         [upload(3, [noah.id], sky=(200, 220, 240), ground=(245, 245, 250))]
                         if photos else [], child_id=noah.id)
    kites = posts.publish(larer1a, g1a.unit_id, "Vi lager drager",
                          "1A har laget drager av papir og sugerør.",
                          [upload(4, [emma.id, jonas.id], sky=(120, 170, 230))]
                          if photos else [], group_id=g1a.id)
    for post, hours in ((forest, 30), (skis, 6), (kites, 3)):
        Post.update(published_at=now - datetime.timedelta(hours=hours)).where(
            Post.id == post.id).execute()
