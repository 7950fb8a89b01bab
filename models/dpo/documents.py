"""The record of processing activities (GDPR art. 30), built from the live configuration:
the controller, the DPO's contact, the categories of people and data, the purposes and
legal bases with the country's law names, the recipients and processors actually
configured, and the retention periods of the municipality file. Text only, in the
page's language: the template (templates/dpo/document.html) lays it out, and the
municipality downloads, edits and signs it. No personal data but the DPO's contact."""
import datetime
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from models.dpo.processors import (DATABASE, EID, EMAIL, FILES, PUSH, QUEUE, SMS,
                                   TRANSLATION)

# The laws a document names, by country. Names, not translations: a Norwegian
# municipality's DPO reads "opplæringslova" whatever the page's language.
LAWS = {
    "NO": {"gdpr": "personvernforordningen (GDPR)", "national": "personopplysningsloven",
           "school": "opplæringslova", "kindergarten": "barnehageloven",
           "archive": "arkivlova", "public": "offentleglova", "parents": "barneloven § 47",
           "regulator": "Datatilsynet"},
    "SE": {"gdpr": "dataskyddsförordningen (GDPR)",
           "national": "lagen (2018:218) med kompletterande bestämmelser till EU:s "
                       "dataskyddsförordning",
           "school": "skollagen (2010:800)", "kindergarten": "skollagen (2010:800)",
           "archive": "arkivlagen (1990:782)",
           "public": "offentlighets- och sekretesslagen (2009:400)",
           "parents": "föräldrabalken", "regulator": "Integritetsskyddsmyndigheten (IMY)"},
}


@dataclass
class Section:
    heading: str
    paragraphs: list = field(default_factory=list)
    items: list = field(default_factory=list)     # a bulleted list
    rows: list = field(default_factory=list)      # a two-column table: (term, description)


@dataclass
class Document:
    title: str
    controller: str
    generated: datetime.date
    sections: list
    filename: str


def laws(country):
    return LAWS[country]


def _retention_unit(key, value):
    if key.endswith("_school_years"):
        return ngettext("%(num)d school year", "%(num)d school years", value)
    if key.endswith("_years"):
        return ngettext("%(num)d year", "%(num)d years", value)
    if "_months" in key:
        return ngettext("%(num)d month", "%(num)d months", value)
    if key.endswith("_days"):
        return ngettext("%(num)d day", "%(num)d days", value)
    return str(value)


def retention_labels():
    """What each retention setting keeps, by its key in the municipality file."""
    return {
        "documentation_years": _("Posts and photo documentation, after publication"),
        "audit_log_years": _("The access log (logins, who read what)"),
        "guardian_data_months_after_leaving": _(
            "Guardian accounts and contact data, after the last child left or came of age"),
        "check_in_school_years": _("Check-in and check-out times and who picks a child up"),
        "messages_years": _("Messages and attachments, after a conversation's last message"),
        "absence_school_years": _("Absence reports, leave applications and attendance "
                                  "registers, after the school year they belong to"),
        "consent_history_years": _("Consents' answer history, after nothing published under "
                                   "them is kept"),
        "child_records_months_after_leaving": _("Children's records, after they left"),
        "events_months": _("Events and the replies to them, after the event"),
        "meetings_months": _("Parent–teacher meeting bookings and agendas, after the round"),
        "week_plans_months": _("Weekly plans, after their week"),
    }


def retention_rows(retention):
    """[(what is kept, for how long), …] from the municipality file's [retention]."""
    labels = retention_labels()
    return [(labels.get(key, key.replace("_", " ")), _retention_unit(key, value))
            for key, value in sorted(retention.items()) if isinstance(value, int)]


def processor_rows(processors):
    """[(processor, what it does with which data), …]: only what is configured."""
    rows = []
    for p in processors:
        if not p.configured:
            continue
        if p.kind == EMAIL:
            rows.append((_("E-mail server %(host)s", host=p.name), _(
                "Sends notifications (that something arrived, never its content) and "
                "one-time login codes: e-mail address, the kind of event, the unit.")))
        elif p.kind == SMS:
            rows.append((_("SMS gateway %(name)s (%(host)s)", name=p.name, host=p.detail), _(
                "Sends SMS notifications to those who chose them: mobile number, the kind "
                "of event, the unit. Never a message text or a child's name.")))
        elif p.kind == PUSH:
            rows.append((_("Push service of %(name)s (%(host)s)", name=p.name, host=p.detail),
                         _("Carries push notifications to the devices where a person turned "
                           "push on (now %(num)d devices), end-to-end encrypted: the "
                           "service sees a device address and an encrypted message.",
                           num=p.devices)))
        elif p.kind == EID:
            rows.append((_("Login provider %(name)s (%(host)s)", name=p.name, host=p.detail),
                         _("Confirms who logs in (guardians, with the national identity "
                           "number)") if p.audience == "guardians" else
                         _("Confirms who logs in (staff, with the work account)")))
        elif p.kind == DATABASE:
            rows.append((_("Database: %(name)s", name=p.name)
                         + (f" ({p.detail})" if p.detail else ""),
                         _("Stores everything Kontaktbok holds, on the municipality's own "
                           "server or its operator's.")))
        elif p.kind == FILES:
            rows.append((_("Files on the server's disk"), _(
                "Message attachments, photos and videos of posts, archive packages and "
                "data exports.")))
        elif p.kind == QUEUE:
            rows.append((_("Redis (%(host)s)", host=p.detail), _(
                "Login rate limits and the notification queue: account names, client "
                "addresses, pending notifications.")))
        elif p.kind == TRANSLATION:
            rows.append((_("Translation server %(name)s (%(host)s)", name=p.name,
                           host=p.detail), _(
                "The municipality's own machine translation: the text of a message, post, "
                "event or consent that a reader asked to have translated, and nothing "
                "else (no names, no ids).")))
    return rows


