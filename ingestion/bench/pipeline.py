"""``python -m ingestion bench pipeline``: the whole pipeline on a generated corpus, timed.

Generates N article pages (``ingestion.bench.corpus``), runs collect -> load ->
build -> audit -> publish through the CLI on a fresh var directory, then adds
1% new articles and runs the same stages again (the daily refresh). Each
stage runs in its own process, so its peak RSS and CPU seconds are its own
(``os.wait4``'s rusage covers the stage and every child it waited for: dbt,
too). Parsing is also timed next to bare ``trafilatura`` with the same options.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from ingestion.bench import refresh_check
from ingestion.bench.build_profile import build_profile, format_profile
from ingestion.bench.corpus import write_corpus
from ingestion.config import PROJECT_ROOT
from ingestion.sources import TABLE_SOURCE_TYPES, load_sources
from ingestion.transform.dbt_runner import pipeline_target_dir

STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("collect", ("collect",)),
    ("load", ("load",)),
    ("build", ("build",)),
    ("audit", ("audit",)),
    ("publish", ("publish",)),
)
CORPUS_SOURCE_ID = "bench_articles"
STAGE_NAMES: tuple[str, ...] = tuple(name for name, _ in STAGES)


@dataclass(frozen=True)
class StageResult:
    stage: str
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    articles: int
    returncode: int

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds > 0 else float("inf")


def write_sources(path: Path, corpus: Path) -> None:
    """The project's statistical tables plus the generated corpus as a folder source."""
    sources = [
        source.model_dump(mode="json", exclude_defaults=True)
        | {"id": source.id, "kind": source.kind}
        for source in load_sources(PROJECT_ROOT / "sources.yml")
        if isinstance(source, TABLE_SOURCE_TYPES)
    ]
    sources.append(
        {
            "id": CORPUS_SOURCE_ID,
            "kind": "local_folder",
            "path": str(corpus),
            "patterns": ["*.html"],
            "fetch": {"allowed_folders": [str(corpus)]},
        }
    )
    path.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False), encoding="utf-8")


def run_stage(
    stage: str, args: tuple[str, ...], env: dict[str, str], log_dir: Path, articles: int
) -> StageResult:
    """Run one CLI stage in a child process; its wall time, CPU time and peak RSS."""
    argv = [sys.executable, "-m", "ingestion", *args]
    return measured(stage, argv, env, log_dir / f"{stage}.log", articles)


def measured(
    stage: str, argv: list[str], env: dict[str, str], log_path: Path, articles: int
) -> StageResult:
    """Run ``argv`` in the project root, output appended to ``log_path``; timed."""
    start = time.perf_counter()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            argv, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        # wait4, not Popen.wait: the child's own rusage (CPU, maxrss), dbt's included.
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return StageResult(
        stage=stage,
        seconds=seconds,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        articles=articles,
        returncode=process.returncode,
    )


