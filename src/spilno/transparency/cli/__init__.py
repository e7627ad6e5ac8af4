"""Subcommands of ``spilno ocds``: each module has ``configure(parser)`` and ``run(options)``."""
