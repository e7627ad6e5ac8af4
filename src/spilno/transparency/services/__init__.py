"""Writes of the transparency app: publication (outbox, sequencer, withheld fields), the public
view, and the disclosure policy."""
