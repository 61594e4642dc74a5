"""How the build DAG renders the dbt project as Airflow tasks, with astronomer-cosmos.

Each seed and model is its own task (``dbt build --select <node>``: the node's
unit tests, then the node, then its data tests), rendered from dbt's
``manifest.json``. Reading the manifest keeps DAG parsing fast and free of dbt
commands; the manifest itself comes from ``dbt parse`` (no database needed) at
setup: ``make dbt-manifest`` (part of ``make airflow-init``).

Tests that read two models (relationships between a mart and a dimension)
cannot run right after one of them: the other may not be built yet. They are
left out of the per-model tasks and run together in one task after all models
(``cross_model_test_ids``).

Cosmos and Airflow are imported inside the functions: the ingestion package
stays usable (and testable) without them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ingestion.config import Settings
from ingestion.transform.dbt_runner import DBT_PROJECT_DIR, dbt_settings_env, run_dbt

PROFILE_NAME = "assistance_warehouse"
# dbt_project.yml's target-path: `dbt parse` run in dbt_project/ writes the manifest here.
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
MANIFEST_HOW_TO = "run `make dbt-manifest` (dbt parse: no database needed)"
# What the manifest is made from: a change to any of them needs a new manifest.
_PROJECT_INPUTS = ("models", "seeds", "macros", "tests", "dbt_project.yml")


class ManifestError(FileNotFoundError):
    """The dbt manifest the DAG is rendered from is missing or older than the project."""


def _newest_project_file() -> tuple[Path, float] | None:
    newest: tuple[Path, float] | None = None
    for name in _PROJECT_INPUTS:
        root = DBT_PROJECT_DIR / name
        paths = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in paths:
            mtime = path.stat().st_mtime
            if newest is None or mtime > newest[1]:
                newest = (path, mtime)
    return newest


def checked_manifest_path(manifest: Path = MANIFEST_PATH) -> Path:
    """The manifest, if it exists and is newer than every project file; else ``ManifestError``.

    A stale manifest would silently leave a new model out of the DAG, so it is refused too.
    """
    if not manifest.exists():
        raise ManifestError(f"dbt manifest not found at {manifest}: {MANIFEST_HOW_TO}")
    newest = _newest_project_file()
    if newest is not None and newest[1] > manifest.stat().st_mtime:
        raise ManifestError(
            f"dbt manifest {manifest} is older than {newest[0].relative_to(DBT_PROJECT_DIR)}: "
            f"{MANIFEST_HOW_TO}"
        )
    return manifest


# As cosmos runs dbt (DBT_RUNNER mode): the partial-parse file left beside the
# manifest then serves the first task too, instead of a full parse.
PARSE_ARGS = ("parse", "--no-static-parser")


def write_manifest(settings: Settings) -> Path:
    """Parse the dbt project into ``MANIFEST_PATH`` (``dbt parse``; opens no database)."""
    run_dbt(list(PARSE_ARGS), settings.warehouse_path, MANIFEST_PATH.parent)
    return MANIFEST_PATH


def cross_model_test_ids(manifest: Path) -> list[str]:
    """Names of the data tests that depend on more than one model, seed or snapshot."""
    nodes: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))["nodes"]
    return sorted(
        node["name"]
        for node in nodes.values()
        if node["resource_type"] == "test" and len(node["depends_on"]["nodes"]) > 1
    )


def dbt_env(settings: Settings) -> dict[str, str]:
    """Only what dbt needs beyond the worker's own environment (no secrets at parse time)."""
    return {
        **dbt_settings_env(settings.warehouse_path),
        # dbt.log of every task in one place under var/, like `python -m ingestion build`.
        "DBT_LOG_PATH": str((settings.var_dir / "dbt" / "target" / "logs").resolve()),
    }


def dbt_target() -> str:
    """The profile output: ``duckdb`` (default) or ``postgres``, as for ``run_dbt``."""
    return os.environ.get("ASSIST_DBT_TARGET", "duckdb")


def _profile_config() -> Any:
    from cosmos import ProfileConfig

    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name=dbt_target(),
        profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
    )


def _operator_args(pool: str) -> dict[str, Any]:
    return {
        "pool": pool,
        # No dbt packages (they cannot be installed here): never `dbt deps`.
        "install_deps": False,
        # The worker's environment (ASSIST_PG_* for the postgres target) reaches dbt.
        "append_env": True,
        # Each task's manifest.json and run_results.json would land in a temporary
        # folder and be deleted: not writing them saves a fifth of a task's CPU.
        "dbt_cmd_global_flags": ["--no-write-json"],
        # A run triggered with {"full_refresh": true} rebuilds the incremental
        # article and fact models from the raw tables (see the DAG's params).
        "full_refresh": "{{ params.full_refresh }}",
    }


def task_group_args(settings: Settings, pool: str, manifest: Path) -> dict[str, Any]:
    """Keyword arguments of ``cosmos.DbtTaskGroup`` for the project's seeds and models.

    ``pool`` holds every dbt task (DuckDB allows one writer). Retries and
    callbacks come from the DAG's ``default_args``.
    """
    from cosmos import (
        ExecutionConfig,
        ExecutionMode,
        InvocationMode,
        LoadMode,
        ProjectConfig,
        RenderConfig,
        TestBehavior,
        TestIndirectSelection,
    )

    return {
        "project_config": ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=manifest,
            env_vars=dbt_env(settings),
            install_dbt_deps=False,
            partial_parse=True,
        ),
        "profile_config": _profile_config(),
        "execution_config": ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            # dbt in the task's own process: no interpreter start and dbt import per task.
            invocation_mode=InvocationMode.DBT_RUNNER,
            # A node's task runs only the tests of that node alone; tests of two
            # models run after both (cross_model_tests_args).
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # One task per node: `dbt build --select <node>`, its tests right after it.
            test_behavior=TestBehavior.BUILD,
            # The raw tables are collect_sources' asset; one asset per model adds nothing.
            emit_datasets=False,
        ),
        "operator_args": _operator_args(pool),
    }


def cross_model_tests_args(settings: Settings, pool: str, manifest: Path) -> dict[str, Any]:
    """Keyword arguments of a ``cosmos.operators.local.DbtTestLocalOperator`` (one task).

    It runs the tests that read several models (see the module docstring), so it
    goes after the whole task group.
    """
    from cosmos import InvocationMode

    return {
        "project_dir": str(DBT_PROJECT_DIR),
        "profile_config": _profile_config(),
        "select": cross_model_test_ids(manifest),
        "env": dbt_env(settings),
        "invocation_mode": InvocationMode.DBT_RUNNER,
        **_operator_args(pool),
    }
