"""``spilno ocds export``: not built yet."""

from __future__ import annotations

import argparse
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of the subcommand."""


def run(options: dict[str, Any]) -> int:
    raise NotImplementedError("spilno ocds export is being built.")
