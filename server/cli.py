"""`shirube` command line: a thin layer over the app factory and the services.

serve | demo | migrate | init | createuser | resetpassword | guides import | guides export
| segments refresh | webhooks deliver
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .db import Database
from .settings import Settings, SettingsError


class CliError(Exception):
    """A user-facing error: printed without a traceback, exit code 1."""


def _settings(args: argparse.Namespace, **overrides: object) -> Settings:
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return Settings.from_env(**overrides)


def cmd_migrate(args: argparse.Namespace) -> int:
    from .migrations import upgrade

    settings = _settings(args)
    upgrade(settings.database_url)
    print(f"database is up to date ({_redact(settings.database_url)})")
    return 0


def cmd_rollup(args: argparse.Namespace) -> int:
    """Metrics requests refresh rollups themselves; this keeps the first request of the day fast."""
    import os

    from .metrics.rollup import main as rollup_main

    if getattr(args, "database_url", None):
        os.environ["SHIRUBE_DATABASE_URL"] = args.database_url
    return rollup_main([])


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    settings = _settings(args)
    if args.migrate:
        from .migrations import upgrade

        upgrade(settings.database_url)
    if getattr(args, "database_url", None):
        os.environ["SHIRUBE_DATABASE_URL"] = args.database_url
    # uvloop + httptools: with the plain asyncio loop and several workers uvicorn stalls
    # (Nagle's algorithm left on; measured 1,450 req/s vs 19,000).
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level,
        access_log=args.access_log,
    )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from .migrations import upgrade
    from .workspaces.service import WorkspaceError, create_environment, get_or_create_workspace

    settings = _settings(args)
    upgrade(settings.database_url)
    db = Database(settings)
    try:
        with db.session() as session:
            ws = get_or_create_workspace(session=session, name=args.workspace)
            created = create_environment(
                session=session, workspace=ws, name=args.env, origins=args.origin or [],
                identity_verification=args.identity_verification,
            )
            session.commit()
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.dispose()
    env = created.environment
    info = {
        "workspace": ws.slug,
        "environment": env.name,
        "publishable_key": env.publishable_key,
        "secret_key": created.secret_key,
        "identity_secret": created.identity_secret,
        "allowed_origins": env.allowed_origins,
    }
    if args.json:
        print(json.dumps(info))
    else:
        print(f"Workspace {ws.name!r} ({ws.slug}), environment {env.name!r}")
        print(f"  allowed origins:  {', '.join(env.allowed_origins) or '(none: the SDK will be refused)'}")
        print(f"  publishable key:  {env.publishable_key}   (public: goes in the snippet)")
        print(f"  secret key:       {created.secret_key}   (shown once: admin REST API)")
        print(f"  identity secret:  {created.identity_secret}   (shown once: sign user ids)")
    return 0


def _environment(session, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .workspaces.service import WorkspaceError, find_environment

    try:
        return find_environment(session=session, workspace=args.workspace, name=args.env)
    except WorkspaceError as exc:
        raise CliError(str(exc)) from None


def cmd_guides_import(args: argparse.Namespace) -> int:
    from .guides.errors import GuideFileError
    from .guides.service import import_guide_files
    from .progress import progress

    paths = _expand(args.paths)
    settings = _settings(args)
    db = Database(settings)
    try:
        with db.session() as session:
            env = _environment(session, args)
            try:
                result = import_guide_files(
                    session=session, environment=env, paths=paths, draft=args.draft,
                    author=args.author,
                    progress=lambda items: progress(items, total=len(items), label="importing"),
                )
            except GuideFileError as exc:
                raise CliError(str(exc)) from None
    finally:
        db.dispose()
    print(result.summary())
    return 0


def cmd_guides_export(args: argparse.Namespace) -> int:
    from .guides.service import export_guides

    settings = _settings(args)
    db = Database(settings)
    try:
        with db.session() as session:
            env = _environment(session, args)
            written = export_guides(session=session, environment=env, directory=Path(args.directory))
    finally:
        db.dispose()
    print(f"exported {len(written)} guide(s) to {args.directory}")
    return 0


def cmd_publish_due(args: argparse.Namespace) -> int:
    """Publish every guide whose scheduled publish time has come (run it from cron)."""
    from .guides.schedule import publish_due
    from .models.types import utcnow

    settings = _settings(args)
    db = Database(settings)
    try:
        with db.session() as session:
            done = publish_due(session=session, now=utcnow())
            session.commit()
    finally:
        db.dispose()
    for item in done:
        outcome = f"version {item.version}" if item.version else f"not published: {item.problem}"
        print(f"{item.key} (environment {item.environment_id}): {outcome}")
    if not args.quiet or done:
        print(f"published {sum(1 for d in done if d.version)} scheduled guide(s)")
    return 1 if any(d.version is None for d in done) else 0


def _password_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/admin/password/{token}"


def _email_password_link(settings: Settings, user, token: str) -> None:  # type: ignore[no-untyped-def]
    """With a mail server (SHIRUBE_SMTP_URL), also email the link; say how it went."""
    if not settings.mail_enabled:
        return
    from . import mail
    from .admin.i18n import LANGUAGES, load_catalogs
    from .admin.templating import make_environment

    def build() -> mail.EmailMessage:
        lang = user.locale if user.locale in LANGUAGES else "en"
        content = mail.render(make_environment(), load_catalogs()[lang], lang,
                              "admin/auth/mail_password.html", email=user.email,
                              link=_password_link(settings, token),
                              hours=settings.password_link_hours, reason="admin")
        return mail.compose(settings=settings, to=user.email, content=content)

    problem = mail.deliver(settings, build, what="password link")
    if problem:
        print(f"shirube: warning: the link was not emailed: {problem}", file=sys.stderr)
    else:
        print(f"The link was also emailed to {user.email}.")


def cmd_createuser(args: argparse.Namespace) -> int:
    """An admin user with a workspace role, and a one-time link to set their password."""
    from .admin import accounts
    from .migrations import upgrade
    from .models.types import utcnow
    from .workspaces.service import WorkspaceError, get_or_create_workspace

    settings = _settings(args)
    upgrade(settings.database_url)
    db = Database(settings)
    try:
        with db.session() as session:
            try:
                user = accounts.user_by_email(session=session, email=args.email)
                if user is None:
                    user = accounts.create_user(session=session, email=args.email, name=args.name)
                ws = get_or_create_workspace(session=session, name=args.workspace)
                accounts.set_role(session=session, workspace=ws, user=user, role=args.role)
            except (accounts.AccountError, WorkspaceError) as exc:
                raise CliError(str(exc)) from None
            token = accounts.new_password_link(session=session, user=user, now=utcnow(),
                                               hours=settings.password_link_hours)
            session.commit()
    finally:
        db.dispose()
    print(f"{user.email} is {args.role} of workspace {ws.name!r} ({ws.slug}).")
    print(f"Set the password within {settings.password_link_hours} h (one-time link):")
    print(f"  {_password_link(settings, token)}")
    _email_password_link(settings, user, token)
    return 0


def cmd_resetpassword(args: argparse.Namespace) -> int:
    """Print a one-time link to set a new password (also emailed when SMTP is configured)."""
    from .admin import accounts
    from .models.types import utcnow

    settings = _settings(args)
    db = Database(settings)
    try:
        with db.session() as session:
            user = accounts.user_by_email(session=session, email=args.email)
            if user is None:
                raise CliError(f"no admin user with email {args.email!r}")
            token = accounts.new_password_link(session=session, user=user, now=utcnow(),
                                               hours=settings.password_link_hours)
            session.commit()
    finally:
        db.dispose()
    print(f"One-time link to set a new password for {user.email} "
          f"(valid {settings.password_link_hours} h):")
    print(f"  {_password_link(settings, token)}")
    _email_password_link(settings, user, token)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    settings = _settings(args, demo=True, public_url=f"http://{args.host}:{args.port}")
    return run_demo(settings, host=args.host, port=args.port, seed_only=args.seed_only,
                    users=args.users)


def _expand(patterns: Sequence[str]) -> list[Path]:
    paths: list[Path] = []
    for pattern in patterns:
        p = Path(pattern)
        if p.is_dir():
            paths.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")))
        elif p.is_file():
            paths.append(p)
        else:
            raise CliError(f"{pattern}: no such file or directory")
    if not paths:
        raise CliError("no guide files given")
    return paths


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shirube", description="Shirube: in-app guides and loyalty analytics.")
    parser.add_argument("--database-url", help="overrides SHIRUBE_DATABASE_URL (default sqlite:///shirube.db)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the server (uvicorn, uvloop, httptools)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--migrate", action="store_true", help="run migrations first")
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="migrate, seed a demo workspace and serve the demo app and admin")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--users", type=int, default=2000, help="sample end users to seed")
    p.add_argument("--seed-only", action="store_true", help="seed and exit without serving")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("rollup", help="fold new events into the metrics' daily rollups (cron)")
    p.set_defaults(func=cmd_rollup)

    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("init", help="create a workspace and environment and print its keys")
    p.add_argument("--workspace", required=True, help="workspace name (created if missing)")
    p.add_argument("--env", default="production", help="environment name (default production)")
    p.add_argument("--origin", action="append", help="allowed origin of the host app (repeatable)")
    p.add_argument("--identity-verification", action="store_true", help="require signed user ids")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("createuser", help="create an admin user and print a set-password link")
    p.add_argument("email")
    p.add_argument("--workspace", required=True, help="workspace name (created if missing)")
    p.add_argument("--role", choices=["owner", "editor", "viewer"], default="owner")
    p.add_argument("--name", default="", help="display name")
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("resetpassword", help="print a one-time link to set a new admin password")
    p.add_argument("email")
    p.set_defaults(func=cmd_resetpassword)

    p = sub.add_parser("publish-due", help="publish guides whose scheduled time has come (cron)")
    p.add_argument("--quiet", action="store_true", help="print nothing when nothing was due")
    p.set_defaults(func=cmd_publish_due)

    g = sub.add_parser("guides", help="guides as code").add_subparsers(dest="guides_command", required=True)
    p = g.add_parser("import", help="validate and import guide files (all or nothing)")
    p.add_argument("paths", nargs="+", help="YAML files or directories")
    p.add_argument("--env", required=True)
    p.add_argument("--workspace")
    p.add_argument("--draft", action="store_true", help="save as drafts instead of publishing")
    p.add_argument("--author", default="cli")
    p.set_defaults(func=cmd_guides_import)
    p = g.add_parser("export", help="write every guide of an environment as YAML")
    p.add_argument("directory")
    p.add_argument("--env", required=True)
    p.add_argument("--workspace")
    p.set_defaults(func=cmd_guides_export)

    from .segments.commands import add_commands  # segments refresh, webhooks deliver

    add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, SettingsError) as exc:
        print(f"shirube: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a missing table means the schema is older than this code
        text = str(exc)
        if "no such table" in text or ("relation" in text and "does not exist" in text):
            print("shirube: error: the database schema is out of date: run `shirube migrate`",
                  file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
