from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.requests_list, name="list"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("export/", views.export_request, name="export_request"),
    path("<int:pk>/export/approve/", views.export_approve, name="export_approve"),
    path("<int:pk>/export/reject/", views.export_reject, name="export_reject"),
    path("snapshots/<int:pk>/", views.snapshot, name="snapshot"),
    path("snapshots/<int:pk>/recreate/", views.recreate, name="recreate"),
]
