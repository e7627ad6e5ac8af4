from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "spilno.transparency"
    verbose_name = _("Transparency")

    def ready(self) -> None:
        # Subscribes publication to the end of every procurement command (kernel.units).
        from spilno.transparency.services import publication  # noqa: F401
