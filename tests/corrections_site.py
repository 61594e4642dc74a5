"""A few hand-written articles (text written for these tests) run through the real pipeline.

``write_site`` writes them to a folder with a ``sources.yml`` that collects them
(a local_folder source) plus the project's statistical tables, so collect, load
(parse and the real extractor), dbt build, the gate and publish all run as they
do on real sources.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.warehouse import connect
from tests.transform.raw_fixture import GAZETTEER

# Each gives a pairing, a fund and an output or an exit with the current extractor.
JINNIU = (
    "Jinniu District helps Shiqu County.\n\n"
    "Jinniu District has provided basic assistance to Shiqu County since 2018. "
    "In 2020, Jinniu District invested 20 million yuan in Shiqu County to build greenhouses. "
    "Shiqu County planted 30,000 mu of highland barley in 2020.\n"
)
ZHEJIANG = (
    "Zhejiang and Garze.\n\n"
    "Zhejiang Province paired up with Garze Tibetan Autonomous Prefecture in east-west "
    "cooperation. In 2021, Zhejiang Province provided 50 million yuan of assistance funds "
    "to Garze Tibetan Autonomous Prefecture. In 2019, 5,000 people in Garze County were "
    "lifted out of poverty.\n"
)
# A unit slip as news sites make them: 6,000 billion yuan is above any plausible fund,
# so the quality gate blocks the candidate that carries it.
UNIT_SLIP = (
    "Shanghai and Yunnan.\n\n"
    "In 2020, Shanghai invested 6,000 billion yuan in Yunnan Province for poverty alleviation.\n"
)

GOOD_ARTICLES = {"jinniu-shiqu.txt": JINNIU, "zhejiang-garze.txt": ZHEJIANG}


def write_site(root: Path, articles: dict[str, str]) -> Settings:
    """Articles under ``root/articles``, a sources.yml for them; Settings writing ``root/var``."""
    folder = root / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    project_sources = yaml.safe_load((PROJECT_ROOT / "sources.yml").read_text(encoding="utf-8"))
    tables = [s for s in project_sources["sources"] if s["kind"] in ("csv_table", "xlsx_table")]
    sources = [
        {
            "id": "test_articles",
            "kind": "local_folder",
            "description": "Hand-written test articles.",
            "path": str(folder),
            "fetch": {"allowed_folders": [str(folder)]},
        },
        *tables,
    ]
    sources_file = root / "sources.yml"
    sources_file.write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    return Settings(project_root=PROJECT_ROOT, var_dir=root / "var", sources_file=sources_file)


def site_env(settings: Settings) -> dict[str, str]:
    """The environment that points ``python -m ingestion`` at this site."""
    return {
        "ASSIST_VAR_DIR": str(settings.var_dir),
        "ASSIST_SOURCES_FILE": str(settings.sources_file),
    }


def use_small_gazetteer(settings: Settings) -> None:
    """Swap the loaded gazetteer (3,500 divisions) for the dbt fixture's few: builds are cheaper.

    It holds every place the articles above name that the tests resolve (Jinniu,
    Shiqu, Chengdu, Garze, Zhejiang); ``load`` puts the full one back.
    """
    with connect(settings.warehouse_path) as connection:
        connection.execute("delete from raw.gazetteer_regions")
        placeholders = ", ".join("?" * len(GAZETTEER[0]))
        connection.executemany(
            f"insert into raw.gazetteer_regions values ({placeholders})", GAZETTEER
        )