def _contact(municipality, officers):
    if officers:
        return [f"{name} <{email}>" if email else name for name, email in officers]
    return [_("No data-protection officer is registered in Kontaktbok; the municipality: "
              "%(email)s, %(phone)s", email=municipality.contact.email,
              phone=municipality.contact.phone)]


def record(municipality, processors, officers, day):
    """The record of processing activities of this installation, as of `day`."""
    law = laws(municipality.country)
    return Document(
        title=_("Record of processing activities (GDPR art. 30): Kontaktbok"),
        controller=municipality.name, generated=day, filename="record-of-processing.html",
        sections=[
            Section(_("Controller and data-protection officer"), rows=[
                (_("Controller"), _("%(municipality)s, %(address)s, %(email)s, %(phone)s",
                                    municipality=municipality.name,
                                    address=municipality.contact.address,
                                    email=municipality.contact.email,
                                    phone=municipality.contact.phone)),
                (_("Data-protection officer"), "; ".join(_contact(municipality, officers))),
                (_("Privacy statement"), municipality.privacy_url),
            ]),
            Section(_("Purposes"), items=[
                _("Communication between home and school, after-school care and "
                  "kindergarten: messages and announcements."),
                _("Absence reports, leave applications and attendance registers."),
                _("Consents: photos, film and the child's name, trips and other requests."),
                _("The day at kindergarten and after-school care: check-in, check-out and "
                  "who picks a child up."),
                _("The class list, with only what each family chose to share."),
                _("Posts and photos documenting the group's activities."),
                _("Security and accountability: logins and the access log."),
            ]),
            Section(_("Legal bases"), items=[
                _("GDPR art. 6(1)(e), a task in the public interest: the school's and "
                  "kindergarten's work with the homes under %(school)s and %(kindergarten)s.",
                  school=law["school"], kindergarten=law["kindergarten"]),
                _("GDPR art. 6(1)(c), a legal obligation: records the law requires "
                  "(%(school)s) and archiving (%(archive)s, %(public)s).",
                  school=law["school"], archive=law["archive"], public=law["public"]),
                _("GDPR art. 6(1)(a) and art. 7, consent: photos, film, the child's name and "
                  "the class list, each use asked separately and withdrawn as easily."),
                _("Guardianship and parental responsibility as the population register "
                  "states them (%(parents)s); national rules: %(national)s.",
                  parents=law["parents"], national=law["national"]),
            ]),
            Section(_("Categories of people"), items=[
                _("Children (pupils and kindergarten children)."),
                _("Guardians with parental responsibility, and parents without it (who "
                  "get no access in the app)."),
                _("Caregivers every guardian with parental responsibility approved, and "
                  "people on a child's pick-up list."),
                _("Staff, administrators and the data-protection officer."),
            ]),
            Section(_("Categories of data"), items=[
                _("Identity: name, birth date, national identity number (encrypted, shown "
                  "masked, never in an address or a log)."),
                _("Contact details and address, and address protection (confidential, "
                  "never shown to other users)."),
                _("Relations: guardianship and parental responsibility, caregiver access, "
                  "groups and units."),
                _("Messages and attachments, absence with a structured reason (no free "
                  "text about health), leave, attendance, check-in and check-out times."),
                _("Consents with their full history, class-list choices, posts and photos."),
                _("Notification settings, devices with push, logins and the access log."),
            ]),
            Section(_("Recipients and processors"),
                    paragraphs=[_("As configured in this installation on %(day)s. Staff "
                                  "see only what their role gives them (unit leader, "
                                  "contact teacher, other staff, administrator).",
                                  day=day.strftime("%d.%m.%Y"))],
                    rows=processor_rows(processors)),
            Section(_("Transfers outside the EU/EEA"), paragraphs=[_(
                "Push notifications pass through the push service of the browser's maker, "
                "which may be outside the EU/EEA. They are end-to-end encrypted and say "
                "only that something arrived; nothing else leaves the EU/EEA unless the "
                "operator of the server or a processor above does so.")]),
            Section(_("Retention periods"), paragraphs=[_(
                "From the municipality file's [retention] section; a scheduled purge "
                "deletes what is due and logs what it did, after an archive package where "
                "the records belong in the public archive (%(archive)s).",
                archive=law["archive"])], rows=retention_rows(municipality.retention)),
            Section(_("Security measures (GDPR art. 32)"), items=security_measures()),
        ])


def security_measures():
    return [
        _("Access by role, decided in one place; a page a person may not see answers "
          "\"not found\"."),
        _("Passwords hashed with argon2, optional two-step login, national eID with PKCE, "
          "sessions that end after inactivity, limits on login attempts."),
        _("National identity numbers encrypted in the database with a key of their own."),
        _("No third-party requests from any page; a strict content security policy."),
        _("An append-only, hash-chained access log; guardians see who opened their "
          "child's data; administrators state a reason before reading personal data."),
    ]
