"""Kontaktbok's command-line commands (`flask --app app <command>`): migrate, worker,
purge, import, create-admin, backup and restore. `register(app)` adds them to the app (create_app calls
it); each runs inside the app's context, so it reads the app through current_app.
"""
import datetime
import os
import shutil
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from models import audit, demo, storage
from models import audit_chain
from models import backup as backup_model
from models import db as dbmod
from models.archive import overview as archive_overview
from models.archive import package as archive_package
from models.consent import consent_book
from models.login.passwords import hash_password
from models.notifications import sending as notification_sending
from models.notifications import single_worker
from models.retention import common as retention_common
from models.retention import jobs
from models.retention import run as retention_run
from models.retention.kinds import KINDS
from models.roster import applying, reading
from models.roster import roster as roster_model
from models.roster.rows import RosterError
from models.school.tables import ADMINISTRATOR, StaffRole, User, school_year_of

ROOT = Path(__file__).resolve().parent


@click.command("migrate")
@click.option("--no-demo", is_flag=True, help="Do not load the demo municipality.")
@with_appcontext
def migrate_command(no_demo):
    """Apply database migrations; in demo mode, load the demo data into an empty
    database."""
    config = current_app.config
    with dbmod.database.connection_context():
        applied = dbmod.migrate(str(ROOT / "migrations"))
        for name in applied:
            click.echo(f"applied migration {name}")
        if not applied:
            click.echo("database is up to date")
        if config["MODE"] == "demo" and not no_demo and demo.is_empty():
            demo.load(municipality=config["MUNICIPALITY"].name,
                      storage=current_app.extensions["storage"])
            click.echo("loaded the demo municipality (password: kontaktbok-demo)")
        # Every installation asks the photo, film and sound consent (rule 5).
        if consent_book.ensure_photo_consent(config["MUNICIPALITY"].name):
            click.echo("made the photo, film and sound consent")
        dbmod.analyze()


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads sending.")
@with_appcontext
def worker_command(workers):
    """Send notifications: the task queue's consumer, with the minute's sweep for
    digests, quiet hours and retries. `make run` starts it beside the web server. One
    worker process per installation: at its start it takes back what a stopped one had
    claimed."""
    try:
        single_worker.hold(current_app.instance_path)
    except single_worker.AlreadyRunning:
        raise click.ClickException("another worker is running for this installation: "
                                   "run one only") from None
    with dbmod.database.connection_context():
        released = notification_sending.release_claims(dbmod.utcnow())
    if released:
        click.echo(f"took back {released} notifications a stopped worker was sending")
    consumer = current_app.extensions["queue"].huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True)
    consumer.run()


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_appcontext
def purge_command(dry_run):
    """Delete every kind of data older than the municipality's retention periods
    ([retention] in the municipality file; models/retention/), holding back what waits
    for a confirmed archive package. Says how many of each kind, never which."""
    settings = retention_common.settings_of(current_app)
    with dbmod.database.connection_context():
        if dry_run:
            outcomes = retention_run.survey(settings)
        else:
            try:
                outcomes = retention_run.purge(settings)
            except jobs.Busy:
                raise click.ClickException(
                    "an export is being made now: nothing was deleted; try again later"
                ) from None
    archivable = {kind.name for kind in KINDS if kind.held is not None}
    for o in outcomes:
        count = f"{o.count} due" if dry_run else f"deleted {o.count}"
        held = f" ({o.held} held for archive)" if o.kind in archivable else ""
        click.echo(f"{o.kind}: {count}{held}")
    if any(o.held for o in outcomes):
        click.echo("held: waiting for archive export (an archive package per unit and "
                   "period, confirmed once the archive has taken it)")
    if dry_run:
        click.echo("dry run: nothing was deleted")


@click.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--school-year", type=int, default=None,
              help="The school year the file is for (its start year); default: now.")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--yes", is_flag=True, help="Apply without asking.")
