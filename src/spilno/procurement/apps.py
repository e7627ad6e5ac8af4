from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "spilno.procurement"
    verbose_name = _("Procurement")

    def ready(self) -> None:
        from spilno.procurement import metrics

        metrics.register()
