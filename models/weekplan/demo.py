"""1A's weekly plans in the demo: this week's, published last Friday at 14:00, and next
week's, to be published this Friday at 14:00 (already out when the demo is loaded at
the weekend). Subject teacher Frida writes her own entries; one homework was changed
after publication, so the mark shows."""
import datetime
from zoneinfo import ZoneInfo

from models.db import today, utcnow
from models.school.tables import Group, User
from models.weekplan.tables import WeekPlan, WeekPlanEntry
from models.weekplan.weeks import default_publication, this_monday, to_utc

ZONE = ZoneInfo("Europe/Oslo")  # the demo municipality is Norwegian

THIS_WEEK = {
    "note": "Hei alle sammen! Denne uka jobber vi med bokstaven S og tallene opp til 20. "
            "Husk navn på alle klær og sko. Ta kontakt om noe er uklart.\nHilsen Lars",
    "entries": [
        (None, "larer1a", "Lesing", "Vi leser litt hver dag, hjemme og på skolen.",
         "Les 10 minutter hver dag, og skriv det i leseloggen.", ""),
        (0, "larer1a", "Norsk", "Bokstaven S: vi skriver, lytter og finner ord som "
         "begynner på S.", "Lesing side 12–15 i leseboka, høyt for en voksen.", ""),
        (0, "larer1a", "Matematikk", "Tallene 1–20: vi teller, sorterer og sammenligner.",
         "Arbeidsboka side 8.", ""),
        (1, "faglarer", "Kroppsøving", "Ballspill og stafett i gymsalen.", "",
         "Gymtøy og innesko."),
        (1, "larer1a", "Norsk", "Vi skriver S i skrivebok og lager en S-tegning.", "", ""),
        (2, "faglarer", "Naturfag", "Høsten: vi samler blader i skolegården og ser på "
         "fargene.", "Finn tre ulike blader og ta dem med torsdag.",
         "Klær etter været og støvler."),
        (3, "larer1a", "Matematikk", "Tiervenner: hvilke to tall blir 10?",
         "Matteark om tiervenner (ligger i sekken).", ""),
        (3, "larer1a", "Musikk", "Vi øver på sangen til fredagssamlingen.", "", ""),
        (4, "larer1a", "Norsk", "Fredagsstund: vi leser høyt for hverandre.", "", ""),
        (4, "larer1a", "Kunst og håndverk", "Vi maler høstbilder med vannfarger.", "",
         "En gammel skjorte å male i."),
    ],
    "changed": ("Matematikk", 3),  # the homework changed after publication
}

NEXT_WEEK = {
    "note": "Onsdag er det aktivitetsdag for hele 1A, se egen invitasjon i Kontaktbok. "
            "Denne uka lærer vi bokstaven R.\nHilsen Lars",
    "entries": [
        (None, "larer1a", "Lesing", "Vi leser litt hver dag, hjemme og på skolen.",
         "Les 10 minutter hver dag, og skriv det i leseloggen.", ""),
        (0, "larer1a", "Norsk", "Bokstaven R: vi skriver, lytter og rimer.",
         "Lesing side 16–19 i leseboka.", ""),
        (0, "larer1a", "Matematikk", "Pluss opp til 20 med tallinje.",
         "Arbeidsboka side 9 og 10.", ""),
        (1, "faglarer", "Kroppsøving", "Turn: balanse og rulle.", "",
         "Gymtøy og innesko."),
        (2, "larer1a", "Aktivitetsdag", "Aktivitetsdag ute hele dagen.", "",
         "Matpakke, drikke, sitteunderlag og klær etter været."),
        (3, "faglarer", "Naturfag", "Fugler om høsten: hvem flyr sørover?",
         "Se etter fugler på vei til skolen, og tegn én.", ""),
        (3, "larer1a", "Matematikk", "Vi måler med hender og føtter.", "", ""),
        (4, "larer1a", "Norsk", "Fredagsstund og bokstavfest for R.", "", ""),
    ],
    "changed": None,
}


def _plan(group, monday, content, users, publish_at, now):
    plan = WeekPlan.create(group=group, week_start=monday, note=content["note"],
                           publish_at=publish_at, created_by=users["larer1a"],
                           created_at=min(publish_at, now) - datetime.timedelta(days=1),
                           updated_at=min(publish_at, now) - datetime.timedelta(hours=2))
    positions = {}
    for weekday, author, subject, activity, homework, bring in content["entries"]:
        day = monday + datetime.timedelta(days=weekday) if weekday is not None else None
        positions[day] = positions.get(day, 0) + 1
        changed = content["changed"] == (subject, weekday)
        WeekPlanEntry.create(plan=plan, day=day, subject=subject, activity=activity,
                             homework=homework, bring=bring, author=users[author],
                             created_at=plan.created_at,
                             updated_at=now if changed else plan.created_at,
                             changed_after_publish=changed, position=positions[day])


def load(day=None):
    """The plans, relative to `day` (default today)."""
    day = day or today()
    now = utcnow()
    group = Group.get(Group.name == "1A")
    users = {u.username: u for u in User.select().where(
        User.username.in_(["larer1a", "faglarer"]))}
    monday = this_monday(day)
    following = monday + datetime.timedelta(days=7)
    this_at = to_utc(*default_publication(monday), ZONE)
    next_at = to_utc(*default_publication(following), ZONE)
    _plan(group, monday, THIS_WEEK, users, min(this_at, now), now)
    _plan(group, following, NEXT_WEEK, users, next_at, now)