@click.option("--all-lines", is_flag=True, help="List every change, not the first 50.")
@with_appcontext
def import_command(path, school_year, dry_run, yes, all_lines):
    """Import a roster (a Kontaktbok CSV folder or zip, a OneRoster 1.1 CSV zip, or an
    SS 12000 JSON file): shows what will be added, changed and ended, then applies
    it all or nothing."""
    source = Path(path)
    year = school_year or school_year_of(dbmod.today())
    try:
        if source.is_dir():
            files = {p.name: p.read_bytes() for p in source.iterdir() if p.is_file()}
            fmt, roster = reading.read_files(files, source.name, year)
        else:
            fmt, roster = reading.read(source.name, source.read_bytes(), year)
        with dbmod.database.connection_context():
            plan = roster_model.plan(roster, fmt)
    except RosterError as error:
        raise click.ClickException(f"nothing imported: {error}") from None
    shown = plan.lines if all_lines else plan.lines[:50]
    for kind, action, text in shown:
        click.echo(f"{action:>8} {kind}: {text}")
    if len(shown) < len(plan.lines):
        click.echo(f"… and {len(plan.lines) - len(shown)} more (--all-lines)")
    summary = ", ".join(f"{key} {n}" for key, n in sorted(plan.counts.items()))
    click.echo(f"{fmt} roster {source.name}: {summary or 'no changes'}")
    if dry_run or not plan.changes:
        return
    if not yes and not click.confirm("Apply these changes?"):
        click.echo("nothing imported")
        return
    with dbmod.database.connection_context():
        applying.apply(plan)
        dbmod.analyze()
    click.echo("imported")


@click.command("create-admin")
@click.argument("username")
@click.option("--first-name", prompt=True)
@click.option("--last-name", prompt=True)
@click.option("--email", default="", help="For the record; optional.")
@click.password_option(help="At least 12 characters; asked for when not given.")
@with_appcontext
def create_admin_command(username, first_name, last_name, email, password):
    """Create a municipal administrator with a local password: the first account of
    a new installation (everyone else comes from the roster or eID login)."""
    if len(password) < 12:
        raise click.BadParameter("use at least 12 characters", param_hint="password")
    with dbmod.database.connection_context(), dbmod.database.atomic():
        if User.select().where(User.username == username.lower()).exists():
            raise click.BadParameter(f"{username!r} exists already",
                                     param_hint="username")
        user = User.create(username=username.lower(), first_name=first_name,
                           last_name=last_name, email=email,
                           password_hash=hash_password(password))
        StaffRole.create(user=user, role=ADMINISTRATOR)
        audit.record("account.created", obj=user, role=ADMINISTRATOR, via="command line")
    click.echo(f"created administrator {user.username}")


@click.group("audit")
def audit_group():
    """The audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command():
    """Seal new audit events, check the whole hash chain, and name the first broken row
    (exit status 1). Keep the printed head hash elsewhere: a later run's chain must
    continue from it."""
    with dbmod.database.connection_context():
        result = audit_chain.verify()
    if result.ok:
        click.echo(f"audit log verified: {result.rows} rows, head {result.head}")
        return
    click.echo(f"audit log broken at event {result.broken.event_id} "
               f"(seal {result.broken.seq or '-'}): {result.broken.problem}; "
               f"{result.rows} rows verified before it")
    raise SystemExit(1)


@click.group("archive")
def archive_group():
    """Archive packages for the municipality's archive, made before the purge."""


def _day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written as YYYY-MM-DD") from None


