from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("optuna_user_script.py")


def test_optuna_user_script_runs_unchanged_on_parzen():
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("OK")


@pytest.mark.skipif(importlib.util.find_spec("optuna") is None, reason="optuna not installed")
def test_the_script_is_genuine_optuna_code():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "optuna"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
