"""How the build DAG renders the dbt project as Airflow tasks, with astronomer-cosmos.

Two renderings, chosen by ``ASSIST_DBT_TASKS`` (``Settings.dbt_tasks``), both
from dbt's ``manifest.json``:

- ``layer`` (the default): one task per folder of the project (``seeds``,
  ``staging``, ``intermediate``, ``marts``), each ``dbt build --select
  path:models/<folder>`` with dbt's own threads; the tasks depend on each other
  as the folders' models do (``dbt_layers``). dbt's log in each task names
  every model and test with its result.
- ``node``: cosmos's rendering, one task per seed and model (``dbt build
  --select <node>``: the node, then its data tests); a failed model is its own
  failed task, cleared and re-run alone.

Why layers by default: the warehouse has one writer (a one-slot pool), so the
node tasks run one at a time, each paying dbt's start-up (about 0.5 s of
manifest loading and graph compiling) for a few tenths of a second of SQL, and
dbt's threads are never used: at 1,000 articles the node rendering took about
2.5 times the CLI build, the layers about 1.3 times (``bench airflow-build``).
Cosmos's watcher mode keeps node tasks with one dbt build but was slower still
here (its per-node XComs; see the scale issue's notes).

Reading the manifest keeps DAG parsing fast and free of dbt commands; the
manifest itself comes from ``dbt parse`` (no database needed) at setup: ``make
dbt-manifest`` (part of ``make airflow-init``).

Tests that read two models (relationships between a mart and a dimension)
cannot run right after one of them: the other may not be built yet. In both
renderings they run together in one task after the whole group (``dbt test
--select <those tests>``).
Cosmos could detach each into its own task (``should_detach_multiple_parents_tests``),
but a task costs about 0.6 s of Airflow and dbt start-up against a few
milliseconds of query, and there are some thirty of them: a third of the DAG's
time for a log line each. dbt's log in the one task names every test's result.

The manifest records a content hash of the project files it was parsed from
(dbt keeps ``DBT_ENV_CUSTOM_ENV_*`` variables in its metadata): a DAG parse
compares it with the files as they are now. File times would not do: a
git-synced deployment gives every file a new time and the manifest an old one.

Cosmos and Airflow are imported inside the functions: the ingestion package
stays usable (and testable) without them.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache, partial
from graphlib import CycleError, TopologicalSorter
from pathlib import Path, PurePosixPath
from typing import Any

from ingestion.config import Settings, openlineage_configured
from ingestion.transform.dbt_runner import (
    DBT_PROJECT_DIR,
    DOCS_FILES,
    PASSWORD_ENV,
    POSTGRES_TARGET,
    UNIT_TESTS,
    dbt_executable,
    dbt_settings_env,
    run_dbt,
)

log = logging.getLogger("assistance_warehouse.freshness")

PROFILE_NAME = "assistance_warehouse"
# dbt_project.yml's target-path: `dbt parse` run in dbt_project/ writes the manifest here.
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
MANIFEST_HOW_TO = "run `make dbt-manifest` (dbt parse: no database needed)"
# What the manifest is made from: a change to any of them needs a new manifest.
_PROJECT_INPUTS = ("models", "seeds", "macros", "tests", "dbt_project.yml")


# Where the project hash is kept in the manifest: metadata.env.<name>.
_HASH_NAME = "ASSIST_PROJECT_HASH"
_HASH_ENV = f"DBT_ENV_CUSTOM_ENV_{_HASH_NAME}"


class ManifestError(FileNotFoundError):
    """The dbt manifest the DAG is rendered from is missing or parsed from other project files."""


def project_hash(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """sha256 over the path and content of every file the manifest is made from."""
    digest = hashlib.sha256()
    for name in _PROJECT_INPUTS:
        root = project_dir / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_manifest(manifest: Path = MANIFEST_PATH) -> dict[str, Any]:
    """The manifest's JSON (read-only), parsed once per version of the file in a process.

    A DAG parse asks it several times (the project hash, the tests of two models,
    the lineage datasets, the catalogue of marts): 2 MB of JSON each time otherwise.
    """
    stat = manifest.stat()
    return _parsed_manifest(manifest, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _parsed_manifest(manifest: Path, _mtime_ns: int, _size: int) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    return parsed


def manifest_project_hash(manifest: Path) -> str | None:
    """The project hash the manifest was parsed with (None for one made without it)."""
    try:
        metadata = read_manifest(manifest).get("metadata", {})
    except ValueError:
        return None
    return metadata.get("env", {}).get(_HASH_NAME)


def checked_manifest_path(
    manifest: Path = MANIFEST_PATH, project_dir: Path = DBT_PROJECT_DIR
) -> Path:
    """The manifest, if it exists and was parsed from the project as it is; else ``ManifestError``.

    A stale manifest would silently leave a new model out of the DAG, so it is refused too.
    """
    if not manifest.exists():
        raise ManifestError(f"dbt manifest not found at {manifest}: {MANIFEST_HOW_TO}")
    if manifest_project_hash(manifest) != project_hash(project_dir):
        raise ManifestError(
            f"dbt manifest {manifest} was parsed from other dbt project files than "
            f"the ones there now: {MANIFEST_HOW_TO}"
        )
    return manifest


# As cosmos runs dbt (DBT_RUNNER mode): the partial-parse file left beside the
# manifest then serves the first task too, instead of a full parse.
PARSE_ARGS = ("parse", "--no-static-parser")


def write_manifest(settings: Settings) -> Path:
    """Parse the dbt project into ``MANIFEST_PATH`` (``dbt parse``; opens no database).

    With the profile, target and flags the Airflow tasks give dbt (their warehouse,
    cosmos's ``--profile`` and ``--target``): dbt reuses a
    partial-parse file only when they are the same, so the one written beside the
    manifest serves the DAG's first dbt task instead of a full parse.
    """
    os.environ[_HASH_ENV] = project_hash()
    try:
        run_dbt(
            [*PARSE_ARGS, "--profile", PROFILE_NAME],
            settings.warehouse_path,
            MANIFEST_PATH.parent,
            target=dbt_target(settings),
            postgres=settings.postgres,
        )
    finally:
        del os.environ[_HASH_ENV]
    return MANIFEST_PATH


def dbt_env(settings: Settings) -> dict[str, str]:
    """Only what dbt needs beyond the worker's own environment (no secrets at parse time).

    With ``ASSIST_WAREHOUSE`` on PostgreSQL: its host, port, user and database
    (``ASSIST_PG_*``); the password is set in the task's own process when it runs
    (``export_warehouse_password``), so it is never in the serialised DAG.
    """
    return {
        **dbt_settings_env(settings.warehouse_path, settings.postgres),
        # dbt.log of every task in one place under var/, like `python -m ingestion build`.
        "DBT_LOG_PATH": str((settings.var_dir / "dbt" / "target" / "logs").resolve()),
    }


def dbt_target(settings: Settings | None = None) -> str:
    """The profile output: ``postgres`` when ``ASSIST_WAREHOUSE`` names PostgreSQL,
    else ``ASSIST_DBT_TARGET`` (default ``duckdb``), as for ``run_dbt``."""
    if settings is not None and settings.postgres is not None:
        return POSTGRES_TARGET
    return os.environ.get("ASSIST_DBT_TARGET", "duckdb")


def export_warehouse_password(context: Any = None) -> None:
    """``on_execute_callback`` of the dbt tasks: the warehouse password into this process.

    Runs in the worker, in the task's process, right before dbt: ``load_settings``
    reads ``ASSIST_WAREHOUSE`` there (a URL, or the Airflow connection it names), and
    dbt's profile reads ``ASSIST_PG_PASSWORD`` from the environment. Nothing secret
    is rendered into the DAG or written to a file.
    """
    from ingestion.config import load_settings

    postgres = load_settings().postgres
    if postgres is not None:
        os.environ[PASSWORD_ENV] = postgres.password


def freeze_task_heap(context: Any = None) -> None:
    """``on_execute_callback`` of the dbt tasks: what is alive now, out of the collector's sight.

    Cosmos ends each dbtRunner invocation with a full ``gc.collect()`` (to release
    dbt's adapter semaphores). Without this, that collection walks the whole heap of
    Airflow, dbt and cosmos, half a second per task; frozen (``gc.freeze``), it walks
    only what dbt made during the task. What is frozen lives as long as the task's
    process, which it would anyway.
    """
    gc.freeze()


def close_duckdb_warehouse(project_dir: str, **_: Any) -> None:
    """Cosmos's after-dbt callback of the dbt tasks: close the DuckDB file dbt kept open.

    The profile keeps the file open for a whole dbt invocation (``keep_open``):
    dbt-duckdb otherwise closes it whenever no node is running and opens it again,
    checkpointing it at every close, which was about a quarter of the build DAG's
    time at 1,000 articles. Kept open, dbt-duckdb closes it only when the process
    exits, and a task's process may go on after dbt: ``airflow dags test`` runs
    every task in one, and the gate opens the file with another configuration,
    which DuckDB refuses while dbt's is open. Cosmos calls this after dbt whether
    or not a node failed. dbt-duckdb has no public call that closes its
    environment: ``close_all_connections`` only drops it, so it is closed here.
    A worker with only the PostgreSQL adapter has nothing to close.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()


# Each dbt task's on_execute_callback, in its own process right before dbt runs,
# and cosmos's callback right after it.
_BEFORE_DBT = [export_warehouse_password, freeze_task_heap]
_AFTER_DBT = [close_duckdb_warehouse]


def _profile_config(settings: Settings) -> Any:
    from cosmos import ProfileConfig

    return ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name=dbt_target(settings),
        profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
    )


def _operator_args(pool: str, queue: str | None) -> dict[str, Any]:
    return {
        "pool": pool,
        "on_execute_callback": _BEFORE_DBT,
        "callback": _AFTER_DBT,
        **_queue_arg(queue),
        # No dbt packages (they cannot be installed here): never `dbt deps`.
        "install_deps": False,
        # The worker's environment (ASSIST_PG_* for the postgres target) reaches dbt.
        "append_env": True,
        "dbt_cmd_global_flags": _global_flags(),
        # A run triggered with {"full_refresh": true} rebuilds the incremental
        # article and fact models from the raw tables (see the DAG's params).
        "full_refresh": "{{ params.full_refresh }}",
    }


def _global_flags(populate_cache: bool = False) -> list[str]:
    """dbt's global flags for the dbt tasks.

    A task that runs one node (or a few tests) fills the relation cache per
    relation as the node needs it instead of for every schema up front. A layer
    task must fill it up front (``populate_cache``): its threads build several
    models at once, and filling it lazily they race (on PostgreSQL a view's
    rename failed with "Cache inconsistency detected").

    Each task's manifest.json and run_results.json land in a temporary folder:
    cosmos reads them for OpenLineage events and deletes them. Without a lineage
    transport, not writing them saves a fifth of a task's CPU.
    """
    return ([] if populate_cache else ["--no-populate-cache"]) + (
        [] if openlineage_configured() else ["--no-write-json"]
    )


def _queue_arg(queue: str | None) -> dict[str, str]:
    """A writing task's Celery queue (``ingestion.services.queues``); None: Airflow's default."""
    return {"queue": queue} if queue else {}


def task_group_args(
    settings: Settings, manifest: Path, pool: str, queue: str | None = None
) -> dict[str, Any]:
    """Keyword arguments of ``cosmos.DbtTaskGroup`` for the project's seeds and models.

    ``pool`` holds every dbt task (DuckDB allows one writer), ``queue`` sends them to
    the workers that write the warehouse. Retries and callbacks come from the DAG's
    ``default_args``.
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
        "profile_config": _profile_config(settings),
        "execution_config": ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            # dbt in the task's own process: no interpreter start and dbt import per task.
            invocation_mode=InvocationMode.DBT_RUNNER,
            # A node's task runs only the tests of that node alone; tests of two
            # models run in a task of their own (cross_model_test_args).
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        "render_config": RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # One task per node: `dbt build --select <node>`, its tests right after it.
            test_behavior=TestBehavior.BUILD,
            # The raw tables are collect_sources' asset; one asset per model adds nothing.
            emit_datasets=False,
            # Tests of two models run in their own task after the group
            # (cross_model_test_args); with cautious indirect selection no
            # model's task runs them.
            should_detach_multiple_parents_tests=False,
            # Each task's `dbt build` leaves the node's unit tests out, as the CLI
            # build does (cosmos forwards this exclude to every build task).
            exclude=[UNIT_TESTS],
        ),
        "operator_args": _operator_args(pool, queue),
    }


@dataclass(frozen=True)
class DbtLayer:
    """A folder of the dbt project: one ``dbt build`` task in the ``layer`` rendering."""

    # The task's id inside the dbt group: "seeds", or the folder under models/.
    name: str
    # dbt's selector of its nodes.
    select: str
    # The layers whose nodes its nodes read: its task's upstream tasks.
    upstream: tuple[str, ...]
    # The seeds or models it builds, sorted: the task's docs list them.
    nodes: tuple[str, ...]


SEEDS_LAYER = "seeds"


def dbt_layers(manifest: Path) -> list[DbtLayer]:
    """The project's layers in an order they can be built in (each after those it reads).

    A model's layer is its folder right under ``models/``; every seed is in ``seeds``.
    Raises ``ManifestError`` for a model outside a folder, or layers that read each
    other (a cycle): a layer task could not run before the other.
    """
    nodes = {
        uid: node
        for uid, node in read_manifest(manifest)["nodes"].items()
        if node["resource_type"] in ("seed", "model")
    }
    selectors: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    layer_of: dict[str, str] = {}
    for uid, node in nodes.items():
        layer_of[uid], selectors[layer_of[uid]] = _layer(node)
        members.setdefault(layer_of[uid], []).append(node["name"])
    upstream: dict[str, set[str]] = {name: set() for name in selectors}
    for uid, node in nodes.items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent in layer_of and layer_of[parent] != layer_of[uid]:
                upstream[layer_of[uid]].add(layer_of[parent])
    try:
        order = list(TopologicalSorter(upstream).static_order())
    except CycleError as error:
        raise ManifestError(
            f"dbt layers read each other ({' -> '.join(error.args[1])}): they cannot be "
            f"built one after another; move the models, or set ASSIST_DBT_TASKS=node"
        ) from error
    return [
        DbtLayer(name, selectors[name], tuple(sorted(upstream[name])), tuple(sorted(members[name])))
        for name in order
    ]


def _layer(node: dict[str, Any]) -> tuple[str, str]:
    """A seed or model's layer name and the selector of its layer."""
    if node["resource_type"] == "seed":
        return SEEDS_LAYER, "resource_type:seed"
    parts = PurePosixPath(node["original_file_path"]).parts
    if len(parts) < 3:
        raise ManifestError(
            f"model {node['name']} ({node['original_file_path']}) is not in a folder under "
            f"{parts[0]}/: the layer rendering builds one folder per task"
        )
    return parts[1], f"path:{parts[0]}/{parts[1]}"


def layer_task_args(
    settings: Settings, manifest: Path, layer: DbtLayer, pool: str, queue: str | None = None
) -> dict[str, Any]:
    """Keyword arguments of a ``cosmos.operators.local.DbtBuildLocalOperator`` for one layer.

    Its nodes, then the tests of its nodes alone (cautious indirect selection), in
    dbt's order and threads; the tests of two models are left to their own task.
    """
    from cosmos import InvocationMode, TestIndirectSelection

    return {
        **_standalone_args(settings, pool, queue),
        "task_id": layer.name,
        "invocation_mode": InvocationMode.DBT_RUNNER,
        "select": [layer.select],
        "exclude": [UNIT_TESTS, *cross_model_tests(manifest)],
        "indirect_selection": TestIndirectSelection.CAUTIOUS.value,
        "dbt_cmd_global_flags": _global_flags(populate_cache=True),
        "full_refresh": "{{ params.full_refresh }}",
        # As in the node rendering: the raw tables are the DAG's asset, not each model.
        "emit_datasets": False,
        # The task's docs in Airflow's UI say which models it builds.
        "doc_md": _layer_doc(layer),
    }


def _layer_doc(layer: DbtLayer) -> str:
    reads = ", ".join(f"`{name}`" for name in layer.upstream) or "only sources"
    models = "\n".join(f"- `{name}`" for name in layer.nodes)
    return (
        f"`dbt build --select {layer.select}`: each of these {len(layer.nodes)} nodes, "
        f"then its tests, in dependency order (reads {reads}). dbt's log in this task "
        f"names every node and test with its result.\n\n{models}"
    )


# The task that runs them (the DAG's), after the group of dbt tasks.
CROSS_MODEL_TESTS_TASK = "dbt_cross_model_tests"


def cross_model_tests(manifest: Path) -> list[str]:
    """Names of the data tests that read more than one node (a relationship), sorted."""
    nodes = read_manifest(manifest)["nodes"].values()
    return sorted(
        node["name"]
        for node in nodes
        if node["resource_type"] == "test" and len(node["depends_on"]["nodes"]) > 1
    )


def cross_model_test_args(
    settings: Settings, manifest: Path, pool: str, queue: str | None = None
) -> dict[str, Any]:
    """Keyword arguments of a ``cosmos.operators.local.DbtTestLocalOperator`` for the
    tests of two models (``cross_model_tests``), run after every model is built.

    Raises ``ManifestError`` if the manifest has none: an empty selection would run
    every test of the project instead.
    """
    from cosmos import InvocationMode

    names = cross_model_tests(manifest)
    if not names:
        raise ManifestError(f"dbt manifest {manifest} has no test of two models to select")
    return {
        **_standalone_args(settings, pool, queue),
        "invocation_mode": InvocationMode.DBT_RUNNER,
        "select": names,
        "exclude": [UNIT_TESTS],
        "dbt_cmd_global_flags": _global_flags(),
    }


def _standalone_args(settings: Settings, pool: str, queue: str | None) -> dict[str, Any]:
    """What every dbt task outside cosmos's task group is given."""
    return {
        "project_dir": str(DBT_PROJECT_DIR),
        "cache_dir": _partial_parse_cache_dir(),
        "profile_config": _profile_config(settings),
        "env": dbt_env(settings),
        "pool": pool,
        "on_execute_callback": _BEFORE_DBT,
        "callback": _AFTER_DBT,
        **_queue_arg(queue),
        "install_deps": False,
        "append_env": True,
    }


def _partial_parse_cache_dir() -> Path:
    """Where the standalone dbt tasks keep dbt's partial-parse file between tasks.

    Cosmos gives a cache folder only to the tasks of a ``DbtDag`` or ``DbtTaskGroup``
    (``<cosmos cache_dir>/<dag>__<group>``); a standalone operator without one parses
    the whole project in every task (2 to 4 s each, against a fraction of a second
    with dbt's partial parse). Same base folder, a name of their own.
    """
    from cosmos import settings as cosmos_settings

    return Path(cosmos_settings.cache_dir) / "build_audit_publish__standalone"


def source_freshness_args(
    settings: Settings, pool: str, queue: str | None = None
) -> dict[str, Any]:
    """Keyword arguments of a ``cosmos.operators.local.DbtSourceLocalOperator``.

    ``dbt source freshness`` on every raw source: the sources declare only
    ``warn_after`` (``models/staging/_sources.yml``), so a stale source is a
    warning in the log, never a failed task.
    """
    from cosmos import InvocationMode

    return {
        **_standalone_args(settings, pool, queue),
        "select": "source:raw",
        "invocation_mode": InvocationMode.DBT_RUNNER,
        "on_warning_callback": warn_stale_sources,
    }


def warn_stale_sources(context: Any) -> list[str]:
    """Cosmos's warning callback: one log line per stale source; their names."""
    names = [str(name) for name in context.get("test_names") or []]
    for name, result in zip(names, context.get("test_results") or [], strict=False):
        log.warning("stale source raw.%s (past warn_after): %s", name, result)
    return names


def docs_args(settings: Settings, pool: str, queue: str | None = None) -> dict[str, Any]:
    """Keyword arguments of a ``cosmos.operators.local.DbtDocsLocalOperator``.

    dbt docs are written to ``<var>/docs/dbt`` (index.html, manifest.json, catalog.json,
    and static_index.html: ``--static``, the single file that opens offline).
    """
    from cosmos import InvocationMode

    out_dir = settings.docs_dir / "dbt"
    return {
        **_standalone_args(settings, pool, queue),
        # In its own process, as the pipeline's docs step: this task runs after the
        # gate and publish, which opened the warehouse in this process with another
        # DuckDB configuration (DuckDB refuses a second one for the same file).
        "invocation_mode": InvocationMode.SUBPROCESS,
        "dbt_executable_path": str(dbt_executable()),
        "dbt_cmd_flags": ["--static"],
        "callback": partial(copy_docs, out_dir=out_dir),
    }


def copy_docs(project_dir: str, out_dir: Path, **_: Any) -> Path:
    """Cosmos callback: copy the docs site from the task's project copy to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        shutil.copy2(Path(project_dir) / "target" / name, out_dir / name)
    return out_dir


if __name__ == "__main__":  # `make dbt-manifest`
    from ingestion.config import load_settings

    print(write_manifest(load_settings()))
