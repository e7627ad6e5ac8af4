"""API for the consultation brief (to be written)."""

from ninja import Router

router = Router(tags=["cooperation"])
