#!/usr/bin/env python3
"""Emulated robot Python environments: the README's robot install lines, followed literally, on the Python,
numpy and OpenCV that apt gives each robot the README names.

A robot's apt packages live in /usr/lib/python3/dist-packages, after a venv's own site-packages (a venv made
with --system-site-packages) or as the system site (pip --break-system-packages). Each environment here is a
fresh venv of the robot's Python version with PyPI wheels of the apt versions installed into a folder that a
.pth file puts after the venv's site-packages: pip sees them as installed and cannot remove them, as on a
robot. Then, per environment:

1. the ``pip install`` lines of the README's robot section, read from README.md and run as written from a
   workspace whose src/edge_ocr_ros is this repository;
2. check that apt's OpenCV still imports and numpy stayed 1.x;
3. install the project (``pip install --no-deps .``), pytest and hypothesis;
4. run the engine tests (everything but the ROS graph, launch and TensorFlow training tests);
5. run ``edge-ocr`` on the bundled sample signs and compare the words with this venv's own reading;
6. with ``--devset DIR``, score the dev set (docs/robots.md quotes the table of such a run).

Usage: python scripts/robot_envs.py [--only humble bookworm jazzy] [--devset ../shared/devset] [--out docs]
Environments go to .robots/ (ignored by git) and are rebuilt from scratch on every run.
A Python version missing on this machine skips its environment with a note (exit 0); any failure exits 1.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# the ROS graph tests need a built workspace; the training tools (TensorFlow, Pillow, fonts) never go on a robot
ENGINE_TESTS_SKIPPED = ("test_node_graph.py", "test_launch.py", "test_training.py", "test_sign_styles.py")
# hypothesis 6.168.5 is the last release that installs on Python 3.10 (constraints.txt pins a newer one for 3.11)
ROBOT_TEST_PINS = ("hypothesis==6.168.5", "sortedcontainers==2.4.0")
ROBOT_SECTION = "## On a robot"


def readme_pip_lines(readme: Path = REPO / "README.md") -> list[list[str]]:
    """The ``pip install`` lines of the README's robot section, as written there (comments dropped); they
    run from the workspace root, where the repository is src/edge_ocr_ros."""
    text = readme.read_text(encoding="utf-8")
    section = text[text.index(ROBOT_SECTION):]
    block = section[section.index("```bash") + len("```bash"):]
    block = block[: block.index("```")]
    lines = [line.split("#")[0].split() for line in block.splitlines() if line.strip().startswith("pip install")]
    if not lines:
        raise SystemExit(f"no pip line in the README's '{ROBOT_SECTION}' section")
    return lines


@dataclass(frozen=True)
class Robot:
    name: str
    python: str
    apt: tuple[str, ...]  # PyPI wheels standing in for the distribution's apt packages
    note: str = ""


ROBOTS = {
    "humble": Robot("ROS 2 Humble (Ubuntu 22.04)", "3.10",
                    ("numpy==1.21.5", "opencv-python-headless==4.5.4.60", "PyYAML==6.0", "tqdm==4.57.0", "pillow==9.0.1"),
                    "apt's PyYAML is 5.4.1, which has no Python 3.10 wheel on PyPI; 6.0 stands in (only safe_load is used)"),
    "bookworm": Robot("Raspberry Pi OS Bookworm (reference Pi 4)", "3.11",
                      ("numpy==1.24.2", "opencv-python-headless==4.6.0.66", "PyYAML==6.0", "tqdm==4.64.1", "pillow==9.4.0")),
    "jazzy": Robot("ROS 2 Jazzy / Kilted (Ubuntu 24.04)", "3.12",
                   ("numpy==1.26.4", "opencv-python-headless==4.6.0.66", "PyYAML==6.0.1", "tqdm==4.66.2", "pillow==10.2.0")),
}


def run(cmd: list[str], cwd: Path = REPO, check: bool = True, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, **kw)
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def find_python(version: str) -> str | None:
    """python3.X on PATH, or in pyenv's versions."""
    found = shutil.which(f"python{version}")
    if found:
        probe = subprocess.run([found, "-c", "import venv"], capture_output=True)
        if probe.returncode == 0:
            return found
    for candidate in sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}")):
        return str(candidate)
    return None


def sample_words(python: str) -> list[list[str]]:
    """The texts edge-ocr reads on each sample sign with ``python``'s environment."""
    images = sorted(str(p) for p in (REPO / "samples" / "signs").glob("*.jpg"))
    out = run([python, "-m", "edge_ocr_ros.tools.cli", "--image", *images, "--json", "-q"], cwd=Path("/"))
    return [[w["text"] for w in json.loads(line)["words"]] for line in out.stdout.splitlines()]


