from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = "Open Spaces boards"

    def ready(self) -> None:
        from boards import signals  # noqa: F401
