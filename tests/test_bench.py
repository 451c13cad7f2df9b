"""Smoke test of ``make bench`` (bench/extraction) at a tiny size: about 10 s.

Runs the ceiling and tap-twilio (the peers need their own virtualenvs from PyPI,
so they are left to ``make bench`` itself) on three days of data, then checks
that each counted exactly the emulator's truth and that the docs page gets its
subsection, once, beside the sections it already had.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from bench.extraction import __main__ as bench
from bench.extraction import report

ROOT = Path(__file__).resolve().parents[1]


def test_the_bench_measures_the_tap_and_the_ceiling_against_the_truth(tmp_path: Path) -> None:
    docs = tmp_path / "performance.md"
    shutil.copy(ROOT / "docs" / "performance.md", docs)
    before = docs.read_text()
    args = ["--days", "3", "--messages", "600", "--calls", "60", "--runs", "1"]
    args += ["--latencies", "0", "--only", "ceiling,tap-twilio", "--skip-pipeline"]
    args += ["--baseline", "HEAD"]  # the mechanism; make bench compares with an older ref
    args += ["--docs", str(docs), "--results", str(tmp_path)]
    assert bench.main(args) == 0

    (path,) = tmp_path.glob("extraction-*.json")
    results = json.loads(path.read_text())
    truth = results["truth"]
    assert truth["messages"] > 300
    assert truth["calls"] > 20
    runs = {run["name"]: run for run in results["runs"]}
    assert sorted(runs) == ["baseline", "ceiling", "tap-twilio"]
    for run in runs.values():
        assert run["returncode"] == 0
        assert run["records"] == truth
        assert run["requests"] > 0
        assert run["cpu_seconds"] > 0
        assert run["peak_rss_mb"] > 10
    assert runs["tap-twilio"]["distinct"] == truth  # no duplicates
    assert runs["baseline"]["distinct"] == truth
    (against,) = [g for g in report.goals(results) if "tap-twilio at `HEAD`" in g]
    assert against.startswith(("met: at 0 ms", "NOT met: at 0 ms"))
    # The accounts list, then per account and stream the whole-list sweep of a first run
    # (one page here), which is also the read of its days: no day window besides.
    assert runs["tap-twilio"]["requests"] == 1 + 3 * 2

    text = docs.read_text()
    title = report.subsection_title(results)
    assert title == "### 3 days, ~600 messages, ~60 calls; 0 ms per request"
    assert text.count(title) == 1
    assert text.count("## Extraction\n") == 1
    for heading in (line for line in before.splitlines() if line.startswith("## ")):
        assert text.count(heading + "\n") == 1  # every other section is kept
    assert before.split("## Webhook receiver", 1)[1] in text  # and left as it was

    assert own_subsection(text, title).count("| bare sequential loop (ceiling) |") == 1
    assert own_subsection(text, title).count("| tap-twilio before, at `HEAD` |") == 1

    report.write_docs(docs, results, "the same run, written again")
    again = docs.read_text()
    assert again.count(title) == 1  # replaced, not added twice
    own = own_subsection(again, title)
    assert "the same run, written again" in own
    assert "| bare sequential loop (ceiling) |" not in own
    for heading in (line for line in before.splitlines() if line.startswith("### ")):
        assert again.count(heading + "\n") == 1  # other runs' subsections are kept


def own_subsection(text: str, title: str) -> str:
    match = re.search(rf"^{re.escape(title)}\n.*?(?=^### |^## |\Z)", text, flags=re.M | re.S)
    assert match is not None
    return match.group(0)
