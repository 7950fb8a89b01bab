"""The account a login names: by username for a password, by the eID's or the staff
SSO's claims; and the account's own settings."""
from peewee import fn

from models.protect import index_of
from models.school.tables import StaffRole, User


def by_username(username):
    """The account with the username (any case), active or not, or None."""
    return User.select().where(User.username == username.lower()).first()


def eid_account(provider, claims):
    """The active account the claim names, or None. A guardian is found by the keyed
    hash of the personal identity number; staff by e-mail address or username, and only
    while they hold a role."""
    value = claims.get(provider.identity_claim)
    if not isinstance(value, str) or not value.strip():
        return None
    if provider.match == "national_id":
        return User.get_or_none((User.national_id_index == index_of(value))
                                & (User.is_active == True))  # noqa: E712
    if claims.get("email_verified") is False and provider.identity_claim == "email":
        return None  # an address the person typed in themselves proves nothing
    column = User.email if provider.match == "email" else User.username
    return (User.select().join(StaffRole, on=(StaffRole.user == User.id))
            .where((fn.LOWER(column) == value.strip().lower())
                   & (User.is_active == True))  # noqa: E712
            .order_by(User.id).first())
