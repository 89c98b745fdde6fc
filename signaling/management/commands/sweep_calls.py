"""Settle every live call (ring timeouts, peers gone past their resume window).

The server does this on its own (timers, heartbeats, lazily on every access); this command is for a
periodic job (cron, a systemd timer) so that calls left behind by a crashed process are closed and
counted even in a room nobody opens again.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand

from rooms.writer import publish
from signaling import services


class Command(BaseCommand):
    help = "Settle every live call: ring timeouts and peers gone past their resume window."

    def handle(self, *args: Any, **options: Any) -> None:
        events = services.settle_all()
        async_to_sync(publish)(events)
        self.stdout.write(f"settled; {len(events)} event(s) published")
