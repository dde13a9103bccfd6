from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("session/renew/", views.renew_session, name="renew_session"),
]
