"""The demo world, built from the facts of the source documents (shared/seeds), through the
same services a user would call, so that every record has its audit entries."""
