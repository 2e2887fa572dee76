"""Command-line commands: users, themes, demo data and the scheduler process."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db

user_cli = AppGroup("user", help="Manage accounts.")
theme_cli = AppGroup("theme", help="Manage themes (organisations, projects, subthemes).")
demo_cli = AppGroup("demo", help="Demo data for a local trial.")


@user_cli.command("create")
@click.argument("email")
@click.option("--username", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--platform-owner", is_flag=True, help="Give platform-owner rights.")
def user_create(email, username, password, platform_owner):
    """Create a confirmed account (e.g. the first platform owner)."""
    from app.auth.models import User
    from app.auth.passwords import password_problem
    from app.auth.services import find_user_by_email, normalise_email
    from app.timeutil import utcnow

    if find_user_by_email(email):
        raise click.ClickException(f"{email} already has an account.")
    problem = password_problem(password, email=email, username=username)
    if problem:
        raise click.ClickException(problem)
    user = User(email=normalise_email(email), username=username, locale="nl",
                email_confirmed_at=utcnow(), is_platform_owner=platform_owner)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {user.email}{' (platform owner)' if platform_owner else ''}.")


@user_cli.command("set-platform-owner")
@click.argument("email")
@click.option("--revoke", is_flag=True)
def user_set_platform_owner(email, revoke):
    """Give (or with --revoke take) platform-owner rights."""
    from app.auth.services import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    user.is_platform_owner = not revoke
    db.session.commit()
    click.echo(f"{user.email}: platform owner = {user.is_platform_owner}")


@theme_cli.command("create")
@click.argument("name")
@click.option("--slug", required=True, help="Web address, e.g. zorgregio-noord.")
@click.option("--type", "workgroup_type", type=click.Choice(["half_open", "closed", "mixed"]),
              required=True)
@click.option("--parent", help="Slug of the parent theme (for a subtheme).")
@click.option("--description", default="")
@click.option("--owner", help="E-mail address of the owner (an existing account).")
def theme_create(name, slug, workgroup_type, parent, description, owner):
    """Create a theme and optionally appoint its owner."""
    from app.auth.services import find_user_by_email
    from app.themes import services

    parent_theme = None
    if parent:
        parent_theme = services.get_theme_by_slug(parent)
        if parent_theme is None:
            raise click.ClickException(f"No theme has the slug {parent}.")
    owner_user = None
    if owner:
        owner_user = find_user_by_email(owner)
        if owner_user is None:
            raise click.ClickException(f"No account has the address {owner}.")
    try:
        theme = services.create_theme(name=name, slug=slug, workgroup_type=workgroup_type,
                                      description=description, parent=parent_theme)
        if owner_user:
            services.appoint_owner(theme, owner_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message)
    click.echo(f"Created theme {theme.slug} ({theme.workgroup_type.value}).")


@theme_cli.command("set-owner")
@click.argument("slug")
@click.argument("email")
def theme_set_owner(slug, email):
    """Appoint the owner of a theme; a previous owner stays on as admin."""
    from app.auth.services import find_user_by_email
    from app.themes import services

    theme = services.get_theme_by_slug(slug)
    if theme is None:
        raise click.ClickException(f"No theme has the slug {slug}.")
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    services.appoint_owner(theme, user)
    db.session.commit()
    click.echo(f"{user.email} now owns {theme.slug}.")


@theme_cli.command("list")
def theme_list():
    """Print the theme tree."""
    from app.themes import services

    for t in services.theme_tree():
        owner = services.owner_of(t)
        click.echo(f"{'  ' * t.tree_depth}{t.slug:30} {t.workgroup_type.value:10} "
                   f"{owner.email if owner else '-'}")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Also outside development.")
def demo_load(force):
    """Load demo data once (skipped when accounts exist) and print the demo accounts."""
    from app import demo
    from app.auth.models import User

    if current_app.config["ENVIRONMENT"] == "production" and not force:
        raise click.ClickException("Refusing to load demo data in production (use --force).")
    if db.session.scalar(select(func.count(User.id))):
        click.echo("Accounts exist already; demo data not loaded again.")
    else:
        demo.load()
        click.echo("Demo data loaded.")
    demo.print_accounts(click.echo)


@demo_cli.command("accounts")
def demo_accounts():
    """Print the demo accounts and their passwords."""
    from app import demo

    demo.print_accounts(click.echo)


outbox_cli = AppGroup("outbox", help="The mail outbox.")


@outbox_cli.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed", "held"]))
@click.option("--limit", default=50, show_default=True)
def outbox_list(status, limit):
    """Show the newest mails in the outbox."""
    from app.mail.models import OutboxMessage

    q = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        q = q.where(OutboxMessage.status == status)
    for m in db.session.scalars(q):
        click.echo(f"{m.id:>7} {m.status.value:8} {m.attempts:>2} {m.created_at:%Y-%m-%d %H:%M} "
                   f"{m.recipient:35} {m.subject[:60]}"
                   + (f"\n{'':>20}{m.last_error}" if m.last_error and m.status.value != "sent" else ""))


@outbox_cli.command("flush")
@click.option("--now", "include_not_due", is_flag=True, help="Also retry what waits for back-off.")
def outbox_flush(include_not_due):
    """Deliver what is due now."""
    from app.mail.services import flush

    counts = flush(current_app._get_current_object(), include_not_due=include_not_due)
    click.echo(f"sent {counts['sent']}, failed {counts['failed']}, skipped {counts['skipped']}")


@outbox_cli.command("release")
def outbox_release():
    """Send the mails held while no MAIL_SERVER was configured."""
    from sqlalchemy import update

    from app.mail.models import OutboxMessage, OutboxStatus
    from app.timeutil import utcnow

    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("Configure BOARD_MAIL_SERVER first.")
    n = db.session.execute(update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.HELD)
                           .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow())).rowcount
    db.session.commit()
    click.echo(f"{n} held mails released; `flask outbox flush` or the scheduler sends them.")


@theme_cli.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def theme_export(slug, path):
    """Write the archive of a top-level theme (with its subthemes) to a zip file."""
    from app.archive.exporter import write_archive
    from app.themes import services

    theme = services.get_theme_by_slug(slug)
    if theme is None or theme.parent_id is not None:
        raise click.ClickException(f"No top-level theme has the slug {slug}.")
    with open(path, "wb") as out:
        manifest = write_archive(theme, out)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(f"Wrote {path}: {rows} rows, {len(manifest['files'])} files.")
    if manifest["missing_files"]:
        click.echo(f"Missing in storage: {', '.join(manifest['missing_files'])}", err=True)


@theme_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-slug", help="Web address of the imported top-level theme (default: its own).")
@click.option("--owner", "owner_email", help="E-mail address of an existing account to own it.")
def theme_import(path, as_slug, owner_email):
    """Restore a theme archive (made by the archive page or `flask theme export`): everything
    or, when anything is wrong, nothing."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.archive.importer import ArchiveRefused, import_archive
    from app.themes.models import Theme

    try:
        restore = import_archive(path, as_slug=as_slug, owner_email=owner_email)
        slug = db.session.get(Theme, restore.root_id).slug
        db.session.commit()
    except ArchiveRefused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc))
    except (SQLAlchemyError, ValueError, TypeError, KeyError) as exc:
        db.session.rollback()
        raise click.ClickException(f"The archive does not fit this installation; nothing was "
                                   f"imported. {type(exc).__name__}: {exc}")
    rows = sum(restore.counts.values())
    click.echo(f"Imported {slug}: {rows} rows, {restore.created_users} new accounts "
               "(without a password: they set one with \"forgot password\").")


search_cli = AppGroup("search", help="Search rows (kept in step with every change).")


@search_cli.command("reindex")
def search_reindex():
    """Repair: write every post's search row again from the data (with a progress bar)."""
    from app.items.models import Item
    from app.search.index import rebuild

    total = db.session.scalar(select(func.count(Item.id))) or 0
    db.session.rollback()
    with db.engine.connect() as conn, \
            click.progressbar(length=total, label="Indexing posts") as bar:
        n = rebuild(conn, progress=bar.update, repair=True, commit_batches=True)
    click.echo(f"Indexed {n} posts.")


@click.command("scheduler")
@click.option("--once", is_flag=True,
              help="Run one tick (deliver due mail, catch up with the digests, build the "
                   "archives asked for) and exit.")
def scheduler_command(once):
    """Run the scheduler process (one per host at most; the scheduler lock lets one work)."""
    from app.scheduler import archive_job, run_scheduler, tick

    if once:
        tick(current_app._get_current_object())
        archive_job(current_app._get_current_object())
        return
    run_scheduler(current_app._get_current_object())


def init_app(app):
    from app.posts.seed import seed_command

    app.cli.add_command(seed_command)
    app.cli.add_command(user_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(theme_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(scheduler_command)
