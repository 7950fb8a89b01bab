"""The demo cast every test file shares, and the demo objects tests name.

The cast is models/demo.py's users (README's table): two parents sharing Emma and Noah,
Emma's father without parental responsibility, three parents of other children (one with
a protected address), Emma's grandmother with caregiver access, school, after-school and
kindergarten staff, the administrator, and the data-protection officer (who sees no
child).
"""
from models.absence.tables import LeaveApplication
from models.consent.tables import Consent
from models.events.tables import Event
from models.meetings.tables import MeetingRound
from models.messaging.tables import Thread
from models.posts.tables import Post
from models.school.tables import Child, Group, Unit, User

ANONYMOUS = None
GUARDIANS = ["kari", "ola", "per", "nina", "lise", "amina", "bestemor"]
STAFF = ["rektor", "larer1a", "faglarer", "sfo", "styrer", "bhg"]
CAST = GUARDIANS + STAFF + ["admin", "personvern"]
ROLES = [ANONYMOUS] + CAST

# Demo threads and posts by subject and title (models/demo.py).
DENTIST, MEETING = "Tannlege torsdag", "Foreldremøte 1A"
FOREST, SKIS, KITES = "Tur i skogen", "Første gang på ski", "Vi lager drager"


def demo_ids():
    """The ids of the demo objects, by the names route templates use: "/children/{emma}"."""
    ids = {name.lower(): child_id for child_id, name in
           Child.select(Child.id, Child.first_name).tuples()}
    ids.update({username: user_id for user_id, username in
                User.select(User.id, User.username).tuples()})
    groups = dict(Group.select(Group.name, Group.id).tuples())
    ids.update(g1a=groups["1A"], g1b=groups["1B"], gsfo=groups["SFO 1–2"],
               blaaklokka=groups["Blåklokka"])
    units = dict(Unit.select(Unit.name, Unit.id).tuples())
    ids.update(school=units["Solbakken skole"], sfo_unit=units["Solbakken SFO"],
               kindergarten=units["Regnbuen barnehage"])
    threads = dict(Thread.select(Thread.subject, Thread.id).tuples())
    ids.update(dentist=threads[DENTIST], meeting=threads[MEETING])
    posts = dict(Post.select(Post.title, Post.id).tuples())
    ids.update(forest=posts[FOREST], skis=posts[SKIS], kites=posts[KITES])
    ids["trip"] = Consent.select(Consent.id).where(Consent.kind != "photo").order_by(
        Consent.id).scalar()
    ids["event"] = Event.select(Event.id).where(Event.title == "Aktivitetsdag").scalar()
    ids["round"] = MeetingRound.select(MeetingRound.id).where(
        MeetingRound.title == "Foreldresamtaler").scalar()
    ids["photo"] = Consent.select(Consent.id).where(Consent.kind == "photo").scalar()
    ids["leave"] = LeaveApplication.select(LeaveApplication.id).where(
        LeaveApplication.child == ids["ali"]).scalar()
    return ids
