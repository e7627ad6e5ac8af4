"""Spilno: open defence procurement and partner cooperation."""

__version__ = "0.1.0"
