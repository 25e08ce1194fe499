"""Documentation that is generated or quotes the code must match it."""

import importlib.util

from helpers import REPO


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_parameter_docs_are_current():
    assert (REPO / "docs" / "parameters.md").read_text() == load_script("gen_param_docs").render(), \
        "run: python scripts/gen_param_docs.py"


def test_benchmark_tables_in_the_overview_are_the_scripts_own_output():
    text = (REPO / "docs" / "benchmarks.md").read_text()
    assert text.count("<!-- table: ") >= 7
    assert text == load_script("sync_benchmark_tables").render(text), "run: python scripts/sync_benchmark_tables.py"
