"""Sessions: the test suite, lint, type checks, and each adapter against the oldest and
newest framework versions we support.

    nox -s tests            # the whole suite with the newest of everything
    nox -s lint typecheck
    nox -s "adapter(lightgbm, 3.3.5)"   # one adapter at one framework version
    nox -t adapters-newest  # every adapter at its newest supported version (what CI runs)
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
ROOT = Path(__file__).resolve().parent
TORCH = "torch==2.13.0"  # a CPU build; an unpinned torch pulls a multi-gigabyte CUDA build
OPTUNA = ["optuna==5.0.0", "optuna-integration==5.0.0"]  # the peer the parity tests compare

# adapter -> (extra, test files (space-separated), [oldest, newest] framework specs, pins)
# A version entry may carry its own pins, separated by spaces (old releases predate numpy 2).
ADAPTERS: dict[str, tuple[str, str, list[str], list[str]]] = {
    "lightgbm": (
        "lightgbm",
        "tests/integrations/test_lightgbm.py tests/integrations/test_lightgbm_tuner.py",
        ["lightgbm==3.3.5 numpy<2 scikit-learn<1.6", "lightgbm==4.7.0"],
        [],
    ),
    "xgboost": (
        "xgboost",
        "tests/integrations/test_xgboost.py",
        ["xgboost==1.7.6 numpy<2 scikit-learn<1.6", "xgboost==3.2.0"],
        [],
    ),
    "catboost": (
        "catboost",
        "tests/integrations/test_catboost.py",
        ["catboost==1.2 numpy<2", "catboost==1.2.10"],
        ["scikit-learn"],
    ),
    "keras": (
        "keras",
        "tests/integrations/test_keras.py",
        ["keras==3.0.0", "keras==3.15.1"],
        [TORCH],
    ),
    "lightning": (
        "lightning",
        "tests/integrations/test_lightning.py",
        ["lightning==2.0.9 setuptools<81", "lightning==2.6.6"],
        [TORCH],
    ),
    "ignite": (
        "ignite",
        "tests/integrations/test_pytorch_ignite.py",
        ["pytorch-ignite==0.4.11", "pytorch-ignite==0.5.5"],
        [TORCH],
    ),
    # Only the local CPU build of torch is installable here; any other torch is a CUDA build.
    "torch": (
        "torch",
        "tests/integrations/test_pytorch_distributed.py",
        [TORCH],
        [],
    ),
    "sklearn": (
        "sklearn",
        "tests/integrations/test_sklearn.py tests/integrations/test_sklearn_checks.py",
        ["scikit-learn==1.4.2", "scikit-learn==1.9.1"],
        ["pandas>=1.5"],  # DataFrame input, trials_dataframe(), and OptunaSearchCV itself
    ),
    "dask": (
        "dask",
        "tests/integrations/test_dask.py",
        ["dask[distributed]==2022.12.1", "dask[distributed]==2026.8.0"],
        ["psycopg[binary]>=3.1"],  # the PostgreSQL-backed cases
    ),
    "mlflow": (
        "mlflow",
        "tests/integrations/test_mlflow.py",
        ["mlflow==2.18.0 sqlalchemy<2.1", "mlflow==3.17.2"],
        [],
    ),
    "tensorboard": (
        "tensorboard",
        "tests/integrations/test_tensorboard.py",
        ["tensorboard==2.6.0 numpy<2 protobuf<3.21", "tensorboard==2.21.0"],
        [],
    ),
    "wandb": (
        "wandb",
        "tests/integrations/test_wandb.py",
        ["wandb==0.19.10", "wandb==0.31.0"],
        [],
    ),
    # skrub 0.7 imports joblib.externals.cloudpickle, which joblib 1.6 removed.
    "skrub": (
        "skrub",
        "tests/integrations/test_skrub.py",
        ["skrub==0.7.0 joblib<1.6", "skrub==0.11.0"],
        ["plotly>=5.0"],  # plot_results()
    ),
    # Own sessions, not in the test extra: fastai's torchvision requirement must match the
    # CPU torch build (beside it torchvision cannot even import: fastai.basics, which the
    # adapter needs, does not import it). fastai 2.8.7 predates fastcore 1.9.
    "fastai": (
        "fastai",
        "tests/integrations/test_fastai.py",
        ["fastai==2.8.7 fastcore<1.9", "fastai==2.8.12"],
        [TORCH],
    ),
    # tensorflow-cpu is 1.3 GB. tf-keras requires `tensorflow` (not -cpu): "nodeps:" installs
    # it with --no-deps beside tensorflow-cpu. TensorFlow 2.16 predates numpy 2.
    "tensorflow": (
        "tensorflow",
        "tests/integrations/test_tfkeras.py tests/integrations/test_keras_tensorflow.py",
        [
            "tensorflow-cpu==2.16.2 numpy<2 nodeps:tf-keras==2.16.0",
            "tensorflow-cpu==2.21.0 nodeps:tf-keras==2.21.0",
        ],
        [],
    ),
}


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site in strict mode: a broken reference fails."""
    session.install("-e", ".[docs]")
    session.run("python", "-m", "mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[lint,test]")
    session.run("mypy")


def _adapter_params() -> list[nox.param]:
    params = []
    for name, (_, _, versions, _) in ADAPTERS.items():
        for i, version in enumerate(versions):
            tags = ["adapters", f"adapter-{name}"]
            if i == len(versions) - 1:
                tags.append("adapters-newest")
            params.append(nox.param(name, version, id=f"{name}, {version}", tags=tags))
    return params


@nox.session(python=PYTHON)
@nox.parametrize(("adapter", "version"), _adapter_params())
def adapter(session: nox.Session, adapter: str, version: str) -> None:
    extra, test_file, _, pins = ADAPTERS[adapter]
    # The torch pin goes into every install, or a dependency (fastai's torchvision) may
    # replace the CPU build with a CUDA one.
    torch_pins = [TORCH] if any(p.startswith("torch") for p in pins) else []
    if torch_pins:
        session.install(TORCH)
    specs = version.split()
    session.install("-e", f".[{extra}]", "pytest", *torch_pins)
    session.install(
        *[s for s in specs if not s.startswith("nodeps:")],
        *[p for p in pins if not p.startswith("torch")],
        *torch_pins,
    )
    no_deps = [s.removeprefix("nodeps:") for s in specs if s.startswith("nodeps:")]
    if no_deps:
        session.install("--no-deps", *no_deps)
    # The side-by-side checks against optuna-integration need it; the framework's pins are
    # repeated so that installing it cannot move them.
    session.install(
        *OPTUNA,
        *[s for s in specs if not s.startswith("nodeps:")],
        *[p for p in pins if not p.startswith("torch")],
        *torch_pins,
    )
    # Worker processes (Dask's) unpickle objectives by reference to the test module.
    session.run("pytest", *test_file.split(), *session.posargs, env={"PYTHONPATH": str(ROOT)})
