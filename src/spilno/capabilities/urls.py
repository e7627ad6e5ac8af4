from django.urls import path

from spilno.capabilities import views

app_name = "capabilities"
urlpatterns = [
    path("", views.requirement_list, name="requirement-list"),
    path("new/", views.requirement_edit, name="requirement-create"),
    path("<int:pk>/", views.requirement_detail, name="requirement-detail"),
    path("<int:pk>/edit/", views.requirement_edit, name="requirement-edit"),
]
