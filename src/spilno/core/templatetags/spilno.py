"""Template helpers: classification badges and country names in the reader's language."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from spilno.core.countries import country_name
from spilno.kernel.classification import Level

register = template.Library()


@register.filter
def level_badge(value: int) -> SafeString:
    level = Level(value)
    return format_html('<span class="badge {}">{}</span>', level.css, level.label)


@register.filter
def country(code: str) -> str:
    return country_name(code)
