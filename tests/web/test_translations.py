"""The Ukrainian catalogue is complete, compiled, and tells the two meanings of "Name" apart."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

import spilno
from spilno.accounts.models import User
from spilno.core.models import Organisation
from spilno.kernel.access import Role
from tests.helpers import PASSWORD

LOCALE = Path(spilno.__file__).parent / "locale" / "uk" / "LC_MESSAGES"


@dataclass
class Entry:
    context: str | None = None
    msgid: str = ""
    msgstr: str = ""
    plural: str = ""
    forms: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def translated(self) -> bool:
        if self.plural:  # Ukrainian has three plural forms; each must be filled in
            return len(self.forms) == 3 and all(self.forms.values())
        return bool(self.msgstr)


def read_po(path: Path) -> list[Entry]:
    """Just enough of the PO format for this catalogue (plurals, no obsolete entries)."""
    entries: list[Entry] = []
    entry, target = Entry(), ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if target:
                entries.append(entry)
            entry, target = Entry(), ""
        elif line.startswith("#,"):
            entry.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target.startswith("form"):
                index = int(target[4:])
                entry.forms[index] += ast.literal_eval(line)
            else:
                setattr(entry, target, getattr(entry, target) + ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword.startswith("msgstr["):
                target = f"form{int(keyword[7:-1])}"
                entry.forms[int(keyword[7:-1])] = ast.literal_eval(value)
                continue
            target = {
                "msgctxt": "context",
                "msgid": "msgid",
                "msgid_plural": "plural",
                "msgstr": "msgstr",
            }[keyword]
            setattr(entry, target, ast.literal_eval(value))
    return entries


CATALOGUE = [e for e in read_po(LOCALE / "django.po") if e.msgid]


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    assert CATALOGUE
    assert [e.msgid for e in CATALOGUE if "fuzzy" in e.flags] == []
    assert [e.msgid for e in CATALOGUE if not e.translated] == []


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogue_covers_every_message_in_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `makemessages -l uk` would extract today is already translated in django.po."""
    copy = tmp_path / "spilno"
    shutil.copytree(
        LOCALE.parents[2], copy, ignore=shutil.ignore_patterns("__pycache__", "static", "data")
    )
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["uk"], verbosity=0)
    extracted = read_po(copy / "locale" / "uk" / "LC_MESSAGES" / "django.po")
    keys = {(e.context, e.msgid) for e in extracted if e.msgid}
    assert keys == {(e.context, e.msgid) for e in CATALOGUE}


def test_translations_keep_the_placeholders() -> None:
    placeholder = re.compile(r"%\((\w+)\)s|%s")
    for e in CATALOGUE:
        for text in e.forms.values() if e.plural else [e.msgstr]:
            assert sorted(placeholder.findall(e.msgid)) == sorted(placeholder.findall(text)), e


def test_the_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for e in CATALOGUE:
        if e.plural:
            assert compiled.ngettext(e.msgid, e.plural, 1) == e.forms[0], e
            assert compiled.ngettext(e.msgid, e.plural, 3) == e.forms[1], e
            assert compiled.ngettext(e.msgid, e.plural, 5) == e.forms[2], e
            continue
        got = compiled.pgettext(e.context, e.msgid) if e.context else compiled.gettext(e.msgid)
        assert got == e.msgstr, e


def test_name_has_a_meaning_for_people_and_one_for_organisations() -> None:
    with translation.override("uk"):
        assert translation.pgettext("person", "Name") == "Ім’я"
        assert translation.pgettext("organisation", "Name") == "Назва"
        assert translation.pgettext("token", "Name") == "Назва"


@pytest.mark.django_db
def test_the_list_pages_use_each_meaning(
    make_user: Callable[..., User], home_org: Organisation
) -> None:
    admin = make_user((home_org, Role.ADMINISTRATOR), language="uk")
    client = Client()
    client.post("/accounts/login/", {"username": admin.username, "password": PASSWORD})
    assert "<th>Ім’я</th>" in client.get("/accounts/users/").content.decode()
    assert "<th>Назва</th>" in client.get("/core/organisations/").content.decode()
    assert "<th>Назва</th>" in client.get("/accounts/tokens/").content.decode()
