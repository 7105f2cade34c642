"""The README's first screen, run as written: how long each step takes here, and what each report answers.

    python -m tools.readme_walkthrough            # run every command of the first screen at the README's sizes
                                                  # and write docs/walkthrough.json
    python -m tools.readme_walkthrough --write    # ... and rewrite the README's table of the steps from it

The first screen is the README up to its second ``## `` heading; its commands are the lines of its ``sh`` code
blocks (``\\`` continues a line, ``#`` starts a comment). A report's ``<sweep folder>`` is the folder the sweep
before it made. ``make test`` is not timed (it is the whole test suite). ``tests/test_docs.py`` runs the same
commands, read by the same functions, at a small size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
WALKTHROUGH = ROOT / "docs" / "walkthrough.json"
PLACEHOLDER = "<sweep folder>"
SWEEPS = Path("results") / "sweeps"  # where a sweep without hydra.sweep.dir goes, from the folder it runs in
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)
ANSWER = re.compile(r"^- (Lowest stipend .*)$", re.MULTILINE)


def first_screen(text: str) -> str:
    """The README up to its second ``## `` heading: what it is, the two commands, the first question."""
    starts = [m.start() for m in re.finditer(r"^## ", text, re.MULTILINE)]
    return text[: starts[1]] if len(starts) > 1 else text


def commands(text: str) -> list[str]:
    """The commands of the first screen's ``sh`` code blocks, in order, one string each (comments dropped)."""
    out = []
    for block in BLOCK.findall(first_screen(text)):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line.replace(PLACEHOLDER, "@placeholder@"), comments=True)
            if words:
                out.append(shlex.join(words).replace("@placeholder@", PLACEHOLDER))
    return out


def argv(command: str, folder: Path | None) -> list[str]:
    """A command's words, with the sweep folder ``folder`` in place of ``<sweep folder>``."""
    if PLACEHOLDER in command:
        if folder is None:
            raise RuntimeError(f"{command}: no sweep before it made a folder")
        command = command.replace(PLACEHOLDER, folder.name)
    return shlex.split(command)


def kind(command: str) -> str:
    """``make``, ``sweep`` (experiments.run -m), ``run`` or ``report``."""
    words = shlex.split(command)
    if words[0] == "make":
        return "make"
    module = words[words.index("-m") + 1] if "-m" in words else ""
    if module == "experiments.report":
        return "report"
    return "sweep" if module == "experiments.run" and "-m" in words[words.index("-m") + 2:] else "run"


def answers(report: Path) -> list[str]:
    """The stress test's answers in a report.md: its lines "- Lowest stipend ...", without the bold marks."""
    return [line.replace("**", "") for line in ANSWER.findall(report.read_text())] if report.exists() else []


def jobs(folder: Path) -> int:
    """The complete jobs of a sweep folder (those with a summary.json)."""
    return sum(1 for _ in folder.glob("*/summary.json"))


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    return {"cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "cpu": cpu, "python": platform.python_version()}


def walk(text: str, cwd: Path = ROOT) -> list[dict]:
    """Run every command of the first screen in ``cwd``, as written; each step's command as the README has it,
    as it ran (the sweep folder filled in), its wall time, and a sweep's complete jobs or a report's answers."""
    steps, folder = [], None
    for command in commands(text):
        k = kind(command)
        if command == "make test":
            steps.append({"command": command, "kind": k, "seconds": None})
            continue
        words = argv(command, folder)
        before = set((cwd / SWEEPS).iterdir()) if (cwd / SWEEPS).is_dir() else set()
        print(f"$ {shlex.join(words)}", flush=True)
        start = time.perf_counter()
        done = subprocess.run(words, cwd=cwd, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{command}: exit code {done.returncode}")
        step = {"command": command, "ran": shlex.join(words), "kind": k, "seconds": round(seconds, 1)}
        if k == "sweep":
            (folder,) = set((cwd / SWEEPS).iterdir()) - before
            step["jobs"] = jobs(folder)
        if k == "report":
            step["answers"] = answers(folder / "report.md")
        steps.append(step)
        print(f"  {seconds:.1f} s", flush=True)
    return steps


def main(argv: list[str] | None = None) -> int:
    from tools import doc_numbers

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the README's generated table of the steps")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    try:
        steps = walk(README.read_text())
    except RuntimeError as error:  # a step of the README that failed: one line, and nothing recorded
        print(f"error: {error}", file=sys.stderr)
        return 1
    record = {"date": date.today().isoformat(), "commit": commit.stdout.strip(), "machine": machine(),
              "steps": steps}
    WALKTHROUGH.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {WALKTHROUGH.relative_to(ROOT)}")
    if args.write:
        doc_numbers.write_blocks()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
