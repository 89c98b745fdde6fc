"""Crisis resources shown to a person whose message was flagged high (configurable per locale).

Defaults are for Canada, in English and French. ``CRISIS_RESOURCES_FILE`` may point to a JSON file
``{"en": {"title": "...", "lines": ["..."]}, "fr": {...}}`` that replaces them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_RESOURCES: dict[str, dict[str, Any]] = {
    "en": {
        "title": "You don't have to get through this alone",
        "lines": [
            "Call or text 9-8-8 (Suicide Crisis Helpline), any time, day or night.",
            "If you are in immediate danger or someone's life is at risk, call 9-1-1.",
            "Our staff have been told and will reach out to you. Your mentor is still here with you.",
        ],
    },
    "fr": {
        "title": "Vous n'avez pas à traverser cela seul·e",
        "lines": [
            "Appelez ou textez le 9-8-8 (Ligne d'aide en cas de crise de suicide), jour et nuit.",
            "En cas de danger immédiat, composez le 9-1-1.",
            "Notre équipe a été prévenue et va vous contacter. Votre mentor est toujours là.",
        ],
    },
}


@lru_cache(maxsize=1)
def crisis_resources() -> list[dict[str, Any]]:
    data = DEFAULT_RESOURCES
    path = settings.CRISIS_RESOURCES_FILE
    if path:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ImproperlyConfigured(f"CRISIS_RESOURCES_FILE={path!r} cannot be read: {exc}") from None
        for locale, entry in data.items():
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("title"), str)
                or not isinstance(entry.get("lines"), list)
            ):
                raise ImproperlyConfigured(
                    f"CRISIS_RESOURCES_FILE: locale {locale!r} needs a 'title' and 'lines'"
                )
    return [
        {"locale": locale, "title": entry["title"], "lines": list(entry["lines"])}
        for locale, entry in data.items()
    ]
