"""Static files as whitenoise stores them, each file's URL worked out once per process."""

from functools import lru_cache

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    """whitenoise's compressed, hashed files; `url()` remembered.

    The manifest is read when the process starts and does not change while it runs,
    yet every `{% static %}` looked the hashed name up again (cleaning, splitting and
    joining the path: some 40 µs, half a dozen per page).
    """

    @lru_cache(maxsize=1024)  # noqa: B019 -- one storage per process, kept for its lifetime
    def url(self, name, force=False):
        return super().url(name, force)
