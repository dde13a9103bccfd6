from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dashboard.home.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "dashboard.regions.forbidden"
handler404 = "dashboard.regions.not_found"
handler500 = "dashboard.regions.server_error"
