from django.urls import path, register_converter

from dashboard.approvals import views as approvals
from dashboard.exports import views as exports

from . import browse, edit
from .references import ReferenceConverter

register_converter(ReferenceConverter, "ref")

app_name = "clients"
urlpatterns = [
    path("", browse.client_list, name="list"),
    path("new/", edit.client_create, name="create"),
    path("export.csv", exports.clients_csv, name="export"),
    path("<ref:client_ref>/", browse.client_detail, name="detail"),
    path("<ref:client_ref>/loans/", browse.client_tab, {"tab": "loans"}, name="loans"),
    path("<ref:client_ref>/deposits/", browse.client_tab, {"tab": "deposits"}, name="deposits"),
    path(
        "<ref:client_ref>/loans/totals/",
        browse.client_totals,
        {"tab": "loans"},
        name="loans_totals",
    ),
    path(
        "<ref:client_ref>/deposits/totals/",
        browse.client_totals,
        {"tab": "deposits"},
        name="deposits_totals",
    ),
    path("<ref:client_ref>/history/", browse.client_history, name="history"),
    path("<ref:client_ref>/viewers/", browse.client_viewers, name="viewers"),
    path("<ref:client_ref>/summary/", browse.client_summary, name="summary"),
    path("<ref:client_ref>/edit/", edit.client_edit, name="edit"),
    path("<ref:client_ref>/delete/", edit.client_delete, name="delete"),
    path(
        "<ref:client_ref>/delete/request/",
        approvals.request_delete,
        name="request_delete",
    ),
    path("<ref:client_ref>/loans.csv", exports.loans_csv, name="loans_csv"),
    path("<ref:client_ref>/deposits.csv", exports.deposits_csv, name="deposits_csv"),
]
