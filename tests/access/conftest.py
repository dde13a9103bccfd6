from datetime import timedelta

import pytest
from django.utils import timezone

_real_now = timezone.now


class Clock:
    """The time the throttles, django-axes and sessions read, moved forward on request."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self):
        return _real_now() + self.offset

    def advance(self, **delta) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    travel = Clock()
    monkeypatch.setattr("django.utils.timezone.now", travel.now)
    # django-axes stamps and ages its attempts with its own imported `now`.
    monkeypatch.setattr("axes.handlers.proxy.now", travel.now)
    monkeypatch.setattr("axes.attempts.now", travel.now)
    return travel
