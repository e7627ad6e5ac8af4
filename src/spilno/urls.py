from django.urls import include, path

from spilno import views
from spilno.accounts.urls import auth_urlpatterns
from spilno.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include(auth_urlpatterns)),
    path("accounts/", include("spilno.accounts.urls")),
    path("core/", include("spilno.core.urls")),
    path("audit/", include("spilno.audit.urls")),
    path("requirements/", include("spilno.capabilities.urls")),
    path("procurement/", include("spilno.procurement.urls")),
    path("cooperation/", include("spilno.cooperation.urls")),
    path("open/", include("spilno.transparency.urls")),
    path("api/v1/", api.urls),
]
