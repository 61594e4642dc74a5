"""Great Expectations Data Docs that open offline, from ``file://``.

GX 1.24 writes pages that load jQuery, Bootstrap, bootstrap-table and more from
CDNs; offline (or behind a proxy) the index page's table, drawn by
bootstrap-table, stays empty. ``make_offline`` copies the shipped assets
(``data_docs_assets/``, see its README) into the site's ``static/vendor/``,
points every page at them, and drops the other external assets (charts, icon
fonts, a dark theme), so no page asks the network for anything.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import shutil
from importlib.resources.abc import Traversable
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent / "data_docs_assets"
# GX's own images (logo) ship in its package; its pages link them from S3.
GX_IMAGES = ("great_expectations", "render/view/static/images")
GX_LOGOS = ("logo-long.png", "short-logo.png")
VENDOR_SUBDIR = Path("static") / "vendor"

# CDN file name -> the local copy that replaces it (matched on the URL's last part).
LOCAL_COPIES = {
    "jquery-3.7.1.min.js": "jquery.min.js",
    "bootstrap.min.css": "bootstrap.min.css",
    "bootstrap.min.js": "bootstrap.min.js",
    "popper.min.js": "popper.min.js",
    "bootstrap-table.min.js": "bootstrap-table.min.js",
    "bootstrap-table.min.css": "bootstrap-table.min.css",
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    # Font Awesome: the handful of icons the pages use, drawn as text (our own file).
    "all.min.css": "icons.css",
}
# A <script src=...> or <link href=...> tag loading something over the network.
_EXTERNAL_TAG = re.compile(
    r"""<(?P<tag>script|link)\b[^>]*?\b(?:src|href)\s*=\s*["'](?P<url>(?:https?:)?//[^"']+)["'][^>]*>"""
    r"""(?:\s*</script>)?""",
    re.IGNORECASE,
)
# Subresource integrity and CORS attributes name the CDN's bytes, not the local copy's.
# An <img> loaded over the network (GX's logo from S3).
_EXTERNAL_IMG = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*["'](?P<url>(?:https?:)?//[^"']+)["'][^>]*>""", re.IGNORECASE
)
_SRI = re.compile(r"""\s+(?:integrity|crossorigin)\s*=\s*["'][^"']*["']""", re.IGNORECASE)
_URL_ATTR = re.compile(r"""\b(src|href)\s*=\s*["'][^"']+["']""", re.IGNORECASE)


def make_offline(site_dir: Path) -> list[Path]:
    """Rewrite every page of the site to load only local files; the pages changed."""
    vendor = site_dir / VENDOR_SUBDIR
    vendor.mkdir(parents=True, exist_ok=True)
    for name in sorted(set(LOCAL_COPIES.values())):
        shutil.copy2(ASSETS_DIR / name, vendor / name)
    _copy_gx_images(vendor)
    changed = []
    for page in sorted(site_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        offline = localise(text, Path(os.path.relpath(vendor, page.parent)))
        if offline != text:
            page.write_text(offline, encoding="utf-8")
            changed.append(page)
    return changed


def localise(html: str, vendor: Path) -> str:
    """The page with known CDN assets pointed at ``vendor`` and the other ones removed."""

    def replace(match: re.Match[str]) -> str:
        url = match["url"].split("?", 1)[0].rstrip("/")
        local = LOCAL_COPIES.get(url.rsplit("/", 1)[-1])
        if local is None:
            return ""
        tag = _SRI.sub("", match.group(0))
        attr = "src" if match["tag"].lower() == "script" else "href"
        return _URL_ATTR.sub(f'{attr}="{(vendor / local).as_posix()}"', tag, count=1)

    def replace_image(match: re.Match[str]) -> str:
        name = match["url"].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if name not in GX_LOGOS:
            return ""
        return _URL_ATTR.sub(f'src="{(vendor / name).as_posix()}"', match.group(0), count=1)

    return _EXTERNAL_IMG.sub(replace_image, _EXTERNAL_TAG.sub(replace, html))


def _gx_images() -> Traversable:
    package, folder = GX_IMAGES
    return importlib.resources.files(package).joinpath(folder)


def _copy_gx_images(vendor: Path) -> None:
    # The logos the pages link (small); not the multi-megabyte tutorial GIFs.
    for name in GX_LOGOS:
        (vendor / name).write_bytes(_gx_images().joinpath(name).read_bytes())


def external_assets(html: str) -> list[str]:
    """URLs of the scripts, stylesheets and images a page would fetch from the network."""
    return [m["url"] for m in (*_EXTERNAL_TAG.finditer(html), *_EXTERNAL_IMG.finditer(html))]
