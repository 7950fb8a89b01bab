"""Events (issue 20): staff create an event for their unit, groups or chosen children,
change or cancel it, see the replies of the children they reach and remind those who
have not answered; invited families read it and answer per child until the deadline;
anyone who sees it downloads it as one .ics file. Everyone else gets 404
(models/access/events.py)."""
import datetime
from urllib.parse import urlparse

from flask import (Blueprint, Response, abort, current_app, flash, redirect, request,
                   url_for)
from flask_babel import format_date, get_locale, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models.access import events as rules
from models.db import today
from models.events import events, ics, replies
from models.events.tables import ANSWERS, COUNT_MAX

from views import events_forms as forms
from views import seen
from views.common import LANGUAGE_NAMES, TIME_ZONES, client_ip, render, wants_fragment
from views.labels import translated

bp = Blueprint("events", __name__, url_prefix="/events")

ANSWER_NAMES = {"yes": _l("Yes, we come"), "no": _l("No"), "maybe": _l("Maybe")}
SHORT_ANSWERS = {"yes": _l("Yes"), "no": _l("No"), "maybe": _l("Maybe")}
REFUSALS = {
    "closed": _l("Replies to this event are closed: the deadline has passed, or the "
                 "event is cancelled."),
    "answer": _l("Choose yes, no or maybe."),
    "children": _l("Write a number from 0 to %(max)d.", max=COUNT_MAX),
    "adults": _l("Write a number from 0 to %(max)d.", max=COUNT_MAX),
}


def _user():
    return current_user._get_current_object()


def _zone():
    return TIME_ZONES[current_app.config["MUNICIPALITY"].country]


def _languages():
    """The languages staff write it in: the municipality's default first (required),
    then the other `[languages] written` ones (others read the default, machine
    translated where that is set up)."""
    return list(current_app.config["MUNICIPALITY"].written_languages)


def _local(moment):
    return moment.replace(tzinfo=datetime.timezone.utc).astimezone(_zone())


def when(starts_at, ends_at, all_day, first_day=None, last_day=None):
    """The event's time in words: its day(s), and the hours unless all day."""
    if all_day:
        first = first_day or _local(starts_at).date()
        last = last_day or (_local(ends_at) - datetime.timedelta(seconds=1)).date()
        if first == last:
            return format_date(first, "full")
        return f"{format_date(first, 'full')} – {format_date(last, 'full')}"
    starts, ends = _local(starts_at), _local(ends_at)
    if starts.date() == ends.date():
        return f"{format_date(starts.date(), 'full')} {starts:%H:%M}–{ends:%H:%M}"
    return (f"{format_date(starts.date(), 'full')} {starts:%H:%M} – "
            f"{format_date(ends.date(), 'full')} {ends:%H:%M}")


def when_of(event):
    return when(event.starts_at, event.ends_at, event.all_day, event.first_day,
                event.last_day)


def changes_of(event):
    """The last change of time or place, in words: [sentence, …]."""
    found = events.what_changed(event)
    said = []
    if "time" in found:
        starts, ends, all_day = found["time"]
        said.append(_l("Time changed from %(old)s to %(new)s.",
                       old=when(starts, ends, all_day), new=when_of(event)))
    if "place" in found:
        none = _l("no place given")
        said.append(_l("Place changed from %(old)s to %(new)s.", old=found["place"] or none,
                       new=event.place or none))
    return said


def _names():
    return translated(answer_names=ANSWER_NAMES, short_answers=SHORT_ANSWERS)


def _event(event_id):
    event, role = rules.event_view(_user(), event_id, str(get_locale()))
    if event is None:
        abort(404)
    return event, role


def _keeper(event_id):
    """The event for those who keep it; 403 for other staff of the unit and for the
    families invited (who may see it but not change it)."""
    event, role = _event(event_id)
    if role != rules.KEEPER:
        abort(render("errors/error.html", "errors/_error.html", status=403,
                     title=_l("You cannot change this event"),
                     text=_l("The unit leader and the staff of the invited groups change "
                             "an event and remind those who have not answered.")))
    return event


def _text(event):
    """(title, body, bring) in the page's language where written in it."""
    if event.text_title:
        return event.text_title, event.text_body, event.text_bring
    return event.title, event.body, event.bring


@bp.route("/")
@login_required
def index():
    user = _user()
    day = today()
    language = str(get_locale())
    staff_rows = rules.upcoming_for_staff(user, day, language)
    family_rows = rules.upcoming_for_family(user, day, language)
    scope = rules.creation_scope(user, day)
    return render("events/index.html", staff_rows=staff_rows, family_rows=family_rows,
                  may_create=bool(scope[0] or scope[1]), when=when)


def _page(event, role, reply_forms=None, status=200):
    user = _user()
    title, body, bring = _text(event)
    context = {"event": event, "role": role, "title": title, "body": body, "bring": bring,
               "when": when_of(event), "changes": changes_of(event),
               "open": replies.open_for_replies(event), "closes_at": replies.closes_at(event),
               "count_max": COUNT_MAX, "answers": ANSWERS, "reply_forms": reply_forms or {}}
    # A member of staff may be a parent in the class too: their own children's replies.
    context["children"] = rules.family_children(user, event)
    if role != rules.FAMILY:
        context["reached"] = rules.reached_replies(user, event)
        seen.saw([row[0] for row in context["reached"]], unit=event.unit_id)
        context["totals"] = replies.totals(event)
    return render("events/show.html", "events/_show.html", status=status, **context,
                  **_names())