def build(robot: Robot, home: Path, python: str) -> dict:
    """Make the environment, follow the README line in it, and report what it holds."""
    shutil.rmtree(home, ignore_errors=True)
    run([python, "-m", "venv", str(home)])
    py, pip = str(home / "bin" / "python"), [str(home / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    apt = home / "apt-dist-packages"
    run([*pip, "install", "--no-deps", "--target", str(apt), *robot.apt])
    site = run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    Path(site, "zz_apt_dist_packages.pth").write_text(f"{apt}\n")  # after site-packages, as dist-packages
    before = run([py, "-c", "import numpy, cv2; print(numpy.__version__, cv2.__version__)"]).stdout.split()
    workspace = home / "ros2_ws"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "edge_ocr_ros").symlink_to(REPO)
    for line in readme_pip_lines():
        run([*pip, *line[1:]], cwd=workspace)
    after = run([py, "-c", "import numpy, cv2, ai_edge_litert; print(numpy.__version__, cv2.__version__, numpy.__file__)"])
    numpy_version, cv2_version, numpy_file = after.stdout.split()
    if int(numpy_version.split(".")[0]) >= 2:
        raise RuntimeError(f"numpy {numpy_version} after the README line: apt's OpenCV cannot run with it")
    run([*pip, "install", "--no-deps", "."])
    run([*pip, "install", "-c", "constraints.txt", "pytest"])
    run([*pip, "install", *ROBOT_TEST_PINS])
    return {"python": run([py, "-c", "import platform; print(platform.python_version())"]).stdout.strip(),
            "apt numpy": before[0], "apt OpenCV": before[1], "numpy after": numpy_version,
            "numpy from": "apt" if str(apt) in numpy_file else "venv (pip)", "OpenCV after": cv2_version}


def check(robot: Robot, home: Path, reference: list[list[str]], devset: Path | None) -> dict:
    py = str(home / "bin" / "python")
    ignore = [f"--ignore=test/{name}" for name in ENGINE_TESTS_SKIPPED]
    tests = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test", *ignore], check=False)
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr[-500:]
    if tests.returncode != 0:
        raise RuntimeError(f"engine tests failed:\n{tests.stdout[-4000:]}")
    words = sample_words(py)
    result = {"engine tests": summary, "sample signs": "same words as the project venv" if words == reference
              else f"DIFFERENT: {words} against {reference}"}
    if words != reference:
        raise RuntimeError(result["sample signs"])
    if devset is not None:
        for kind in ("scenes", "words"):
            out = run([py, "-m", "edge_ocr_ros.tools.cli", "eval", "--gt", str(devset / kind), "--json", "-q"], cwd=Path("/"))
            report = json.loads(out.stdout)
            if kind == "scenes":
                result["dev det F1"] = round(report["detection"]["f1"], 3)
                result["dev e2e F1"] = round(report["end_to_end"]["f1"], 3)
            else:
                result["dev word acc"] = round(report["words"]["accuracy"], 3)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=list(ROBOTS), default=list(ROBOTS))
    parser.add_argument("--devset", type=Path, help="also score this dev set (scenes/ and words/) in each environment")
    parser.add_argument("--out", type=Path, help="write robot_envs.md here")
    args = parser.parse_args()
    reference = sample_words(sys.executable)
    rows, failed = {}, False
    for key in args.only:
        robot = ROBOTS[key]
        python = find_python(robot.python)
        if python is None:
            rows[key] = {"status": f"SKIPPED: no Python {robot.python} on this machine"}
            print(f"{key}: {rows[key]['status']}", flush=True)
            continue
        t0 = time.monotonic()
        try:
            rows[key] = {**build(robot, REPO / ".robots" / key, python),
                         **check(robot, REPO / ".robots" / key, reference, args.devset and args.devset.resolve()),
                         "status": "ok"}
        except RuntimeError as exc:
            rows[key], failed = {"status": f"FAILED: {exc}"}, True
        rows[key]["seconds"] = round(time.monotonic() - t0)
        print(f"{key}: {json.dumps(rows[key])}", flush=True)
    table = render(rows, args)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "robot_envs.md").write_text(table + "\n")
    return 1 if failed else 0


def render(rows: dict, args: argparse.Namespace) -> str:
    keys = ["python", "apt numpy", "apt OpenCV", "numpy after", "numpy from", "OpenCV after", "engine tests",
            "sample signs", "dev det F1", "dev e2e F1", "dev word acc", "status"]
    command = "python scripts/robot_envs.py" + (f" --devset {args.devset}" if args.devset else "")
    pip_lines = "; ".join(f"`{' '.join(line)}`" for line in readme_pip_lines())
    lines = [f"Emulated robot environments (`{command}`): a fresh venv per robot, apt's versions as PyPI wheels in a "
             f"folder after the venv's site-packages, then the README's robot pip line(s) {pip_lines}.", "",
             "| robot | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for key, row in rows.items():
        lines.append(f"| {ROBOTS[key].name} | " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
    notes = [f"- {ROBOTS[k].name}: {ROBOTS[k].note}" for k in rows if ROBOTS[k].note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
