from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The append-only, hash-chained audit log, its checkpoints and its verification."""

    name = "spilno.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from spilno.audit import checks  # noqa: F401  (registers system checks)
