"""dbt docs and Great Expectations Data Docs open offline, from file://, in a real browser.

dbt docs: the single static file (`dbt docs generate --static`); Data Docs: the
gate's site with every CDN asset replaced by a local copy. Both are rendered in
headless Chromium (tests/browser.py), whose scripts must draw the tables.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingestion.quality.data_docs import external_assets, localise
from ingestion.quality.gate import run_quality_gate
from ingestion.transform.dbt_runner import STATIC_DOCS, run_dbt
from ingestion.warehouse import connect
from tests.browser import render, require_chromium
from tests.quality.test_quality_gate import EXPECTATIONS_DIR
from tests.sample_marts import create_sample_marts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUITES = ("dim_region", "mart_funds", "mart_poverty_exits")
# A <tr> that bootstrap-table drew from the index page's data (rowAttributes of GX's page).
_DRAWN_ROW = re.compile(r'<tr[^>]*class="[^"]*clickable-row[^"]*"[^>]*>(.*?)</tr>', re.DOTALL)


@dataclass(frozen=True)
class Docs:
    data_docs: Path  # the Data Docs site
    dbt_static: Path  # dbt's single-file docs


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Docs:
    require_chromium()
    root = tmp_path_factory.mktemp("offline_docs")
    warehouse = root / "warehouse.duckdb"
    with connect(warehouse) as connection:
        create_sample_marts(connection)
    expectations = root / "expectations"
    (expectations / "suites").mkdir(parents=True)
    for name in SUITES:
        shutil.copy(EXPECTATIONS_DIR / "suites" / f"{name}.json", expectations / "suites")
    report = run_quality_gate(warehouse, expectations, root / "data_docs")
    assert report.data_docs_index is not None
    result = run_dbt(["docs", "generate", "--static"], warehouse, root / "dbt_target")
    return Docs(root / "data_docs", result.target_dir / STATIC_DOCS)


def test_localise_points_cdn_assets_at_local_copies_and_drops_the_rest() -> None:
    page = (
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/'
        'bootstrap.min.css" integrity="sha384-x" crossorigin="anonymous">'
        '<img src="https://example.org/logo-long.png?d=1"><a href="https://example.org">ok</a>'
    )
    offline = localise(page, Path("../static/vendor"))
    assert external_assets(page) and external_assets(offline) == []
    assert '<script src="../static/vendor/jquery.min.js"></script>' in offline
    assert '<link rel="stylesheet" href="../static/vendor/bootstrap.min.css">' in offline
    assert '<img src="../static/vendor/logo-long.png">' in offline
    assert "vega" not in offline and "integrity" not in offline
    assert '<a href="https://example.org">ok</a>' in offline  # a link is not an asset


def test_data_docs_fetch_nothing_from_the_network(docs: Docs) -> None:
    pages = sorted(docs.data_docs.rglob("*.html"))
    assert len(pages) >= 1 + 2 * len(SUITES)  # index, a suite page and a result page each
    for page in pages:
        assert external_assets(page.read_text(encoding="utf-8")) == [], page
    for local in re.findall(r'(?:src|href)="([^"]+)"', (docs.data_docs / "index.html").read_text()):
        if local.startswith("static/"):
            assert (docs.data_docs / local).is_file(), local


def test_data_docs_index_draws_its_table_offline(docs: Docs, tmp_path: Path) -> None:
    page = render((docs.data_docs / "index.html").as_uri(), screenshot=tmp_path / "index.png")
    rows = _DRAWN_ROW.findall(page.dom)
    # Drawn by the local bootstrap-table from the page's data: one row per validation
    # result (first tab) and one per suite (second tab).
    assert len(rows) == 2 * len(SUITES), page.stderr[-1500:]
    assert {s for s in SUITES for row in rows if f">{s}<" in row} == set(SUITES)
    assert (tmp_path / "index.png").stat().st_size > 10_000


def test_a_validation_page_shows_its_results_table_offline(docs: Docs) -> None:
    [result] = list((docs.data_docs / "validations" / "mart_funds").rglob("*.html"))
    page = render(result.as_uri())
    assert "<table" in page.dom and "amount_cny" in page.dom
    # The status icons are local text, not a font fetched from a CDN.
    assert "fa-check-circle" in page.dom and "icons.css" in page.dom


def test_dbt_static_docs_render_a_model_and_its_columns_offline(docs: Docs) -> None:
    html = docs.dbt_static.read_text(encoding="utf-8")
    assert external_assets(html) == []
    url = docs.dbt_static.as_uri() + "#!/model/model.assistance_warehouse.mart_funds"
    page = render(url)
    # Drawn by the docs app from the inlined manifest: the column table of mart_funds.
    drawn = re.findall(r'<span class="text-dark ng-binding">([a-z_]+)</span>', page.dom)
    assert {"fund_key", "amount_cny", "payer_name", "period_kind"} <= set(drawn), drawn[:20]
    assert "column-row" in page.dom
