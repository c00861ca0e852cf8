"""The package's lazy loading, the missing-framework errors and the shared reporting logic."""

from __future__ import annotations

import copy
import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import parzen
import parzen.integrations
from parzen.integrations._common import (
    Reporter,
    guess_higher_is_better,
    lookup_metric,
    missing_framework_error,
    require_version,
    version_tuple,
)
from parzen.trial import FrozenTrial

# Public name -> (module file, framework module to hide, extra, constructor arguments).
CALLBACKS = {
    "CatBoostPruningCallback": ("catboost", "catboost", "catboost", ("Logloss",)),
    "KerasPruningCallback": ("keras", "keras", "keras", ("val_loss",)),
    "LightGBMPruningCallback": ("lightgbm", "lightgbm", "lightgbm", ("auc",)),
    "PyTorchLightningPruningCallback": ("lightning", "lightning", "lightning", ("val_loss",)),
    "XGBoostPruningCallback": ("xgboost", "xgboost", "xgboost", ("validation-logloss",)),
}


def test_importing_the_package_imports_no_framework() -> None:
    code = (
        "import sys, parzen, parzen.integrations\n"
        "from parzen import integration\n"
        "assert integration is parzen.integrations\n"
        "heavy = {'lightgbm', 'xgboost', 'catboost', 'keras', 'lightning', 'torch', 'sklearn',\n"
        "         'mlflow', 'wandb', 'tensorboard', 'dask'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "[]"


def test_names_resolve_lazily_to_their_modules() -> None:
    exported = set(parzen.integrations.__all__)
    assert set(CALLBACKS) <= exported
    assert exported == set(parzen.integrations._MODULES)  # every export has a module
    assert exported <= set(dir(parzen.integrations))
    pytest.importorskip("lightgbm")
    from parzen.integrations.lightgbm import LightGBMPruningCallback

    assert parzen.integrations.LightGBMPruningCallback is LightGBMPruningCallback


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchCallback"):
        parzen.integrations.NoSuchCallback  # noqa: B018
    assert not hasattr(parzen.integrations, "NoSuchCallback")


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_missing_framework_names_the_extra(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    module_name, framework, extra, args = CALLBACKS[name]
    # Load a fresh copy of the adapter's module while its framework cannot be imported.
    for loaded in list(sys.modules):
        if loaded == framework or loaded.startswith(framework + "."):
            monkeypatch.delitem(sys.modules, loaded)
    monkeypatch.setitem(sys.modules, framework, None)
    source = Path(parzen.integrations.__file__).with_name(f"{module_name}.py")
    spec = importlib.util.spec_from_file_location(f"_parzen_test_{module_name}", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    study = parzen.create_study()
    with pytest.raises(ImportError, match=rf'pip install "parzen\[{extra}\]"'):
        getattr(module, name)(study.ask(), *args)


def test_version_checks() -> None:
    assert version_tuple("2.1.0rc1") == (2, 1, 0)
    assert version_tuple("1.7.0.post0") == (1, 7, 0)
    assert version_tuple("3.15.1+cpu") == (3, 15, 1)
    require_version("X", "pkg", "pkg", "3.3.5", (3, 3))
    with pytest.raises(ImportError, match=r"pkg>=3\.3, but pkg 3\.2\.1 is installed"):
        require_version("X", "pkg", "pkg", "3.2.1", (3, 3))


def test_missing_framework_message_quotes_the_cause() -> None:
    error = missing_framework_error("A", "pkg", "extra", ModuleNotFoundError("no pkg"))
    assert "(no pkg)" in str(error) and 'pip install "parzen[extra]"' in str(error)


def test_lookup_metric_lists_what_exists() -> None:
    assert lookup_metric({"loss": 1.0}, "loss") == 1.0
    with pytest.raises(ValueError) as info:
        lookup_metric({"val_loss": 1.0, "loss": 2.0}, "val_los", where=" in logs", hint="Fix.")
    assert str(info.value) == (
        "The metric 'val_los' was not found in logs; available metrics: 'loss', 'val_loss'. Fix."
    )
    with pytest.raises(ValueError, match="available metrics: none"):
        lookup_metric({}, "loss")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("val_loss", False),
        ("validation-logloss", False),
        ("valid_0-rmse", False),
        ("val_accuracy", True),
        ("validation_0-auc", True),
        ("test-ndcg@5", True),
        ("val/acc", True),
        ("score", None),
        ("acc_loss", None),
    ],
)
def test_guess_higher_is_better(name: str, expected: bool | None) -> None:
    assert guess_higher_is_better(name) is expected


def test_reporter_reports_then_asks_the_pruner() -> None:
    class PruneAtOne(parzen.pruners.BasePruner):
        def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
            return 1 in trial.intermediate_values

    study = parzen.create_study(pruner=PruneAtOne())
    trial = study.ask()
    reporter = Reporter(trial, adapter="Test")
    assert reporter.report(0.5, 0) is False
    assert reporter.report(0.25, 1) is True
    assert study._storage.get_trial(trial._trial_id).intermediate_values == {0: 0.5, 1: 0.25}
    error = reporter.pruned(1)
    assert isinstance(error, parzen.TrialPruned) and "step 1" in str(error)


def test_reporter_deep_copy_shares_the_trial() -> None:
    study = parzen.create_study()
    trial = study.ask()
    reporter = Reporter(trial, adapter="Test")
    assert copy.deepcopy(reporter).trial is trial


def test_direction_warning_once_and_only_on_a_contradiction() -> None:
    minimizing = parzen.create_study(direction="minimize")
    reporter = Reporter(minimizing.ask(), adapter="Test")
    with pytest.warns(UserWarning, match="'auc', for which higher is better.*maximize"):
        reporter.check_direction("auc", True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reporter.check_direction("auc", True)  # warned already
        Reporter(minimizing.ask(), adapter="Test").check_direction("loss", False)
        Reporter(minimizing.ask(), adapter="Test").check_direction("score", None)
        maximizing = parzen.create_study(direction="maximize")
        Reporter(maximizing.ask(), adapter="Test").check_direction("auc", True)
    with pytest.warns(UserWarning, match="'loss', for which lower is better.*minimize"):
        Reporter(maximizing.ask(), adapter="Test").check_direction("loss", False)


def test_fixed_trial_is_accepted() -> None:
    reporter = Reporter(parzen.trial.FixedTrial({}), adapter="Test")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reporter.check_direction("auc", True)  # no study, no direction to contradict
    assert reporter.report(1.0, 0) is False


def test_parzen_integration_submodules_are_parzen_integrations_submodules() -> None:
    # In a fresh process, so that the alias is what first imports the submodule.
    code = (
        "import parzen.integration.lightgbm as alias\n"
        "import parzen.integrations.lightgbm as module\n"
        "from parzen.integration import lightgbm as attribute\n"
        "from parzen.integration.sklearn import OptunaSearchCV\n"
        "import parzen as optuna\n"
        "assert alias is module is attribute\n"
        "assert module.__spec__.name == 'parzen.integrations.lightgbm'\n"
        "assert OptunaSearchCV is optuna.integration.OptunaSearchCV\n"
        "assert optuna.integration.LightGBMPruningCallback is module.LightGBMPruningCallback\n"
        "print('ok')\n"
    )
    pytest.importorskip("lightgbm")
    pytest.importorskip("sklearn")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "ok", result.stderr
