from django.urls import path

from spilno.transparency import views

app_name = "transparency"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("contracts/", views.contracts, name="contracts"),
    path("withheld/", views.withheld, name="withheld"),
    path("aggregates/", views.aggregates, name="aggregates"),
    path("data/", views.open_data, name="data"),
    path("policy/", views.policy, name="policy"),
    path("policy/<int:level>/", views.policy_change, name="policy-change"),
    path("<str:ocid>/", views.process, name="process"),
    path("<str:ocid>/documents/<int:doc>/", views.document, name="document"),
]
