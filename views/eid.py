"""Login with the national eID or the staff SSO (OpenID Connect; models/login/oidc.py).

/login/eid/<provider> sends the browser to the provider; /login/eid/<provider>/callback
checks the answer and logs the person in; /login/eid/<provider>/logout is the provider's
front-channel logout. Every outcome a person can meet has its own plain page: not
registered here, too low a security level, the provider not answering.
"""
import hmac
import secrets
import urllib.parse

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import audit
from models.login import accounts, oidc, step_up
from models.login.sessions import LoginSession
from models.school import caregivers

from views.common import client_ip, render
from views.login_common import begin_session, safe_next
from views.step_up import OTHER_PERSON
from views.step_up import PROBLEM as STEP_UP_PROBLEM

bp = Blueprint("eid", __name__, url_prefix="/login/eid")

PENDING = "oidc"  # the session key of a login on its way


def _provider(provider_id):
    for provider in current_app.config["MUNICIPALITY"].eid_login:
        if provider.id == provider_id:
            return provider
    abort(404)


def _external(endpoint, **values):
    """An absolute URL on this site, as registered with the provider: PUBLIC_URL when
    set (behind a proxy the request's own host may differ)."""
    path = url_for(endpoint, **values)
    base = current_app.config["PUBLIC_URL"] or request.host_url
    return base.rstrip("/") + path


def _outcome(title, text, status):
    return render("auth/eid_outcome.html", status=status, title=title, text=text)


def _unavailable(provider):
    return _outcome(_l("%(provider)s is not answering", provider=provider.label),
                    _l("Try again in a few minutes. If it goes on, log in with your "
                       "username and password, or contact the school or kindergarten."),
                    503)


def _failed():
    return _outcome(_l("The login could not be completed"),
                    _l("Nothing was changed. Start the login again from the beginning."),
                    400)


@bp.route("/<provider_id>")
def start(provider_id):
    provider = _provider(provider_id)
    redirect_uri = _external("eid.callback", provider_id=provider.id)
    fresh = request.args.get("fresh") == "1"  # a step-up (views/step_up.py)
    try:
        started = oidc.start(provider, redirect_uri, locale=str(get_locale()), fresh=fresh)
    except oidc.Unavailable as error:
        audit.record("login.eid_unavailable", ip=client_ip(), provider=provider.id,
                     reason=str(error))
        return _unavailable(provider)
    session[PENDING] = {"provider": provider.id, "state": started.state,
                        "nonce": started.nonce, "verifier": started.verifier,
                        "next": safe_next(request.args.get("next")), "fresh": fresh}
    return redirect(started.url, 303)


