"""API for programmes, indicators, progress reviews, reviews and strategies (to be written)."""

from ninja import Router

router = Router(tags=["cooperation"])
