"""Front-end files: served from node_modules in development, from a folder collected at install time in production.

`python -m tracker.common.assets DEST` (`make collect-static`) copies the app's own `static/` files, the few compiled files the pages load from the
pinned npm packages (GOV.UK Frontend, Chart.js) and GOV.UK Frontend's fonts and images into DEST, and writes
`manifest.json` with a short content hash of each file. With `TRACKER_STATIC_ROOT=DEST` the app (and nginx, which
serves DEST directly) needs no Node and no node_modules at run time.

Every link to a static or vendor file carries its hash as `?v=`, so a new release's CSS or JavaScript has a new
address and no browser keeps the old one; the one import inside our JavaScript (`/vendor/govuk-frontend.min.js`)
is rewritten with its hash when collected.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path

from flask import Flask, abort, current_app, send_from_directory

ROOT = Path(__file__).resolve().parents[2]

#: Files from node_modules the pages may load, by the name they are served under /vendor/.
VENDOR_FILES = {
    "govuk-frontend.min.css": "govuk-frontend/dist/govuk/govuk-frontend.min.css",
    "govuk-frontend.min.js": "govuk-frontend/dist/govuk/govuk-frontend.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
}
GOVUK_ASSETS = "govuk-frontend/dist/govuk/assets"
MANIFEST = "manifest.json"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def collect(*, node_modules: Path, into: Path) -> dict[str, str]:
    """Copy every front-end file into `into` (static/, vendor/, assets/) and write its manifest of hashes.

    The folder is rebuilt from nothing, so a file dropped from a release does not linger. Returns the manifest.
    Raises FileNotFoundError naming a missing npm file (run `npm ci` first, on the machine that collects).
    """
    into = into.resolve()
    building = into.with_name(into.name + ".new")
    shutil.rmtree(building, ignore_errors=True)
    manifest: dict[str, str] = {}
    (building / "vendor").mkdir(parents=True)
    for name, relative in VENDOR_FILES.items():
        source = node_modules / relative
        if not source.is_file():
            raise FileNotFoundError(f"{source} is missing: install the pinned npm packages (npm ci) before collecting")
        data = source.read_bytes()
        (building / "vendor" / name).write_bytes(data)
        manifest[f"vendor/{name}"] = content_hash(data)
    shutil.copytree(node_modules / GOVUK_ASSETS, building / "assets")
    for source in sorted((ROOT / "static").rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(ROOT / "static").as_posix()
        data = source.read_bytes()
        if source.suffix == ".js":
            data = _version_vendor_imports(data, manifest)
        target = building / "static" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        manifest[f"static/{relative}"] = content_hash(data)
    (building / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if into.exists():
        shutil.rmtree(into)
    building.rename(into)
    return manifest


def _version_vendor_imports(data: bytes, manifest: dict[str, str]) -> bytes:
    text = data.decode("utf-8")
    for name in VENDOR_FILES:
        text = text.replace(f'"/vendor/{name}"', f'"/vendor/{name}?v={manifest[f"vendor/{name}"]}"')
    return text.encode("utf-8")


@lru_cache(maxsize=4)
def _manifest(static_root: str) -> dict[str, str]:
    path = Path(static_root) / MANIFEST
    if not path.is_file():
        raise RuntimeError(
            f"TRACKER_STATIC_ROOT={static_root} has no {MANIFEST}: run `python -m tracker.common.assets {static_root}`"
        )
    return json.loads(path.read_text())


@lru_cache(maxsize=256)
def _source_hash(path: str, mtime_ns: int) -> str:
    return content_hash(Path(path).read_bytes())


def version_of(key: str) -> str | None:
    """The content hash for `static/<file>` or `vendor/<name>`: from the manifest when collected, else from the
    file itself (development); None for a file that does not exist (its link then 404s as it would anyway)."""
    static_root = current_app.config.get("TRACKER_STATIC_ROOT")
    if static_root:
        return _manifest(static_root).get(key)
    kind, _, name = key.partition("/")
    if kind == "vendor":
        relative = VENDOR_FILES.get(name)
        if relative is None:
            return None
        path = Path(current_app.config["NODE_MODULES"]) / relative
    else:
        path = ROOT / "static" / name
    try:
        return _source_hash(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


def init_app(app: Flask) -> None:
    """Routes for /assets and /vendor, /static from the collected folder when there is one, and `?v=` on links."""
    static_root = app.config.get("TRACKER_STATIC_ROOT")
    if static_root:
        _manifest(static_root)  # refuse to start on a folder that was never collected
        app.static_folder = str(Path(static_root) / "static")
        vendor_dir = Path(static_root) / "vendor"
        assets_dir = Path(static_root) / "assets"
    else:
        node_modules = Path(app.config["NODE_MODULES"])
        vendor_dir = None
        assets_dir = node_modules / GOVUK_ASSETS

    # The GOV.UK Frontend CSS refers to /assets/fonts/... and /assets/images/... absolutely.
    @app.route("/assets/<path:filename>", endpoint="assets")
    def assets(filename: str):
        """GOV.UK Frontend fonts and images (nginx serves them itself in production)."""
        return send_from_directory(assets_dir, filename, max_age=86400)

    @app.route("/vendor/<name>", endpoint="vendor")
    def vendor(name: str):
        """The few compiled front-end files the pages use, from the pinned npm packages."""
        relative = VENDOR_FILES.get(name)
        if relative is None:
            abort(404)
        if vendor_dir is not None:
            return send_from_directory(vendor_dir, name, max_age=86400)
        path = Path(app.config["NODE_MODULES"]) / relative
        return send_from_directory(path.parent, path.name, max_age=86400)

    @app.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = version_of(f"static/{values['filename']}")
        elif endpoint == "vendor" and "name" in values and "v" not in values:
            version = version_of(f"vendor/{values['name']}")
        else:
            return
        if version:
            values["v"] = version


def main(argv: list[str] | None = None) -> None:
    """`python -m tracker.common.assets DEST`: needs no configuration and no database, only the npm packages."""
    parser = argparse.ArgumentParser(description=collect.__doc__)
    parser.add_argument("destination", type=Path, help="the folder to (re)build, e.g. /opt/tracker/public")
    parser.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    args = parser.parse_args(argv)
    manifest = collect(node_modules=args.node_modules, into=args.destination)
    print(f"Collected {len(manifest)} versioned files and GOV.UK Frontend's fonts and images into {args.destination}")


if __name__ == "__main__":
    main()