@bp.route("/<provider_id>/callback")
def callback(provider_id):
    provider = _provider(provider_id)
    pending = session.pop(PENDING, None)  # one use only: a replayed answer finds nothing
    state = request.args.get("state", "")
    # `iss` in the answer (RFC 9207, sent by ID-porten) must be this provider's: an
    # answer from another provider mixed up with ours is refused.
    issuer = request.args.get("iss")
    if (not pending or pending["provider"] != provider.id
            or not hmac.compare_digest(pending["state"].encode(), state.encode())
            or (issuer is not None and issuer != provider.issuer)):
        audit.record("login.eid_failed", ip=client_ip(), provider=provider.id,
                     reason="state does not match a login started here")
        return _failed()
    if request.args.get("error"):
        if request.args["error"] == "access_denied":  # the person cancelled
            flash(_l("The login was cancelled."), "info")
            return redirect(url_for("auth.login"))
        audit.record("login.eid_failed", ip=client_ip(), provider=provider.id,
                     reason=f"provider error {request.args['error'][:60]}")
        return _failed()
    try:
        claims, raw = oidc.finish(provider, request.args.get("code", ""),
                                  _external("eid.callback", provider_id=provider.id),
                                  pending["verifier"], pending["nonce"])
    except oidc.Unavailable as error:
        audit.record("login.eid_unavailable", ip=client_ip(), provider=provider.id,
                     reason=str(error))
        return _unavailable(provider)
    except oidc.TooLowAssurance as error:
        audit.record("login.eid_failed", ip=client_ip(), provider=provider.id,
                     reason=error.reason)
        return _outcome(_l("A higher security level is needed"),
                        _l("Kontaktbok holds information about children, so it needs a "
                           "more secure login than the one you chose. Log in again with "
                           "BankID, or another eID at a higher security level."), 403)
    except oidc.Rejected as error:
        audit.record("login.eid_failed", ip=client_ip(), provider=provider.id,
                     reason=error.reason)
        return _failed()
    user = accounts.eid_account(provider, claims)
    invited = caregivers.by_national_id(_invitation_token(pending["next"]))
    if user is None and invited and provider.audience == "guardians" \
            and provider.match == "national_id":
        # A caregiver invited by national identity number logs in for the first time.
        user = caregivers.eid_invitee(invited, claims.get(provider.identity_claim))
        if user is None:
            audit.record("login.eid_unknown", ip=client_ip(), provider=provider.id)
            return _outcome(_l("This invitation is for someone else"),
                            _l("Your login worked, but the invitation was made for "
                               "another person's national identity number. Nothing was "
                               "changed. If it should be yours, ask the family to check "
                               "the number."), 403)
    if user is None:
        audit.record("login.eid_unknown", ip=client_ip(), provider=provider.id)
        municipality = current_app.config["MUNICIPALITY"].name
        if provider.audience == "staff":
            return _outcome(_l("You have no staff account in Kontaktbok"),
                            _l("Your login worked, but you are not registered as staff in "
                               "%(municipality)s. Ask your leader or the municipality's "
                               "administrator to add you.", municipality=municipality), 403)
        return _outcome(_l("You are not registered with a school or kindergarten in "
                           "%(municipality)s", municipality=municipality),
                        _l("Your login worked, but no child you are a guardian of is "
                           "registered here. Contact the school or kindergarten."), 403)
    fresh = bool(pending.get("fresh"))
    strong_at, problem = step_up.judge(provider, claims)
    method = "eid" if provider.audience == "guardians" else "sso"
    here = current_user if fresh and current_user.is_authenticated else None
    if here is not None and user.id != here.id:
        # A step-up that came back as someone else (another account at the provider,
        # someone else's phone): the browser's login stays as it was, nothing opens.
        audit.record("login.step_up_other_person", actor=here, ip=client_ip(),
                     method=method, provider=provider.id)
        session[STEP_UP_PROBLEM] = {"provider": provider.id, "problem": OTHER_PERSON}
        return redirect(url_for("step_up.page", next=pending["next"]), 303)
    if here is None or not problem:
        begin_session(user, method, provider=provider.id,
                      sid=str(claims.get("sid") or "")[:200] or None, id_token=raw,
                      acr=claims.get("acr"), strong_at=strong_at)
    if fresh and problem:
        # Not strongly now: the session as it was (none weaker in its place), back to
        # the step-up page, which says why.
        audit.record("login.step_up_weak", actor=user, ip=client_ip(), method=method,
                     provider=provider.id, problem=problem)
        session[STEP_UP_PROBLEM] = {"provider": provider.id, "problem": problem}
        return redirect(url_for("step_up.page", next=pending["next"]), 303)
    if fresh:
        audit.record("login.step_up", actor=user, ip=client_ip(), method=method)
    return redirect(pending["next"] or url_for("home.index"))


def _invitation_token(next_page):
    """The token of the caregiver invitation the login started from, or None."""
    prefix = url_for("caregivers.invitation", token="x")[:-1]
    if not next_page or not next_page.startswith(prefix):
        return None
    return next_page[len(prefix):].split("?")[0].split("/")[0] or None


@bp.route("/<provider_id>/logout")
def frontchannel_logout(provider_id):
    """The provider ended its session (the person logged out there, or in another
    service): end every session of ours that came from it. Called in an invisible
    frame, where our cookie may be missing, so it goes by the provider's session id."""
    provider = _provider(provider_id)
    sid = request.args.get("sid", "")
    if request.args.get("iss") != provider.issuer or not sid:
        abort(400)
    ended = LoginSession.end_at_provider(provider.id, sid)
    if ended:
        audit.record("logout", ip=client_ip(), method="frontchannel", provider=provider.id,
                     sessions=ended)
    response = current_app.make_response(("", 200))
    origin = urllib.parse.urlsplit(provider.issuer)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; frame-ancestors {origin.scheme}://{origin.netloc}")
    return response


def provider_logout_url(row):
    """For a session that came from a provider: the URL that logs out there too."""
    if row is None or not row.provider or row.id_token is None:
        return None
    provider = next((p for p in current_app.config["MUNICIPALITY"].eid_login
                     if p.id == row.provider), None)
    if provider is None:
        return None
    return oidc.end_session_url(provider, row.id_token.reveal(), _external("auth.login"),
                                secrets.token_urlsafe(16))
