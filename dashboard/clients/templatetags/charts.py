"""The summary band's chart sizes for its skeleton, which has no figures to draw
(dashboard/clients/charts.py draws the charts)."""

from django import template

from dashboard.clients.charts import VIEW_BOXES

register = template.Library()


@register.simple_tag
def chart_box(kind: str) -> str:
    """The viewBox of a chart of that kind: its placeholder takes the same room."""
    return VIEW_BOXES[kind]
