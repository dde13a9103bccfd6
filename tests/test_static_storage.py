"""The production static files storage: hashed names from the manifest, each URL
remembered once worked out."""

import json

from dashboard.static_storage import StaticFiles


def test_static_urls_are_the_manifests_and_remembered(tmp_path):
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"css/site.css": "css/site.0123abcd.css"}, "version": "1.1"})
    )
    storage = StaticFiles(location=tmp_path, base_url="/static/")
    first = storage.url("css/site.css")
    assert first == "/static/css/site.0123abcd.css"
    hits = StaticFiles.url.cache_info().hits
    assert storage.url("css/site.css") == first
    assert StaticFiles.url.cache_info().hits == hits + 1
