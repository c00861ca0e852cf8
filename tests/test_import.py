from __future__ import annotations

import json
import subprocess
import sys

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
