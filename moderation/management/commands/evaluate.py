"""``manage.py evaluate FILE [--strict]``: print the crisis detector's evaluation report for a labelled JSONL file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.cli import evaluate_path


class Command(BaseCommand):
    help = "Evaluate the crisis detector on a labelled JSONL file (id, text, label, severity, category, lang, kind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="labelled JSONL file, e.g. moderation/corpus/holdout.jsonl")
        parser.add_argument(
            "--strict", action="store_true", help="exit non-zero when the targets are not met"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report, met = evaluate_path(options["file"])
        self.stdout.write(report)
        if options["strict"] and not met:
            raise CommandError("detector targets not met")
