"""Escalate unacknowledged high-severity flags to the on-call contacts.

Runs beside the server (scripts/run.sh starts it). Everything it needs is in the database, so it
works with no dashboard open and picks up where it left off after a restart. Several workers may
run at once: each flag is claimed under a row lock and escalated once.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from asgiref.sync import async_to_sync
from django import db
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from moderation.services import escalate_due
from rooms.writer import publish

log = logging.getLogger("moderation.escalation")


class Command(BaseCommand):
    help = "Escalate open high-severity flags nobody acknowledged within MODERATION_ESCALATE_AFTER seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        stop = threading.Event()
        if not once:
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            signal.signal(signal.SIGINT, lambda *_: stop.set())
            log.info(
                "escalation worker: every %ss, after %ss unacknowledged",
                settings.MODERATION_POLL_SECONDS,
                settings.MODERATION_ESCALATE_AFTER,
            )
        while True:
            try:
                events = escalate_due()
                if events:
                    log.warning("escalated %d flag(s)", len(events))
                    async_to_sync(publish)(events)
            except db.Error:
                log.exception("escalation check failed; retrying")
                db.connections.close_all()
            if once or stop.wait(settings.MODERATION_POLL_SECONDS):
                break
