"""The documentation states the numbers the code runs with."""

from __future__ import annotations

import re

import pytest

from livelihoods.values import get_value
from tests.conftest import ROOT, make_config

ROW = re.compile(r"^\| `((?:behaviour|scenario)\.[\w.]+)` \| ([^|]+) \|")


def test_every_parameter_in_the_odd_table_is_the_default_config_value():
    cfg = make_config()
    rows = [ROW.match(line) for line in (ROOT / "docs" / "ODD.md").read_text().splitlines()]
    rows = [m for m in rows if m]
    assert len(rows) >= 40
    for m in rows:
        shown = float(m.group(2).strip().replace("−", "-"))
        assert get_value(cfg, m.group(1)) == pytest.approx(shown, rel=1e-9), m.group(1)


def test_the_readme_starts_with_the_two_commands():
    from tools.readme_walkthrough import commands

    text = (ROOT / "README.md").read_text()
    head = text[: text.index("\n## ")]
    assert commands(head)[:2] == ["make run", "make test"], commands(head)[:2]


def test_the_readme_is_a_first_page_not_a_manual():
    """About 150 lines: the rest lives in docs/, reached from its sections."""
    lines = (ROOT / "README.md").read_text().splitlines()
    assert 100 <= len(lines) <= 180, len(lines)


# the README's first screen at a small size: 300 youth, 3 months after a 12-month burn-in, 2 seeds (2 draws)
SMALL = {"scenario.n_youth": "300", "months": "3", "burn_in_months": "12", "seed": "range(1,3)"}
FILE = re.compile(r"`([\w.-]+\.(?:md|csv|png|json|parquet))`")
SWEEP_NAME = re.compile(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_stipend_stress_test(_\d+)?")
# what the README's prose says each report says (its step 2 and step 3)
REPORT_SAYS = {False: ("rests on one parameter set", "Lowest stipend whose upper 95% bound of dropout is below 30%",
                       "posterior="),
               True: ("Lowest stipend with P(dropout < 30%) of at least 90% over the posterior",
                      "P(dropout of returnees", "90% credible")}


def _blocks_and_their_prose(screen: str) -> list[tuple[str, str]]:
    """(sh block, the prose after it up to the next block) of the README's first screen."""
    parts = re.split(r"^```sh\n(.*?)^```\n", screen, flags=re.DOTALL | re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2]))


def _small(words: list[str]) -> list[str]:
    """A sweep's command at the small size: the keys of SMALL (and draw) replaced, everything else as written."""
    sizes = SMALL | ({"draw": "range(0,2)"} if any(w.startswith("draw=") for w in words) else {})
    return [w for w in words if w.partition("=")[0] not in sizes] + [f"{k}={v}" for k, v in sizes.items()]


def test_the_readme_first_screen_runs_as_written(tmp_path):
    """Every command of the README's first screen, at a small size, exits 0 and writes what the README says:
    the sweeps into a new results/sweeps/<date>_<time>_stipend_stress_test/ of the folder they run in, one job
    folder each with its summary.json; the reports the files the prose names and the answers it describes.
    ``make test`` only collects one test file (it is the suite this test belongs to)."""
    import os
    import shlex
    import subprocess

    from tools.readme_walkthrough import PLACEHOLDER, commands, first_screen, kind

    python = ROOT / ".venv" / "bin" / "python"
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    sweeps = tmp_path / "results" / "sweeps"
    steps = _blocks_and_their_prose(first_screen((ROOT / "README.md").read_text()))
    assert len(steps) >= 3 and sum(kind(c) == "sweep" for b, _ in steps for c in commands(f"```sh\n{b}```\n")) == 2
    folder, ran = None, []
    for block, prose in steps:
        for command in commands(f"```sh\n{block}```\n"):
            words = shlex.split(command.replace(PLACEHOLDER, "@placeholder@"))
            if words[0] == ".venv/bin/python":
                words[0] = str(python)
            if command == "make test":
                words += ["ARGS=--collect-only -q tests/test_stats.py"]
            elif kind(command) == "make":
                folder = tmp_path / "run"
                sizes = " ".join(f"{k}={v}" for k, v in SMALL.items() if k != "seed")
                words += [f"ARGS={sizes} hydra.run.dir={folder}"]
            elif kind(command) == "sweep":
                words = _small(words)
            elif kind(command) == "report":
                words = [w.replace("@placeholder@", folder.name) for w in words]
            before = set(sweeps.iterdir()) if sweeps.is_dir() else set()
            done = subprocess.run(words, cwd=ROOT if words[0] == "make" else tmp_path, env=env, capture_output=True,
                                  text=True, timeout=300, check=False)
            assert done.returncode == 0, (command, done.stderr[-2000:])
            ran.append(kind(command))
            if command == "make run":
                assert (folder / "summary.json").is_file() and "dropout_rate" in done.stdout  # the indicators' table
            if kind(command) == "sweep":
                (folder,) = set(sweeps.iterdir()) - before
                assert SWEEP_NAME.fullmatch(folder.name), folder.name
                jobs = [p for p in folder.iterdir() if p.name.isdigit()]
                expected = 10 * 2 * (2 if any(w.startswith("draw=") for w in words) else 1)  # levels × seeds × draws
                assert len(jobs) == expected and all((p / "summary.json").is_file() for p in jobs)
            if kind(command) == "report":
                report = (folder / "report.md").read_text()
                posterior = (folder / "stress.csv").exists()
                for words_said in REPORT_SAYS[posterior]:
                    assert words_said in report, (command, words_said)
        for name in FILE.findall(prose):  # what the prose after the block says it wrote
            assert any(folder.rglob(name)), f"README says {name} is written; not in {folder}"
    assert ran == ["make", "make", "sweep", "report", "sweep", "report"], ran


