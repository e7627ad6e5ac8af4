from django.urls import path

from spilno.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry-list"),
    path("entries/<int:pk>/", views.entry_detail, name="entry-detail"),
    path("verify/", views.verify, name="verify"),
    path("checkpoints/", views.checkpoint_list, name="checkpoint-list"),
    path("checkpoints/<int:pk>.json", views.checkpoint_json, name="checkpoint-json"),
]
