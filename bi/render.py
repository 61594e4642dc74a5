"""Open each dashboard in headless Chromium, check every chart drew, keep a screenshot.

Run with ``.venv-bi/bin/python -m bi.render --url URL --out DIR`` (Playwright
drives Debian's ``/usr/bin/chromium``; it never downloads a browser). Prints
one JSON report: per dashboard, per chart, what was drawn and any error text.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bi.dashboards import DASHBOARDS
from ingestion.config import load_bi_settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Tall enough for the longest dashboard: a full-page capture would resize the
# window, and Superset redraws every chart on resize.
VIEWPORT = {"width": 1400, "height": 1800}

# What one chart holder shows, read in the page: drawn marks (SVG shapes, a
# canvas with pixels, table cells, a big number) and any error panel's text.
_INSPECT_CHARTS = """
() => Array.from(document.querySelectorAll('[data-test-chart-id]')).map(holder => {
  const box = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const canvases = Array.from(holder.querySelectorAll('canvas')).filter(box);
  const inked = canvases.filter(c => {
    try {
      const ctx = c.getContext('2d');
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
    } catch (e) { return true; }
    return false;
  });
  const shapes = holder.querySelectorAll('svg path, svg circle, svg rect, svg text');
  const errors = Array.from(holder.querySelectorAll(
    '[data-test="error-message"], .ant-alert-error, [role="alert"]'
  )).map(e => e.innerText.trim()).filter(Boolean);
  return {
    chart_id: Number(holder.getAttribute('data-test-chart-id')),
    canvases: canvases.length,
    inked_canvases: inked.length,
    svg_shapes: shapes.length,
    table_cells: holder.querySelectorAll('tbody td').length,
    big_number: (holder.querySelector('.header-line') || {}).innerText || '',
    errors,
    text: holder.innerText.slice(0, 300),
  };
})
"""


@dataclass(frozen=True)
class ChartDrawn:
    chart_id: int
    canvases: int
    inked_canvases: int
    svg_shapes: int
    table_cells: int
    big_number: str
    errors: list[str]
    text: str

    @property
    def drew(self) -> bool:
        return not self.errors and (
            self.inked_canvases > 0
            or self.svg_shapes > 0
            or self.table_cells > 0
            or bool(self.big_number.strip())
        )


def render(base_url: str, out_dir: Path, timeout_s: float = 120.0) -> dict[str, list[dict]]:
    from playwright.sync_api import sync_playwright

    bi = load_bi_settings()
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, list[dict]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bi-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,  # a fresh --user-data-dir each run
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=VIEWPORT,
        )
        page = context.new_page()
        page.goto(f"{base_url}/login/")
        token = page.locator("#csrf_token").get_attribute("value")
        context.request.post(
            f"{base_url}/login/",
            form={"username": bi.admin_user, "password": bi.admin_password, "csrf_token": token},
        )
        for dashboard in DASHBOARDS:
            page.goto(f"{base_url}/superset/dashboard/{dashboard.slug}/")
            expected = len(dashboard.charts)
            page.wait_for_function(
                "n => document.querySelectorAll('[data-test-chart-id]').length >= n",
                arg=expected,
                timeout=timeout_s * 1000,
            )
            # Drawn means: no spinner left in any chart holder and the page stopped fetching.
            page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
            page.wait_for_function(
                "() => !document.querySelector('[data-test-chart-id] .loading, "
                '[data-test-chart-id] [data-test="loading-indicator"]\')',
                timeout=timeout_s * 1000,
            )
            page.wait_for_timeout(2500)  # ECharts animates its first frame in
            charts = [ChartDrawn(**c) for c in page.evaluate(_INSPECT_CHARTS)]
            bottom = page.evaluate(
                "() => Math.max(...Array.from(document.querySelectorAll("
                "'[data-test-chart-id]')).map(e => e.getBoundingClientRect().bottom))"
            )
            height = min(VIEWPORT["height"], int(bottom) + 24)
            page.screenshot(
                path=str(out_dir / f"{dashboard.slug}.png"),
                clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
            )
            report[dashboard.slug] = [{**asdict(c), "drew": c.drew} for c in charts]
        context.close()
    return report


def write_docs_copies(shots: Path, docs: Path, width: int = 1000) -> list[Path]:
    """Smaller copies of the screenshots for the README (docs/bi/<slug>.png)."""
    from PIL import Image

    docs.mkdir(parents=True, exist_ok=True)
    written = []
    for dashboard in DASHBOARDS:
        with Image.open(shots / f"{dashboard.slug}.png") as image:
            scaled = image.convert("RGB").resize(
                (width, round(image.height * width / image.width)), Image.LANCZOS
            )
            target = docs / f"{dashboard.slug}.png"
            scaled.quantize(colors=128).save(target, optimize=True)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bi.render", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--docs", type=Path, help="also write small copies here (README)")
    args = parser.parse_args(argv)
    report = render(args.url, args.out)
    if args.docs:
        write_docs_copies(args.out, args.docs)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if all(c["drew"] for charts in report.values() for c in charts) else 1


if __name__ == "__main__":
    sys.exit(main())
