"""A region named without its designation ("Hong Kong" for Hong Kong SAR) is never an organisation.

At scale, helpers such as Hong Kong SAR, Macao SAR and Xishuangbanna Dai
Autonomous Prefecture came out of the marts as organisations carrying a
region's code, and dbt's relationship mart_pairings.helper_code ->
dim_organisation failed: a pairing names "Hong Kong" with its division code,
a fund names the payer "Hong Kong" with none, the gazetteer knows "Hong Kong
SAR", and the payer, unmatched, was classified as an organisation by name,
which then leaked onto the pairing. Three small articles reproduce it through
the real load and a real dbt build of the models concerned.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestion import pipeline
from ingestion.bench.pipeline import write_sources
from ingestion.config import PROJECT_ROOT, Settings
from ingestion.transform.dbt_runner import run_dbt
from ingestion.warehouse import connect

pytestmark = pytest.mark.slow

ARTICLES = {
    "hong-kong": (
        "Since 2018, Hong Kong SAR has paired up to help Butuo County, sending 12 teachers. "
        "In 2019, Hong Kong SAR allocated 300 million yuan of assistance funds to Butuo County."
    ),
    "macao": (
        "In 2020, Macao SAR and Congjiang County signed a counterpart assistance agreement. "
        "Macao SAR allocated 45 million yuan of assistance funds to Congjiang County in 2021."
    ),
    "xishuangbanna": (
        "Since 2019, Xishuangbanna Dai Autonomous Prefecture has paired up to help Zhaojue "
        "County. Xishuangbanna Prefecture allocated 20 million yuan of assistance funds to "
        "Zhaojue County in 2020."
    ),
}
REGIONS = {"810000000000", "820000000000", "532800000000"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("regions")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        body = f"<p>{text}</p><p>The work goes on with schools, clinics and jobs in 2024.</p>"
        (corpus / f"{name}.html").write_text(
            f"<html><head><title>{name}</title></head><body><article>{body}</article>"
            "</body></html>",
            encoding="utf-8",
        )
    write_sources(root / "sources.yml", corpus)
    settings = Settings(PROJECT_ROOT, root / "var", root / "sources.yml")
    pipeline.collect_all(settings)
    pipeline.load(settings)
    # The models the failure runs through and their tests, the relationship included.
    selection = ["+mart_pairings", "+mart_funds", "+dim_organisation"]
    args = ["build", "--select", *selection, "--indirect-selection", "cautious"]
    run_dbt(args, settings.warehouse_path, root / "target")
    return settings.warehouse_path


def test_named_regions_are_regions_in_pairings_and_funds(built: Path):
    with connect(built) as connection:
        helpers = connection.execute(
            "select distinct helper_kind, helper_code from marts.mart_pairings"
        ).fetchall()
        payers = connection.execute(
            "select distinct payer_kind, payer_code from marts.mart_funds"
        ).fetchall()
        organisations = connection.execute("select name from marts.dim_organisation").fetchall()
    assert sorted(helpers) == sorted(("region", code) for code in REGIONS)
    assert sorted(payers) == sorted(("region", code) for code in REGIONS)
    assert organisations == []
