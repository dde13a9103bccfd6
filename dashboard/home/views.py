from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from dashboard import api
from dashboard.regions import api_problem, error_status, render_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context: dict = {"retry_url": reverse("home:home")}
    status = 200
    try:
        context["clients"] = api.client_list(page=1, per_page=1)
    except api.ApiError as error:
        context["problem"] = api_problem(error, retry_url=reverse("home:home"))
        status = error_status(error)
    return render_page(request, "home/index.html", context, partial="api-status", status=status)