@bp.route("/<int:event_id>")
@login_required
@seen.personal_page("event")
def show(event_id):
    return _page(*_event(event_id))


@bp.route("/<int:event_id>.ics")
@login_required
def download(event_id):
    event, _ = _event(event_id)
    title, body, _ = _text(event)
    host = urlparse(current_app.config["PUBLIC_URL"]).hostname or "kontaktbok"
    response = Response(ics.one(event, host, title, body), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    return response


@bp.route("/<int:event_id>/reply/<int:child_id>", methods=["POST"])
@login_required
def reply(event_id, child_id):
    user = _user()
    event, role = _event(event_id)
    mine = next(((child, saved, may) for child, saved, may in
                 rules.family_children(user, event) if child.id == child_id), None)
    if mine is None:
        abort(404)
    child, saved, may_answer = mine
    if not may_answer:
        abort(render("errors/error.html", "errors/_error.html", status=403,
                     title=_l("You cannot answer for this child"),
                     text=_l("The guardians with parental responsibility answer.")))
    form, errors, (answer, children, adults) = forms.read_reply(event.asks_counts)
    if not errors:
        try:
            saved = replies.answer(user, event, child, answer, children, adults,
                                   ip=client_ip())
        except replies.Refused as refused:
            errors["answer"] = REFUSALS[refused.reason]
    if errors:
        return _reply_fragment(event, role, child, saved, form, errors, status=400)
    if wants_fragment():
        return _reply_fragment(event, role, child, saved, None, {}, just_saved=True)
    flash(_l("Your reply is saved."), "success")
    return redirect(url_for("events.show", event_id=event.id, _anchor=f"reply-{child.id}"),
                    303)


def _reply_fragment(event, role, child, saved, form, errors, status=200, just_saved=False):
    if not wants_fragment():
        return _page(event, role, {child.id: (form, errors)}, status=status)
    return render("events/_reply.html", status=status, event=event, child=child,
                  reply=saved, may_answer=True, form=form, errors=errors,
                  open=replies.open_for_replies(event), closes_at=replies.closes_at(event),
                  count_max=COUNT_MAX, answers=ANSWERS, just_saved=just_saved, **_names())


@bp.route("/<int:event_id>/remind", methods=["POST"])
@login_required
def remind(event_id):
    event = _keeper(event_id)
    if not replies.open_for_replies(event):
        abort(404)
    told = replies.remind(_user(), event, ip=client_ip())
    flash(ngettext("Reminded %(num)d guardian who has not answered.",
                   "Reminded %(num)d guardians who have not answered.", told), "success")
    return redirect(url_for("events.show", event_id=event.id), 303)


@bp.route("/<int:event_id>/cancel", methods=["POST"])
@login_required
def cancel(event_id):
    event = _keeper(event_id)
    if event.cancelled_at is None:
        events.cancel(_user(), event, ip=client_ip())
        flash(_l("The event is cancelled. Everyone invited is told."), "success")
    return redirect(url_for("events.show", event_id=event.id), 303)


def _form_page(form, errors, scope, editing=None, status=200):
    led, groups, children = scope
    by_group = {}
    for child_id, first, last, group_id in children:
        by_group.setdefault(group_id, []).append((child_id, f"{first} {last}"))
    return render("events/form.html", status=status, form=form, errors=errors, led=led,
                  groups=groups, children_by_group=by_group, languages=_languages(),
                  language_names=LANGUAGE_NAMES, editing=editing, times=forms.TIMES,
                  all_day=forms.ALL_DAY)


def _scope():
    scope = rules.creation_scope(_user())
    if not scope[0] and not scope[1]:
        abort(404)
    return scope


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    scope = _scope()
    languages = _languages()
    if request.method == "GET":
        return _form_page(forms.empty(languages), {}, scope)
    form = forms.read(languages)
    errors, draft = forms.check(form, languages, scope, _zone())
    if errors:
        return _form_page(form, errors, scope, status=400)
    event = events.create(_user(), draft, ip=client_ip())
    flash(_l("The event is saved, and everyone invited is told."), "success")
    return redirect(url_for("events.show", event_id=event.id), 303)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id):
    event = _keeper(event_id)
    if event.cancelled_at is not None:
        abort(404)
    scope = rules.creation_scope(_user())
    languages = _languages()
    if request.method == "GET":
        groups, children = events.audience_of(event)
        form = forms.from_event(event, languages, events.texts_of(event), groups, children,
                                _zone())
        return _form_page(form, {}, scope, editing=event)
    form = forms.read(languages)
    form["saved_first_day"] = event.first_day.isoformat()
    errors, draft = forms.check(form, languages, scope, _zone(), event.first_day)
    if errors:
        return _form_page(form, errors, scope, editing=event, status=400)
    changed = events.edit(_user(), event, draft, ip=client_ip())
    flash(_l("Saved. Everyone invited is told what changed.") if changed
          else _l("Saved."), "success")
    return redirect(url_for("events.show", event_id=event.id), 303)
