"""Kontaktbok's command-line commands (`flask --app app <command>`): migrate, worker,
purge, import and create-admin. `register(app)` adds them to the app (create_app calls
it); each runs inside the app's context, so it reads the app through current_app.
"""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from models import audit, demo
from models import db as dbmod
from models.consent import consent_book
from models.daycare import retention as daycare_retention
from models.login.passwords import hash_password
from models.messaging import attachments as message_files
from models.messaging.attachments import remove as remove_files
from models.notifications import deliveries
from models.posts import drafts as post_drafts
from models.posts import posts as posts_model
from models.roster import applying, reading
from models.roster import roster as roster_model
from models.roster.rows import RosterError
from models.school.tables import ADMINISTRATOR, StaffRole, User, school_year_of

ROOT = Path(__file__).resolve().parent
NOTIFICATION_DAYS = 90


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
                      attachment_dir=config["ATTACHMENT_DIR"])
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
    digests, quiet hours and retries. `make run` starts it beside the web server."""
    consumer = current_app.extensions["queue"].huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True)
    consumer.run()


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_appcontext
def purge_command(dry_run):
    """Delete posts and their photos published longer ago than the municipality's
    retention period (retention.documentation_years) and check-in times older than
    retention.check_in_school_years, and say what was deleted."""
    config = current_app.config
    years = config["MUNICIPALITY"].retention["documentation_years"]
    with dbmod.database.connection_context():
        due = posts_model.due_for_purge(years)
        check_in_years = config["MUNICIPALITY"].retention["check_in_school_years"]
        if dry_run:
            for post in due:
                click.echo(f"would delete post {post.id} ({post.published_at:%Y-%m-%d}): "
                           f"{post.title}")
            click.echo(f"{len(due)} posts older than {years} years")
            expired = message_files.expired_kept(config["ATTACHMENT_DIR"])
            click.echo(f"{len(expired)} expired files kept for message forms")
            click.echo(f"{daycare_retention.due(check_in_years)} check-ins and pick-up "
                       f"days older than {check_in_years} school years")
            return
        for post_id, title, published, files in posts_model.purge(
                due, config["ATTACHMENT_DIR"], remove_files):
            click.echo(f"deleted post {post_id} ({published:%Y-%m-%d}, {files} files): "
                       f"{title}")
        click.echo(f"deleted {len(due)} posts older than {years} years")
        # Notifications are a record of who was told what when, kept only as long
        # as the administrator needs it to see failures.
        gone = deliveries.purge(NOTIFICATION_DAYS)
        click.echo(f"deleted {gone} notifications older than {NOTIFICATION_DAYS} days")
        # Photos chosen for a post that was never published.
        drafts = post_drafts.purge_expired(config["ATTACHMENT_DIR"])
        click.echo(f"deleted {drafts} unpublished photo drafts")
        # Files a message form kept while it came back, past the time its token allows.
        kept = message_files.purge_kept(config["ATTACHMENT_DIR"])
        click.echo(f"deleted {kept} expired files kept for message forms")
        # Kindergarten and after-school check-in times are personal data.
        gone = daycare_retention.purge(check_in_years)
        click.echo(f"deleted {gone} check-ins and pick-up days older than {check_in_years} "
                   "school years")


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


COMMANDS = (migrate_command, worker_command, purge_command, import_command,
            create_admin_command)


def register(app):
    """Add the commands to the app's `flask` command group."""
    for command in COMMANDS:
        app.cli.add_command(command)
