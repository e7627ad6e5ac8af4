"""The consultation brief's pages (to be written)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
