"""The demo's calendar: Solbakken skole's autumn and Christmas holidays (models/demo.py
already enters the school year's holidays; they are added here only if missing), and a
calendar stamp for every unit, so a demo feed has an ETag from the start."""
import datetime

from models.calendar.stamp import touch
from models.calendar.tables import DayOff
from models.school.tables import Unit

SCHOOL = "Solbakken skole"


def holidays(day):
    """(name, first, last) of the autumn (week 40) and Christmas holidays of the school
    year `day` is in (a school year starts in August)."""
    year = day.year if day.month >= 8 else day.year - 1
    week = datetime.date.fromisocalendar
    return [("Høstferie", week(year, 40, 1), week(year, 40, 5)),
            ("Juleferie", datetime.date(year, 12, 21), datetime.date(year + 1, 1, 1))]


def load(day):
    school = Unit.get(Unit.name == SCHOOL)
    for name, first, last in holidays(day):
        if not DayOff.select().where((DayOff.unit == school) & (DayOff.first_day <= last)
                                     & (DayOff.last_day >= first)).exists():
            DayOff.create(unit=school, first_day=first, last_day=last, name=name)
    touch([unit_id for (unit_id,) in Unit.select(Unit.id).tuples()])
