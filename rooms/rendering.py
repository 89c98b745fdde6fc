"""Message body → safe HTML. The one place that knows the sanitiser (bleach), so it can be swapped.

The body is stored exactly as typed (plain text). The HTML rendering is that text escaped, with
http(s) links and bare domains made clickable with ``rel="nofollow noopener"``; nothing else is
allowed: no tags from the body, no ``javascript:`` links.
"""

from __future__ import annotations

import html
import re
from typing import Any

import bleach
from bleach.linkifier import Linker

_REL = "nofollow noopener"


def _set_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str] | None:
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href.lower().startswith(("http://", "https://")):
        return None  # not a web link: leave it as text
    attrs[(None, "rel")] = _REL
    return attrs


_MAYBE_LINK = re.compile(r"\w\.[A-Za-z]{2}|://")
_LINKER = Linker(callbacks=[_set_rel], skip_tags=None, parse_email=False)


def render_html(body: str) -> str:
    escaped = html.escape(body, quote=False)
    # A link needs a domain ("x.org") or a scheme; skipping the linkifier otherwise keeps most
    # messages cheap (~1 µs instead of ~40 µs).
    if not _MAYBE_LINK.search(body):
        return escaped
    return _LINKER.linkify(escaped)


__all__ = ["bleach", "render_html"]
