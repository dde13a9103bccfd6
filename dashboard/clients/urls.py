from django.urls import path

from dashboard.exports import views as exports

from . import browse, edit

app_name = "clients"
urlpatterns = [
    path("", browse.client_list, name="list"),
    path("new/", edit.client_create, name="create"),
    path("export.csv", exports.clients_csv, name="export"),
    path("<str:client_ref>/", browse.client_detail, name="detail"),
    path("<str:client_ref>/loans/", browse.client_tab, {"tab": "loans"}, name="loans"),
    path("<str:client_ref>/deposits/", browse.client_tab, {"tab": "deposits"}, name="deposits"),
    path("<str:client_ref>/edit/", edit.client_edit, name="edit"),
    path("<str:client_ref>/delete/", edit.client_delete, name="delete"),
    path("<str:client_ref>/loans.csv", exports.loans_csv, name="loans_csv"),
    path("<str:client_ref>/deposits.csv", exports.deposits_csv, name="deposits_csv"),
]
