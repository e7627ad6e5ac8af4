from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, memberships with roles, clearances and API tokens."""

    name = "spilno.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
