"""``manage.py classify``: JSONL ``{"id", "text"}`` on stdin -> one verdict JSONL line per input on stdout."""

from __future__ import annotations

import sys
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand

from moderation.cli import classify_stream


class Command(BaseCommand):
    help = "Classify JSONL messages from stdin with the crisis detector; malformed lines get an error record."

    def handle(self, *args: Any, **options: Any) -> None:
        # OutputWrapper is file-like (write/flush) and keeps call_command(stdout=...) capture working
        errors = classify_stream(sys.stdin, cast(TextIO, self.stdout))
        if errors:
            self.stderr.write(f"{errors} malformed line(s) reported in the output")
