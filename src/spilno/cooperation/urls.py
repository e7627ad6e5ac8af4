from django.urls import URLPattern

from spilno.cooperation.views import brief, pages

app_name = "cooperation"

urlpatterns: list[URLPattern] = [*pages.urlpatterns, *brief.urlpatterns]
