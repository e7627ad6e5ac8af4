from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapabilitiesConfig(AppConfig):
    name = "spilno.capabilities"
    verbose_name = _("Capabilities")

    def ready(self) -> None:
        from spilno.capabilities import metrics

        metrics.register()
