from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from dashboard.access import views as access_views
from dashboard.access.guards import signed_in
from dashboard.monitoring import health

urlpatterns = [
    # The client list is the home page.
    path("", signed_in(RedirectView.as_view(pattern_name="clients:list")), name="home"),
    path("clients/", include("dashboard.clients.urls")),
    path("accounts/", include("dashboard.access.urls")),
    path("audit/", include("dashboard.audit.urls")),
    path("requests/", include("dashboard.approvals.urls")),
    # Before the admin's own: it signs in and changes passwords through our throttled,
    # audited pages, so it is no way around them.
    path("admin/login/", access_views.admin_login, name="admin_login"),
    path(
        "admin/password_change/",
        access_views.admin_password_change,
        name="admin_password_change",
    ),
    path("admin/", admin.site.urls),
    # For load balancers and operators, without sign-in (monitoring/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler403 = "dashboard.errors.forbidden"
handler404 = "dashboard.errors.not_found"
handler500 = "dashboard.errors.server_error"