def stage_env(var_dir: Path, sources_file: Path) -> dict[str, str]:
    """The CLI stages' environment: the bench's var/ and sources, this checkout's package."""
    return os.environ | {
        "ASSIST_VAR_DIR": str(var_dir),
        "ASSIST_SOURCES_FILE": str(sources_file),
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def run_stages(
    env: dict[str, str], log_dir: Path, articles: int, stages: tuple[str, ...]
) -> list[StageResult]:
    results = []
    for stage, args in STAGES:
        if stage not in stages:
            continue
        result = run_stage(stage, args, env, log_dir, articles)
        results.append(result)
        if result.returncode != 0:
            break  # the next stage would only measure the failure
    return results


def parse_comparison(corpus: Path, sample: int, rounds: int = 3) -> tuple[float, float, int]:
    """CPU seconds to parse ``sample`` pages with our parser and with bare trafilatura.

    One pass of each swung from 0.9x to 1.5x on an idle machine (a few ms per page,
    whichever ran first paid for cold caches): the two take turns, first one then the
    other, for ``rounds`` rounds, and each side's fastest round counts.
    """
    import trafilatura

    from ingestion.parse.document import parse_payload

    pages = [p.read_bytes() for p in sorted(corpus.glob("*.html"))[:sample]]

    def ours() -> None:
        for page in pages:
            parse_payload(page)

    def bare() -> None:
        for page in pages:
            trafilatura.bare_extraction(
                page.decode("utf-8"),
                include_comments=False,
                include_tables=True,
                favor_recall=True,
                with_metadata=True,
                date_extraction_params={"extensive_search": False, "original_date": True},
            )

    parse_payload(pages[0])  # imports and caches warm for both
    best = {ours: float("inf"), bare: float("inf")}
    for turn in range(rounds):
        for parse in (ours, bare) if turn % 2 == 0 else (bare, ours):
            start = time.process_time()
            parse()
            best[parse] = min(best[parse], time.process_time() - start)
    return best[ours], best[bare], len(pages)


def _row(result: StageResult, cold: StageResult | None = None) -> str:
    status = "" if result.returncode == 0 else f"  FAILED (exit {result.returncode})"
    ratio = f" {result.seconds / cold.seconds:>6.2f}" if cold and cold.seconds else ""
    return (
        f"{result.stage:<9} {result.seconds:>9.1f} {result.cpu_seconds:>9.1f}"
        f" {result.rate:>11.1f} {result.peak_rss_mb:>10.0f}{ratio}{status}"
    )


def _total(stage: str, results: list[StageResult], articles: int) -> StageResult:
    return StageResult(
        stage=stage,
        seconds=sum(r.seconds for r in results),
        cpu_seconds=sum(r.cpu_seconds for r in results),
        peak_rss_mb=max((r.peak_rss_mb for r in results), default=0.0),
        articles=articles,
        returncode=max((r.returncode for r in results), default=0),
    )


def format_report(
    n: int, cold: list[StageResult], new: int, refresh: list[StageResult]
) -> list[str]:
    header = f"{'stage':<9} {'seconds':>9} {'CPU s':>9} {'articles/s':>11} {'peak RSS MB':>10}"
    lines = [f"cold run: {n} articles", header]
    lines += [_row(r) for r in cold]
    cold_total = _total("total", cold, n)
    lines.append(_row(cold_total))
    lines += ["", f"refresh: {new} new articles on {n}", header + " ratio"]
    by_stage = {r.stage: r for r in cold}
    lines += [_row(r, by_stage.get(r.stage)) for r in refresh]
    refresh_total = _total("total", refresh, new)
    lines.append(_row(refresh_total, cold_total))
    ratio = refresh_total.seconds / cold_total.seconds if cold_total.seconds else 0.0
    peak = max(cold_total.peak_rss_mb, refresh_total.peak_rss_mb)
    lines += [
        "",
        f"cold {n} articles: {cold_total.seconds:.1f} s; refresh {new} new: "
        f"{refresh_total.seconds:.1f} s (ratio {ratio:.3f}); peak RSS {peak:.0f} MB",
    ]
    return lines


def fresh_bench_dir(var_dir: Path, n: int, seed: int) -> tuple[Path, Path, Path]:
    """Empty ``var_dir``, generate N pages and their sources file; (corpus, sources, logs)."""
    if var_dir.exists():
        shutil.rmtree(var_dir)
    corpus = var_dir / "corpus"
    write_corpus(corpus, 0, n, seed)
    sources_file = var_dir / "sources.yml"
    write_sources(sources_file, corpus)
    log_dir = var_dir / "logs"
    log_dir.mkdir(parents=True)
    return corpus, sources_file, log_dir


def run_benchmark(
    n: int,
    var_dir: Path,
    seed: int = 0,
    stages: tuple[str, ...] = STAGE_NAMES,
    check_full_refresh: bool = False,
) -> list[str]:
    """Generate, run cold, add 1% and refresh; return the report's lines.

    With ``check_full_refresh``, the refreshed warehouse is then rebuilt from scratch
    (on a copy, not timed) and its tables compared (``ingestion.bench.refresh_check``).
    """
    corpus, sources_file, log_dir = fresh_bench_dir(var_dir, n, seed)
    env = stage_env(var_dir / "var", sources_file)
    cold = run_stages(env, log_dir, n, stages)
    profiles = [_build_profile_line("cold", cold, var_dir / "var")]
    new = max(1, n // 100)
    write_corpus(corpus, n, new, seed)
    refresh = run_stages(env, log_dir, new, stages)
    profiles.append(_build_profile_line("refresh", refresh, var_dir / "var"))
    lines = format_report(n, cold, new, refresh)
    for line in profiles:
        if line is not None:
            lines.insert(-1, line)
    ours, bare, pages = parse_comparison(corpus, min(n + new, 200))
    lines.insert(
        -1,
        f"parse: {ours / pages * 1000:.1f} ms/page CPU; bare trafilatura: "
        f"{bare / pages * 1000:.1f} ms/page ({ours / bare:.3f}x) on {pages} pages",
    )
    failed = [r for r in cold + refresh if r.returncode != 0]
    built = any(r.stage == "build" for r in refresh)
    if check_full_refresh and built and not failed:
        lines.insert(
            -1,
            refresh_check.check_full_refresh(
                var_dir / "var", env, var_dir / "full-refresh", log_dir / "full-refresh.log"
            ),
        )
    if failed:
        lines.insert(-1, f"see {log_dir} for the failed stage's log")
    return lines


def _build_profile_line(run: str, results: list[StageResult], var_dir: Path) -> str | None:
    """The dbt nodes' times of the run's build stage (read before the next build replaces them)."""
    if not any(r.stage == "build" and r.returncode == 0 for r in results):
        return None
    profile = build_profile(pipeline_target_dir(var_dir))
    return None if profile is None else format_profile(run, profile)


def _run(args: argparse.Namespace) -> int:
    stages = tuple(args.stages.split(",")) if args.stages else tuple(s for s, _ in STAGES)
    var_dir = Path(args.var_dir).resolve()
    lines = run_benchmark(args.articles, var_dir, args.seed, stages, args.check_full_refresh)
    print("\n".join(lines))
    return 1 if any("FAILED" in line for line in lines) else 0


def register(targets: argparse._SubParsersAction) -> None:
    parser = targets.add_parser(
        "pipeline", help="collect, load, build, audit, publish on a generated corpus, then refresh"
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--var-dir",
        default=str(PROJECT_ROOT / "var" / "bench"),
        help="a fresh folder for the corpus and the pipeline's var/ (emptied first)",
    )
    parser.add_argument(
        "--stages", default="", help="comma-separated subset (default: all five stages)"
    )
    parser.add_argument(
        "--check-full-refresh",
        action="store_true",
        help="after the refresh, rebuild a copy with --full-refresh and compare every table",
    )
    parser.set_defaults(func=_run)
