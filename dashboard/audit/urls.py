from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    # Ends in .csv like the other exports: the proxy streams those unbuffered (README).
    path("export.csv", views.audit_csv, name="export"),
]