@archive_group.command("export")
@click.option("--unit", "unit_id", type=click.IntRange(1, 2**31 - 1), required=True)
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD (included).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Also copy the package into this folder.")
@with_appcontext
def archive_export_command(unit_id, start, end, out):
    """Make the package of a unit's records of a period; print its name in the storage
    (and the copy's path), size, SHA-256."""
    first, last = _day(start), _day(end)
    problem = archive_package.period_problem(first, last)
    if problem:
        raise click.BadParameter(archive_package.PROBLEMS[problem], param_hint="--from/--to")
    with dbmod.database.connection_context():
        unit = archive_overview.unit_or_none(unit_id)
        if unit is None:
            raise click.BadParameter(f"no unit {unit_id}", param_hint="--unit")
        try:
            export = archive_package.build(unit, first, last)
        except jobs.Busy:
            raise click.ClickException("the purge is running; try again later") from None
    name = archive_package.name_of(export.stored_name)
    click.echo(f"package {export.id}: {name}")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        path = Path(out) / export.stored_name
        # Only its owner may read the copy: it holds children's data (umask may say 022).
        with storage.current().open(name) as source, os.fdopen(
                os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as copy:
            shutil.copyfileobj(source, copy, 1024 * 1024)
        click.echo(f"copied to {path}")
    click.echo(f"size {export.size} bytes, sha256 {export.sha256}")


@archive_group.command("confirm")
@click.argument("export_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def archive_confirm_command(export_id):
    """Mark a package as taken by the archive: the purge may delete what it covers."""
    with dbmod.database.connection_context():
        export = archive_overview.confirm(export_id)
    if export is None:
        raise click.ClickException(f"no archive package {export_id}")
    click.echo(f"package {export.id} confirmed {export.confirmed_at:%Y-%m-%d %H:%M} UTC")


@archive_group.command("list")
@with_appcontext
def archive_list_command():
    """The packages made, and what is due for archiving."""
    with dbmod.database.connection_context():
        made, due = archive_overview.exports(), archive_overview.due()
    for line in made:
        state = (f"confirmed {line.confirmed_at:%Y-%m-%d}" if line.confirmed_at
                 else "not confirmed")
        click.echo(f"package {line.id}: {line.unit_name} {line.start} to {line.end} "
                   f"({', '.join(line.kinds)}), {line.size} bytes, {state}")
    if not made:
        click.echo("no archive packages yet")
    for line in due:
        click.echo(f"due: {line.unit_name} (unit {line.unit_id}) {line.start} to "
                   f"{line.end}: {', '.join(line.kinds)}")
    if not due:
        click.echo("nothing due for archiving")


@click.command("backup")
@click.argument("target", required=False, type=click.Path())
@with_appcontext
def backup_command(target):
    """Write a backup of the database and every stored file to TARGET: a .tar file, or
    a folder to write kontaktbok-<date>-<time>.tar into (default: this folder)."""
    path = Path(target or ".")
    if path.is_dir():
        path = path / backup_model.newest_name()
    config = current_app.config
    try:
        manifest = backup_model.backup(path, config["DATABASE_URL"],
                                       current_app.extensions["storage"])
    except backup_model.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {path}: {sum(manifest['rows'].values())} rows in "
               f"{len(manifest['rows'])} tables, {len(manifest['files'])} files")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(source):
    """Restore a backup made by `flask backup` into this installation's empty database
    and file store, then apply any newer migration."""
    config = current_app.config
    try:
        manifest, differ = backup_model.restore(source, config["DATABASE_URL"],
                                                current_app.extensions["storage"])
    except backup_model.BackupError as error:
        raise click.ClickException(str(error)) from None
    if differ:
        click.echo(f"warning: these tables' row counts differ from the backup's manifest: "
                   f"{', '.join(differ)}", err=True)
    with dbmod.database.connection_context():
        applied = dbmod.migrate(str(ROOT / "migrations"))
        dbmod.analyze()
    click.echo(f"restored the backup of {manifest['made_at']}: "
               f"{sum(manifest['rows'].values())} rows, {len(manifest['files'])} files"
               + (f"; applied {len(applied)} newer migrations" if applied else ""))


COMMANDS = (migrate_command, worker_command, purge_command, import_command,
            create_admin_command, audit_group, archive_group, backup_command,
            restore_command)


def register(app):
    """Add the commands to the app's `flask` command group."""
    for command in COMMANDS:
        app.cli.add_command(command)
