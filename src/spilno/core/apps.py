from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Shared kernel: organisations, agreements, classification, money and codes."""

    name = "spilno.core"
    label = "core"
    verbose_name = _("Core")
