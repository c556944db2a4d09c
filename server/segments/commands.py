"""CLI commands `shirube segments refresh` and `shirube webhooks deliver` (thin wrappers).

Registered on the main parser by server/cli.py through `add_commands`.
"""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from ..db import Database
from ..settings import Settings


def _db(args: argparse.Namespace) -> Database:
    url = getattr(args, "database_url", None)
    return Database(Settings.from_env(database_url=url) if url else Settings.from_env())


def cmd_segments_refresh(args: argparse.Namespace) -> int:
    """Refresh the segments of one environment (--env) or of every environment."""
    from ..models import Environment
    from ..workspaces.service import WorkspaceError, find_environment
    from .refresh import refresh_segments

    db = _db(args)
    try:
        with db.session() as session:
            if args.env:
                try:
                    envs = [find_environment(session=session, workspace=args.workspace,
                                             name=args.env)]
                except WorkspaceError as exc:
                    from ..cli import CliError

                    raise CliError(str(exc)) from None
            else:
                envs = list(session.exec(select(Environment).order_by(col(Environment.id))))
            targets = [(int(e.id or 0), e.name) for e in envs]
        for env_id, name in targets:
            with db.session() as session:
                report = refresh_segments(session=session, environment_id=env_id,
                                          now=datetime.now(UTC))
                session.commit()
            print(f"{name}: {len(report.members)} segments, +{report.entered} -{report.left},"
                  f" {report.messages} webhook messages")
    finally:
        db.dispose()
    return 0


def cmd_webhooks_deliver(args: argparse.Namespace) -> int:
    """Deliver due webhook messages: once, or in a loop until interrupted."""
    from ..webhooks.worker import deliver_due, run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db = _db(args)
    try:
        if args.once:
            print(deliver_due(db=db, batch=args.batch))
        else:
            run_forever(db=db, idle_seconds=args.idle, batch=args.batch)
    finally:
        db.dispose()
    return 0


def add_commands(sub: Any) -> None:
    """Add `segments refresh` and `webhooks deliver` to the `shirube` subcommands."""
    g = sub.add_parser("segments", help="saved audiences").add_subparsers(
        dest="segments_command", required=True)
    p = g.add_parser("refresh", help="materialise segment members; write webhook messages")
    p.add_argument("--env", help="environment name (default: every environment)")
    p.add_argument("--workspace")
    p.set_defaults(func=cmd_segments_refresh)
    g = sub.add_parser("webhooks", help="outbound webhooks").add_subparsers(
        dest="webhooks_command", required=True)
    p = g.add_parser("deliver", help="deliver due webhook messages (a long-running worker)")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--batch", type=int, default=20, help="messages claimed per pass")
    p.add_argument("--idle", type=float, default=5.0, help="seconds to sleep when idle")
    p.set_defaults(func=cmd_webhooks_deliver)
