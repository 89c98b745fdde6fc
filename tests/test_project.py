"""Project wiring: settings from the environment fail loudly; seed_demo is idempotent and guarded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rooms.models import Membership, Room

ROOT = Path(__file__).resolve().parent.parent


def check_settings(**env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}
    }
    full.update({"DJANGO_SETTINGS_MODULE": "chatserver.settings", "SECRET_KEY": "s", "DEBUG": "0"})
    full.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with redis://"),
        ({"DATABASE_URL": "nosuch://x"}, "DATABASE_URL='nosuch://x' cannot be used"),
        ({"ALLOWED_HOSTS": "a,,b"}, "ALLOWED_HOSTS='a,,b' has an empty item"),
        ({"CHAT_RATE_LIMIT": "lots"}, "CHAT_RATE_LIMIT='lots' is not a rate"),
        ({"CHAT_MAX_BODY_CHARS": "0"}, "CHAT_MAX_BODY_CHARS=0 must be at least 1"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else None,
)
def test_bad_settings_fail_loudly(env, message):
    proc = check_settings(**env)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_default_is_embedded_and_urls_switch_backends():
    assert check_settings().stdout.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
    ]
    out = check_settings(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert out.stdout.split() == [
        "django.db.backends.postgresql",
        "channels_redis.pubsub.RedisPubSubChannelLayer",
    ]


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not Room.objects.exists()


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(Room.objects.values_list("name", "kind")) == [
        ("Leo & Ana", "pair"),
        ("Maya & Sam", "pair"),
        ("Tuesday workshop", "group"),
    ]
    workshop = Membership.objects.filter(room__name="Tuesday workshop")
    assert sorted(workshop.values_list("user__username", "role")) == [
        ("ana", "mentor"),
        ("leo", "mentee"),
        ("maya", "mentee"),
        ("sam", "mentor"),
    ]
    from django.contrib.auth import get_user_model

    riley = get_user_model().objects.get(username="riley")
    assert riley.has_perm("moderation.moderate_conversations")
    assert not Membership.objects.filter(user=riley).exists()
    assert riley.check_password("pain-peer-demo")
