from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "dashboard.clients"
    label = "clients"
    verbose_name = "Clients workspace"
