from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = [
    "sqlalchemy",
    "alembic",
    "pandas",
    "scipy.stats",
    "scipy.optimize",
    "scipy.special",
    "plotly",
    "matplotlib",
    "sklearn",
    "torch",
    "tqdm",
    "lightgbm",
    "xgboost",
    "catboost",
    "lightning",
    "keras",
    "mlflow",
    "wandb",
    "tensorboard",
    "redis",
    "cmaes",
]


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_import_parzen_loads_no_heavy_module():
    assert _loaded_after("import parzen") == []


def test_running_a_study_in_memory_stays_light():
    # The default sampler (TPE) may load scipy.special, nothing heavier.
    code = (
        "import parzen\n"
        "parzen.logging.set_verbosity(parzen.logging.WARNING)\n"
        "s = parzen.create_study()\n"
        "s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=12)\n"
    )
    assert [m for m in _loaded_after(code) if m != "scipy.special"] == []


def test_integrations_package_imports_no_framework():
    assert _loaded_after("import parzen.integrations") == []


@pytest.mark.parametrize(
    "package",
    ["parzen", "parzen.samplers", "parzen.pruners", "parzen.storages", "parzen.integrations"],
)
def test_dir_lists_every_public_name_before_it_is_loaded(package: str) -> None:
    code = (
        "import importlib, json, sys\n"
        f"module = importlib.import_module({package!r})\n"
        "listed = dir(module)\n"
        "print(json.dumps([sorted(set(module.__all__) - set(listed)), "
        "'parzen.samplers._gp' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    missing, gp_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert missing == []
    assert gp_loaded is False  # listing loads nothing


def test_cli_lists_every_sampler_for_a_misspelled_one(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "parzen.cli",
            "--storage",
            f"sqlite:///{tmp_path}/s.db",
            "create-study",
            "--study-name",
            "s",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "parzen.cli",
            "--storage",
            f"sqlite:///{tmp_path}/s.db",
            "ask",
            "--study-name",
            "s",
            "--sampler",
            "TPESamplr",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    for name in ("TPESampler", "GPSampler", "CmaEsSampler", "QMCSampler", "RandomSampler"):
        assert name in result.stderr