def test_every_link_of_the_docs_leads_to_a_file_and_heading_that_exist():
    """Relative links of README.md and docs/*.md: the file exists, and a #fragment names one of its headings."""
    from tools.doc_numbers import docs

    def slug(heading: str) -> str:  # GitHub's anchors: lower case, punctuation dropped, spaces to hyphens
        return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")

    broken = []
    for doc in docs():
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            if re.match(r"[a-z]+://", target) or target.startswith("mailto:"):
                continue
            path, _, fragment = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists():
                broken.append(f"{doc.name}: {target}")
            elif fragment and file.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", file.read_text(), re.MULTILINE)
                if fragment not in {slug(h) for h in headings}:
                    broken.append(f"{doc.name}: {target} (no such heading)")
    assert not broken, broken


def test_the_readme_and_the_pages_cite_sources_a_clone_has():
    """No path outside the repository (the project's old shared folder): the seeds and the evidence are in
    docs/sources.md, which says what those old paths meant."""
    from tools.doc_numbers import docs

    outside = [doc.name for doc in docs() if "../shared" in doc.read_text()
               and doc.name not in ("sources.md", "ODD.md")]
    assert not outside, outside
    sources = (ROOT / "docs" / "sources.md").read_text()
    for seed in ("000", "001", "002", "003", "004"):
        assert f"| {seed} |" in sources, seed
    for author in ("McKenzie 2017", "van Dalen & Henkens", "Bryan, Chowdhury & Mobarak 2014"):
        assert author in sources, author


def test_the_number_of_bad_inputs_the_docs_quote_is_the_tables():
    from tools.doc_numbers import docs

    rows = len(re.findall(r"^\| \d+ \|", (ROOT / "docs" / "BAD_INPUTS.md").read_text(), re.MULTILINE))
    quoted = [(doc.name, int(n)) for doc in docs() for n in re.findall(r"(\d+) bad inputs", doc.read_text())]
    assert quoted and all(n == rows for _, n in quoted), (rows, quoted)


def test_every_test_named_in_the_folder_and_concurrency_table_exists():
    """docs/BAD_INPUTS.md lists multi-command cases with the test that drives each: none may go missing."""
    import ast

    text = (ROOT / "docs" / "BAD_INPUTS.md").read_text()
    table = text[text.index("## Folders, concurrency and re-runs"):]
    named = re.findall(r"`(?:(tests/\w+\.py)::)?(test_\w+)`", table)
    assert len(named) >= 16
    defined: dict[str, set[str]] = {}
    for path in (ROOT / "tests").glob("test_*.py"):
        tree = ast.parse(path.read_text())
        defined[f"tests/{path.name}"] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for file, name in named:
        assert name in defined[file or "tests/test_ownership.py"], f"{file or 'tests/test_ownership.py'}::{name}"


def test_the_stored_example_report_is_what_its_tables_say():
    """docs/examples/intervention_comparison: every figure it shows is there, and its cost per extra completer
    and per extra employed person are the stored incremental.csv's, rounded as the report rounds money."""
    import re

    import pandas as pd

    from experiments.studies.labels import arm, money

    folder = ROOT / "docs" / "examples" / "intervention_comparison"
    text = (folder / "report.md").read_text()
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        assert (folder / image).exists(), image
    incremental = pd.read_csv(folder / "incremental.csv")
    section = text.split("## Incremental cost-effectiveness", 1)[1].split("\n## ", 1)[0]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in section.splitlines() if line.startswith("| ")}
    for outcome in ("completer", "employed"):
        for r in incremental[(incremental["outcome"] == outcome) & (incremental["status"] == "ratio")].itertuples():
            cell = f"{money(r.icer)} [{money(r.icer_low)}, {money(r.icer_high)}]"
            assert cell in rows[arm(r.setting)], (r.setting, outcome, cell)
