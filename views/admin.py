"""The administration entry: what the installation holds, and the audit log.

Counts only: reading a child's or guardian's data is a separate, stated and logged act
(DESIGN.md rule 3), not something this page does.
"""
from flask import Blueprint, abort
from flask_login import current_user, login_required
from peewee import fn

from models import access
from models.audit import AuditEvent
from models.people import Child, StaffRole, User
from models.school import Group, Unit

from .common import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@login_required
def index():
    if not access.is_administrator(current_user):
        abort(404)
    counts = (Unit.select(
        Unit.select(fn.COUNT(Unit.id)).alias("units"),
        Group.select(fn.COUNT(Group.id)).alias("groups"),
        Child.select(fn.COUNT(Child.id)).alias("children"),
        User.select(fn.COUNT(User.id)).alias("users"),
        StaffRole.select(fn.COUNT(fn.DISTINCT(StaffRole.user))).alias("staff"),
    ).limit(1).dicts().first()) or {}
    return render("admin/index.html", counts=counts, events=AuditEvent.recent(30))
