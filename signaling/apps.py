from django.apps import AppConfig


class SignalingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "signaling"

    def ready(self) -> None:
        from signaling import conf  # noqa: F401  (a bad CALL_*/STUN/TURN variable stops every command at start)
