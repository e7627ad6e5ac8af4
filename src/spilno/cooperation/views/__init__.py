"""Cooperation pages: ``pages`` (programmes, reviews, recommendations, strategies, areas) and
``brief`` (the consultation brief). Each module declares its own ``urlpatterns``."""
