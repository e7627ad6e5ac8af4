from django.apps import AppConfig


class SpilnoConfig(AppConfig):
    """The project package itself: base templates, static assets, locale, project-wide views."""

    name = "spilno"
    verbose_name = "Spilno"
