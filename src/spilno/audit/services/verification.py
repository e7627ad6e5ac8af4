"""Verification as a use case: permission, run, and an audit entry saying who verified what."""

from __future__ import annotations

from typing import Any

from spilno.audit.services.record import record_in_new_transaction
from spilno.audit.services.verify import VerifyResult, verify_log
from spilno.kernel.access import require
from spilno.kernel.classification import Level


def run_verification(*, actor: Any) -> VerifyResult:
    require(actor, "audit.log.verify")
    result = verify_log()
    record_in_new_transaction(
        actor=actor,
        action="audit.log.verify",
        object_type="audit.log",
        object_repr="audit log",
        after={
            "ok": result.ok,
            "entries": result.entries,
            "first_break": result.as_dict()["first_break"],
        },
        classification=Level.INTERNAL,
    )
    return result
