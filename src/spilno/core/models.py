"""Shared-kernel records: organisations, their identifiers, cooperation areas and agreements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spilno.core.codes import IDENTIFIER_SCHEMES, IDENTIFIER_VALIDATORS
from spilno.core.countries import validate_country
from spilno.core.states import AgreementStatus
from spilno.kernel.access import ClassifiedQuerySet
from spilno.kernel.classification import Level


class Bilingual(models.Model):
    """Names the public sees are kept in English and Ukrainian; shown in the reader's language."""

    name_en = models.CharField(_("name (English)"), max_length=300)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "en").startswith("uk") and self.name_uk:
            return self.name_uk
        return self.name_en

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    AGENCY = "agency", _("Agency")
    ARMED_FORCES_UNIT = "armed_forces_unit", _("Armed forces unit")
    SUPPLIER = "supplier", _("Supplier")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    NGO = "ngo", _("NGO")


class OrganisationQuerySet(ClassifiedQuerySet["Organisation"]):
    participants_lookup = "pk"


class Organisation(Bilingual):
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[validate_country],
        help_text=_("ISO 3166-1 alpha-2; international organisations use the host country."),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    website = models.URLField(_("website"), blank=True)
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.PUBLIC
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name_en", "country"], name="organisation_unique_name")
        ]

    def participant_ids(self) -> Iterable[int]:
        return [self.pk]

    @property
    def label(self) -> str:
        return self.short_name or self.name


class OrganisationIdentifier(models.Model):
    """A registry identifier in an org-id.guide scheme, e.g. UA-EDR 00034022 (EDRPOU)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(_("scheme"), max_length=20, choices=IDENTIFIER_SCHEMES)
    identifier = models.CharField(_("identifier"), max_length=60)

    class Meta:
        ordering = ["scheme", "identifier"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "identifier"], name="identifier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme}-{self.identifier}"

    def clean(self) -> None:
        validator = IDENTIFIER_VALIDATORS.get(self.scheme)
        if validator and self.identifier:
            try:
                validator(self.identifier)
            except ValidationError as exc:
                raise ValidationError({"identifier": exc.messages}) from exc


class CooperationArea(Bilingual):
    """Taxonomy of defence-cooperation areas (seeded from the December 2020 framework list)."""

    slug = models.SlugField(unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("cooperation area")
        verbose_name_plural = _("cooperation areas")


class AgreementKind(models.TextChoices):
    BILATERAL_FRAMEWORK = "bilateral_framework", _("Bilateral framework agreement")
    MOU = "mou", _("Memorandum of understanding")
    MOI = "moi", _("Memorandum of intent")
    ASSISTANCE_PACKAGE = "assistance_package", _("Assistance package")
    PARTNERSHIP_CONCEPT = "partnership_concept", _("Partnership concept")


class AgreementQuerySet(ClassifiedQuerySet["Agreement"]):
    participants_lookup = "parties"


class Agreement(models.Model):
    title_en = models.CharField(_("title (English)"), max_length=400)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=400, blank=True)
    reference = models.CharField(
        _("reference"), max_length=80, blank=True, help_text=_("Number or registry reference.")
    )
    kind = models.CharField(_("kind"), max_length=40, choices=AgreementKind.choices)
    summary = models.TextField(_("summary"), blank=True)
    parties: models.ManyToManyField[Organisation, AgreementParty] = models.ManyToManyField(
        Organisation, through="AgreementParty", related_name="agreements", verbose_name=_("parties")
    )
    areas = models.ManyToManyField(
        CooperationArea, blank=True, related_name="agreements", verbose_name=_("cooperation areas")
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("under agreement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Leave empty for an indefinite term.")
    )
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Level.choices, default=Level.PUBLIC
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "title_en"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="agreement_validity_ordered",
            )
        ]

    @property
    def title(self) -> str:
        if (get_language() or "en").startswith("uk") and self.title_uk:
            return self.title_uk
        return self.title_en

    def __str__(self) -> str:
        return self.title

    def participant_ids(self) -> Iterable[int]:
        return [p.organisation_id for p in self.agreement_parties.all()]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end of validity cannot be before its start.")
        if self.status != AgreementStatus.DRAFT and not (self.signed_on or self.valid_from):
            errors["signed_on"] = _(
                "A signed agreement needs its signature date (or, if unknown, its start date)."
            )
        if self.signed_on and self.valid_from and self.valid_from < self.signed_on:
            errors["valid_from"] = _("An agreement cannot take effect before it is signed.")
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = _("An agreement cannot be under itself.")
        if errors:
            raise ValidationError(errors)


class PartyRole(models.TextChoices):
    SIGNATORY = "signatory", _("Signatory")
    LEAD = "lead", _("Lead")
    PARTICIPANT = "participant", _("Participant")
    BENEFICIARY = "beneficiary", _("Beneficiary")


class AgreementParty(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="agreement_parties"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreement_roles"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=PartyRole.choices, default=PartyRole.SIGNATORY
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organisation"], name="party_once")
        ]
