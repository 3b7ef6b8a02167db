"""Front-end files collected at install time: copied with a manifest of content hashes, served from there with no
node_modules, and linked with the hash so a new release's files have new addresses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import make_config
from tracker import create_app
from tracker.common import assets

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("public") / "public"
    assets.collect(node_modules=ROOT / "node_modules", into=folder)
    return folder


def test_collect_copies_every_file_with_its_hash(collected):
    manifest = json.loads((collected / "manifest.json").read_text())
    assert set(manifest) >= {"vendor/govuk-frontend.min.css", "vendor/chart.umd.min.js", "static/css/app.css"}
    for key, digest in manifest.items():
        assert assets.content_hash((collected / key).read_bytes()) == digest
    assert any((collected / "assets" / "fonts").glob("*.woff2"))
    app_js = (collected / "static" / "js" / "app.js").read_text()
    assert f'"/vendor/govuk-frontend.min.js?v={manifest["vendor/govuk-frontend.min.js"]}"' in app_js


def test_collecting_again_rebuilds_the_folder(collected):
    (collected / "static" / "left-over.css").write_text("old")
    assets.collect(node_modules=ROOT / "node_modules", into=collected)
    assert not (collected / "static" / "left-over.css").exists()


@pytest.fixture
def app_config(database_url, collected):
    return make_config(database_url, TRACKER_STATIC_ROOT=str(collected), NODE_MODULES="/nonexistent")


def test_pages_link_the_collected_files_by_hash_and_they_are_served_without_node_modules(client, collected):
    manifest = json.loads((collected / "manifest.json").read_text())
    page = client.get("/sign-in").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="/((?:static|vendor)/[^"?]+)\?v=([0-9a-f]+)"', page)
    assert links
    for path, digest in links:
        assert manifest[path] == digest
        with client.get(f"/{path}?v={digest}") as response:  # a file response: closed when done
            assert response.status_code == 200
            assert assets.content_hash(response.get_data()) == digest
    with client.get("/assets/images/favicon.ico") as response:
        assert response.status_code == 200


def test_a_static_root_never_collected_is_refused(database_url, tmp_path):
    with pytest.raises(RuntimeError, match=r"has no manifest\.json"):
        create_app(make_config(database_url, TRACKER_STATIC_ROOT=str(tmp_path)))
