"""The demo's event: "Aktivitetsdag" for 1A on Wednesday next week, all day, with a
reply deadline at least two days before it; Kari has answered yes for Emma (one child,
two adults)."""
import datetime

from models.events import events
from models.events.tables import YES, EventReply
from models.school.tables import Child, Group, User

TEXTS = {
    "nb": {"title": "Aktivitetsdag",
           "body": "Hele 1A har aktivitetsdag ute på skolens område, med stasjoner og "
                   "grilling til lunsj. Foresatte og søsken er velkomne fra klokka 12.",
           "bring": "Klær etter været, drikkeflaske og sitteunderlag."},
    "nn": {"title": "Aktivitetsdag",
           "body": "Heile 1A har aktivitetsdag ute på skuleområdet, med stasjonar og "
                   "grilling til lunsj. Føresette og sysken er velkomne frå klokka 12.",
           "bring": "Klede etter vêret, drikkeflaske og sitjeunderlag."},
    "sv": {"title": "Aktivitetsdag",
           "body": "Hela 1A har aktivitetsdag ute på skolgården, med stationer och "
                   "grillning till lunch. Vårdnadshavare och syskon är välkomna från "
                   "klockan 12.",
           "bring": "Kläder efter väder, vattenflaska och sittunderlag."},
}


def deadline_of(day):
    """Friday this week at 23:59, or Monday next week at 12:00 from Friday on (local)."""
    monday = day - datetime.timedelta(days=day.weekday())
    if day.weekday() < 4:
        return monday + datetime.timedelta(days=4), datetime.time(23, 59)
    return monday + datetime.timedelta(days=7), datetime.time(12, 0)


def load(day, language="nb"):
    g1a = Group.get(Group.name == "1A")
    teacher = User.get(User.username == "larer1a")
    kari = User.get(User.username == "kari")
    emma = Child.get(Child.first_name == "Emma")
    wednesday = day - datetime.timedelta(days=day.weekday()) + datetime.timedelta(days=9)
    text = TEXTS.get(language, TEXTS["nb"])
    deadline_day, deadline_time = deadline_of(day)
    draft = events.Draft(
        unit_id=g1a.unit_id, title=text["title"], body=text["body"], bring=text["bring"],
        language=language, place="Solbakken skole, skolegården", first_day=wednesday,
        last_day=wednesday, all_day=True, group_ids=[g1a.id],
        texts={code: value for code, value in TEXTS.items() if code != language},
        reply_wanted=True, asks_counts=True,
        reply_deadline=events.utc(deadline_day, deadline_time))
    event = events.create(teacher, draft)
    EventReply.create(event=event, child=emma, answer=YES, children=1, adults=2,
                      answered_by=kari)
    return event
