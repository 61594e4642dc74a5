"""Where a dbt build's time went, from its ``run_results.json``: the benchmark's
profile of the build stage (which nodes dominate, models against tests).

dbt runs two nodes at a time (``threads: 2``), so the node seconds add up to
more than the build's wall time; they say which nodes to make cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingestion.transform.dbt_runner import read_node_results

SLOWEST = 5


@dataclass(frozen=True)
class BuildProfile:
    node_seconds: dict[str, float]  # resource type (model, test, seed) -> seconds in its nodes
    slowest: list[tuple[str, float]]  # node name -> seconds, slowest first


def build_profile(target_dir: Path, slowest: int = SLOWEST) -> BuildProfile | None:
    """The profile of the last dbt invocation whose artifacts are in ``target_dir``."""
    nodes = read_node_results(target_dir)
    if not nodes:
        return None
    seconds: dict[str, float] = {}
    for node in nodes:
        kind = node.unique_id.split(".", 1)[0]
        seconds[kind] = seconds.get(kind, 0.0) + node.execution_time
    ranked = sorted(nodes, key=lambda node: node.execution_time, reverse=True)[:slowest]
    return BuildProfile(
        node_seconds=seconds,
        slowest=[(_name(node.unique_id), node.execution_time) for node in ranked],
    )


def _name(unique_id: str) -> str:
    """``model.<project>.<name>`` and ``test.<project>.<name>.<hash>``: the name."""
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def format_profile(run: str, profile: BuildProfile) -> str:
    kinds = ", ".join(
        f"{kind}s {seconds:.1f}"
        for kind, seconds in sorted(profile.node_seconds.items(), key=lambda kv: -kv[1])
        if kind in ("model", "test", "seed")
    )
    slowest = ", ".join(f"{name} {seconds:.1f}" for name, seconds in profile.slowest)
    return f"build profile ({run}): node seconds {kinds}; slowest: {slowest}"
