"""Management commands: the demo world and the audit log operator commands."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from spilno.accounts.models import User
from spilno.audit.models import AuditCheckpoint, AuditEntry
from spilno.audit.services.checkpoint import verify_signature
from spilno.core.models import Agreement, Organisation
from spilno.demo.world import DEMO_PASSWORD, USERS
from spilno.kernel.access import Role
from spilno.kernel.classification import Level
from tests.helpers import drop_audit_triggers

pytestmark = pytest.mark.django_db


def run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def world_size() -> tuple[int, int, int, int]:
    return (
        Organisation.objects.count(),
        Agreement.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


def test_demo_builds_the_world_once() -> None:
    output = run("demo")
    assert "Demo world created." in output
    assert DEMO_PASSWORD in output

    users = User.objects.all()
    assert users.count() == len(USERS)
    assert {u.username for u in users} == {u[0] for u in USERS}
    # One user per role.
    assert {role for u in users for role in u.role_set()} == set(Role)
    admin = User.objects.get(username="admin")
    assert admin.check_password(DEMO_PASSWORD)
    assert admin.effective_clearance == Level.SECRET

    memorandum = Agreement.objects.get(reference="DPA–DGA MoI")
    assert memorandum.signed_on == dt.date(2023, 9, 29)
    assert memorandum.status == "in_force"
    assert {p.organisation.short_name for p in memorandum.agreement_parties.all()} == {"DPA", "DGA"}
    mod = Organisation.objects.get(short_name="MoD UA")
    assert [str(i) for i in mod.identifiers.all()] == ["UA-EDR-00034022"]
    # Everything was written through the services: each record has its "create" entry.
    from spilno.capabilities.models import Requirement
    from spilno.procurement.models import Contract, Tender

    for model in (Organisation, Agreement, User, Requirement, Tender, Contract):
        created = set(
            AuditEntry.objects.filter(
                object_type=model._meta.label_lower, action__regex=r"\.(create|call_off)$"
            ).values_list("object_id", flat=True)
        )
        assert created == {str(pk) for pk in model.objects.values_list("pk", flat=True)}, model

    size = world_size()
    again = run("demo")
    assert "Demo world already present." in again
    assert world_size() == size


def test_audit_verify_passes_after_the_demo() -> None:
    run("demo", no_migrate=True)
    output = run("audit", "verify")
    assert "Audit log intact" in output
    assert f"{AuditEntry.objects.count()} entries" in output


def test_audit_verify_json() -> None:
    run("demo", no_migrate=True)
    result = json.loads(run("audit", "verify", "--json"))
    assert result["ok"] is True
    assert result["entries"] == AuditEntry.objects.count()


def test_audit_verify_fails_naming_the_edited_entry() -> None:
    run("demo", no_migrate=True)
    victim = AuditEntry.objects.get(action="accounts.user.create", object_repr="auditor")
    drop_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["mallory", victim.pk]
        )
    with pytest.raises(CommandError, match=f"entry #{victim.pk} ") as exc:
        run("audit", "verify")
    assert "BROKEN" in str(exc.value)
    assert exc.value.returncode == 1


def run_both(*args: str) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def assert_progress_line_closed(err: str) -> None:
    """Progress lines end with a carriage return; the last one is followed by a newline, so
    whatever is printed next (the result, an error) starts on a line of its own."""
    assert "\r" in err
    assert err.endswith("\r\n")
    assert "\r\n" not in err[: -len("\r\n")]


@pytest.mark.parametrize("as_json", [False, True])
def test_audit_verify_ends_the_progress_line(as_json: bool) -> None:
    run("demo", no_migrate=True)
    out, err, error = run_both("audit", "verify", *(["--json"] if as_json else []))
    assert error is None
    assert_progress_line_closed(err)
    assert out.strip()


def test_audit_verify_ends_the_progress_line_before_an_error() -> None:
    run("demo", no_migrate=True)
    victim = AuditEntry.objects.order_by("pk")[3]
    drop_audit_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET actor = %s WHERE id = %s", ["mallory", victim.pk]
        )
    _out, err, error = run_both("audit", "verify")
    assert error is not None
    assert "BROKEN" in str(error)
    assert_progress_line_closed(err)


def test_audit_checkpoint_writes_a_verifiable_json(tmp_path: Path) -> None:
    run("demo", no_migrate=True)
    out = tmp_path / "cp.json"
    output = run("audit", "checkpoint", out=out)
    checkpoint = AuditCheckpoint.objects.get()
    assert f"Checkpoint #{checkpoint.pk}" in output
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["payload"] == checkpoint.payload
    assert verify_signature(exported["payload"], exported["signature"], exported["public_key"])

    printed = json.loads(run("audit", "export-checkpoint"))
    assert printed == exported
    assert json.loads(run("audit", "export-checkpoint", str(checkpoint.pk))) == exported


def test_exporting_a_missing_checkpoint_fails() -> None:
    with pytest.raises(CommandError, match="No such checkpoint"):
        run("audit", "export-checkpoint")
