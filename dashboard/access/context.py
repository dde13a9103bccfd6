"""Template context: the signed-in user's role and what it may do (`can.delete_client`).

Hiding a control is courtesy; the views check again on the server.
"""

from django.http import HttpRequest

from .guards import may
from .middleware import session_left
from .roles import role_of


class Can:
    def __init__(self, user) -> None:
        self.user = user

    def __getitem__(self, codename: str) -> bool:
        return self.user.is_authenticated and may(self.user, codename)


def staff(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"role": role_of(user), "can": Can(user), "session_left": session_left(request)}
