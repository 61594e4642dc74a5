"""The extract and bench subcommands."""

from __future__ import annotations

import argparse
import json

from ingestion.extract import bench, cli


def parser():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    cli.register(sub)
    bench.register(sub)
    return p


def test_extract_command_writes_contract_lines(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Shanghai paired up to help Xigaze Prefecture.", encoding="utf-8"
    )
    out = tmp_path / "facts.jsonl"
    args = parser().parse_args(["extract", str(tmp_path), "-o", str(out)])
    assert args.func(args) == 0
    (line,) = out.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record["doc"] == "a" and record["type"] == "pairing" and record["helper"] == "Shanghai"


def test_extract_explain_says_why_each_figure_got_its_payer_and_place(tmp_path):
    (tmp_path / "a.txt").write_text(
        "Hangzhou allocated 30 million yuan to Qiandongnan in 2019.", encoding="utf-8"
    )
    out = tmp_path / "facts.jsonl"
    args = parser().parse_args(["extract", str(tmp_path), "-o", str(out), "--explain"])
    assert args.func(args) == 0
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["type"] == "fund"
    assert record["why"].startswith("payer=Hangzhou (sentence: ")
    assert "region=Qiandongnan" in record["why"]


def test_benchmark_reports_figures(capsys):
    result = bench.run_benchmark(20, seed=3)
    assert result["articles"] == 20 and result["articles_per_second"] > 0
    assert 2000 < result["mean_article_bytes"] < 4500
    args = parser().parse_args(["bench", "extract", "--articles", "5"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "articles_per_second" in out
    assert "[generated pages" in out and out.count("articles_per_second") == 3


def test_benchmark_extracts_from_the_pipeline_benchmarks_pages():
    # The texts the loader gives extraction for `bench pipeline`'s pages: distinct
    # stories of about 4.6 KB with a dozen fact sentences each, no page chrome.
    texts = bench.page_texts(6, seed=2)
    assert len(set(texts)) == 6
    assert all(3500 < len(text) < 6500 for text in texts)
    assert not any("Sitemap" in text for text in texts)
    result = bench.time_extraction(texts)
    assert result["articles"] == 6 and result["facts"] >= 6 * 5
