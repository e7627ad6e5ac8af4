"""Users, their memberships (user ↔ organisation with a role), clearances and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from spilno.core.models import Organisation
from spilno.kernel.access import Role
from spilno.kernel.classification import Level


class User(AbstractUser):
    """A person. What they may do comes from memberships; what they may see from clearance."""

    clearance = models.PositiveSmallIntegerField(
        _("clearance"), choices=Level.choices, default=Level.INTERNAL
    )
    clearance_valid_until = models.DateField(
        _("clearance valid until"),
        null=True,
        blank=True,
        help_text=_("After this date the user sees public records only until renewed."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=[("en", "English"), ("uk", "Українська")], default="en"
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def effective_clearance(self) -> Level:
        if self.clearance_valid_until and self.clearance_valid_until < timezone.localdate():
            return Level.PUBLIC
        return Level(self.clearance)

    @cached_property
    def _memberships(self) -> list[tuple[int, str]]:
        return list(self.memberships.values_list("organisation_id", "role"))

    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(role) for _, role in self._memberships)

    def organisation_ids(self) -> frozenset[int]:
        return frozenset(org for org, _ in self._memberships)

    def role_pairs(self) -> frozenset[tuple[int, Role]]:
        """(organisation id, role) for every membership: roles are held per organisation."""
        return frozenset((org, Role(role)) for org, role in self._memberships)

    def forget_memberships(self) -> None:
        """Call after memberships change within a request."""
        self.__dict__.pop("_memberships", None)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name_en", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.organisation}"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for machines. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
