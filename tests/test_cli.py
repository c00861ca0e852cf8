"""The ``parzen`` command, in-process (``parzen.cli.main``) and as a subprocess."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import parzen
from parzen.cli import main
from parzen.trial import TrialState

SEARCH_SPACE = json.dumps(
    {
        "x": {"name": "FloatDistribution", "attributes": {"low": -1.0, "high": 1.0}},
        "c": {"name": "CategoricalDistribution", "attributes": {"choices": ["a", "b"]}},
    }
)


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PARZEN_STORAGE", raising=False)
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_and_tell_round_trip(storage: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "create-study", "--storage", storage, "--study-name", "s")[:2] == (
        0,
        "s\n",
    )
    code, out, _ = run(
        capsys,
        "ask",
        "--storage",
        storage,
        "--study-name",
        "s",
        "--search-space",
        SEARCH_SPACE,
        "--sampler",
        "RandomSampler",
        "--sampler-kwargs",
        '{"seed": 0}',
    )
    assert code == 0
    asked = json.loads(out)
    assert asked["number"] == 0 and set(asked["params"]) == {"x", "c"}
    assert -1 <= asked["params"]["x"] <= 1 and asked["params"]["c"] in ("a", "b")

    code, _, _ = run(
        capsys,
        "tell",
        "--storage",
        storage,
        "--study-name",
        "s",
        "--trial-number",
        "0",
        "--values",
        "1.5",
    )
    assert code == 0
    trial = parzen.load_study(study_name="s", storage=storage).trials[0]
    assert trial.state == TrialState.COMPLETE and trial.value == 1.5
    assert trial.params == asked["params"]


def test_tell_states_and_finished_trials(storage: str, capsys: pytest.CaptureFixture[str]) -> None:
    study = parzen.create_study(storage=storage, study_name="s")
    study.ask()
    study.ask()
    base = ["--storage", storage, "--study-name", "s"]
    assert run(capsys, "tell", *base, "--trial-number", "0", "--state", "pruned")[0] == 0
    assert run(capsys, "tell", *base, "--trial-number", "1", "--state", "FAIL")[0] == 0
    assert [t.state for t in study.trials] == [TrialState.PRUNED, TrialState.FAIL]
    code, _, err = run(capsys, "tell", *base, "--trial-number", "0", "--values", "1")
    assert code == 1 and "already finished" in err
    assert (
        run(capsys, "tell", *base, "--trial-number", "0", "--values", "1", "--skip-if-finished")[0]
        == 0
    )


def test_output_formats(storage: str, capsys: pytest.CaptureFixture[str]) -> None:
    study = parzen.create_study(storage=storage, study_name="fmt", direction="maximize")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    base = ["--storage", storage, "--study-name", "fmt"]

    code, out, _ = run(capsys, "trials", *base, "-f", "json")
    rows = json.loads(out)
    assert code == 0 and [r["number"] for r in rows] == [0, 1, 2]
    assert rows[0]["state"] == "COMPLETE" and set(rows[0]["params"]) == {"x"}

    _, out, _ = run(capsys, "trials", *base, "-f", "json", "--flatten")
    assert "params_x" in json.loads(out)[0]

    _, out, _ = run(capsys, "best-trial", *base, "-f", "json")
    assert json.loads(out)["value"] == study.best_value

    _, out, _ = run(capsys, "trials", *base)
    lines = out.splitlines()
    assert lines[0].startswith("+-") and "| number |" in lines[1] and len(lines) == 3 + 3 + 1

    _, out, _ = run(capsys, "trials", *base, "-f", "value")
    assert len(out.splitlines()) == 3 and out.split()[0] == "0"

    _, out, _ = run(capsys, "studies", "--storage", storage, "-f", "json")
    (listed,) = json.loads(out)
    started = datetime.datetime.fromisoformat(listed.pop("datetime_start"))
    assert listed == {"name": "fmt", "direction": ["MAXIMIZE"], "n_trials": 3}
    # The study's first trial started during this test, not at some fixed or default time.
    first = parzen.load_study(study_name="fmt", storage=storage).trials[0].datetime_start
    assert first is not None and started == first.replace(microsecond=0)

    yaml = pytest.importorskip("yaml")
    _, out, _ = run(capsys, "study-names", "--storage", storage, "-f", "yaml")
    assert yaml.safe_load(out) == [{"name": "fmt"}]


def test_yaml_without_pyyaml_is_a_clear_error(
    storage: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    parzen.create_study(storage=storage, study_name="y")
    monkeypatch.setitem(sys.modules, "yaml", None)
    code, _, err = run(capsys, "study-names", "--storage", storage, "-f", "yaml")
    assert code == 1 and "pip install pyyaml" in err


def test_multi_objective_best_trials(storage: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys,
            "create-study",
            "--storage",
            storage,
            "--study-name",
            "mo",
            "--directions",
            "minimize",
            "maximize",
        )[0]
        == 0
    )
    study = parzen.load_study(study_name="mo", storage=storage)
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=4)
    code, out, _ = run(
        capsys, "best-trials", "--storage", storage, "--study-name", "mo", "-f", "json"
    )
    assert code == 0
    assert sorted(r["number"] for r in json.loads(out)) == sorted(
        t.number for t in study.best_trials
    )
    code, _, err = run(capsys, "best-trial", "--storage", storage, "--study-name", "mo")
    assert code == 2 and "best-trials" in err


def test_create_skip_if_exists_and_delete(
    storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--storage", storage, "--study-name", "d"]
    assert run(capsys, "create-study", *base, "--direction", "maximize")[0] == 0
    code, _, err = run(capsys, "create-study", *base)
    assert code == 1 and "already exists" in err
    assert run(capsys, "create-study", *base, "--skip-if-exists")[:2] == (0, "d\n")
    assert run(capsys, "delete-study", *base)[0] == 0
    assert parzen.get_all_study_names(storage) == []


def test_errors_name_what_to_do(storage: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "studies")
    assert code == 2 and "PARZEN_STORAGE" in err
    parzen.create_study(storage=storage, study_name="other")
    code, _, err = run(capsys, "trials", "--storage", storage, "--study-name", "nope")
    assert code == 1 and "No study named 'nope'" in err
    code, _, err = run(capsys, "ask", "--storage", storage, "--study-name", "nope")
    assert code == 1 and "create-study" in err
    parzen.create_study(storage=storage, study_name="s")
    code, _, err = run(
        capsys, "ask", "--storage", storage, "--study-name", "s", "--sampler", "NoSuchSampler"
    )
    assert code == 2 and "RandomSampler" in err
    with pytest.raises(SystemExit):
        main(["ask", "--storage", storage, "--study-name", "s", "--search-space", "{oops"])
    assert "not valid JSON" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [
        ["studies"],
        ["study-names"],
        ["trials", "--study-name", "s"],
        ["best-trial", "--study-name", "s"],
        ["best-trials", "--study-name", "s"],
        ["ask", "--study-name", "s"],
        ["tell", "--study-name", "s", "--trial-number", "0", "--values", "1"],
        ["delete-study", "--study-name", "s"],
    ],
)
@pytest.mark.parametrize("spec", ["sqlite:///{dir}/typo.db", "{dir}/typo.log"])
def test_commands_that_only_read_create_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], spec: str
) -> None:
    code, _, err = run(capsys, *command, "--storage", spec.format(dir=tmp_path))
    assert code == 1
    assert "does not exist" in err and "typo" in err
    assert os.listdir(tmp_path) == []


def test_commands_that_only_read_create_no_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    path = tmp_path / "empty.db"
    sqlite3.connect(path).execute("CREATE TABLE unrelated (x)").connection.close()
    code, _, err = run(capsys, "studies", "--storage", f"sqlite:///{path}")
    assert code == 1 and "no parzen schema" in err
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("unrelated",)]


def test_journal_files_work_as_storage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    journal = str(tmp_path / "journal.log")
    assert run(capsys, "create-study", "--storage", journal, "--study-name", "j")[0] == 0
    assert run(capsys, "ask", "--storage", journal, "--study-name", "j")[0] == 0
    assert (
        run(
            capsys,
            "tell",
            "--storage",
            journal,
            "--study-name",
            "j",
            "--trial-number",
            "0",
            "--values",
            "2.5",
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "trials", "--storage", journal, "--study-name", "j", "-f", "json")
    assert code == 0 and json.loads(out)[0]["value"] == 2.5


def test_storage_from_environment(
    storage: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARZEN_STORAGE", storage)
    assert run(capsys, "create-study", "--study-name", "env")[0] == 0
    assert run(capsys, "study-names")[1] == "env\n"


def test_storage_upgrade_on_a_current_database(
    storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "storage", "upgrade", "--storage", storage)
    assert code == 0 and "v1" in out
    code, out, _ = run(capsys, "storage", "upgrade", "--storage", storage)
    assert code == 0 and "up to date" in out


def test_subprocess(storage: str) -> None:
    env = {**os.environ, "PARZEN_STORAGE": storage}

    def parzen_cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "parzen.cli", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    created = parzen_cli("create-study", "--study-name", "sub")
    assert (created.returncode, created.stdout) == (0, "sub\n")
    assert "A new study created" in created.stderr  # logs go to stderr, results to stdout
    asked = parzen_cli("ask", "--study-name", "sub", "--search-space", SEARCH_SPACE)
    assert asked.returncode == 0 and json.loads(asked.stdout)["number"] == 0
    missing = parzen_cli("trials", "--study-name", "missing")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_storage_import_copies_studies_from_an_optuna_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    source = f"sqlite:///{tmp_path / 'optuna.db'}"
    for name in ("a", "b"):
        optuna.create_study(storage=source, study_name=name).optimize(
            lambda t: t.suggest_float("x", 0, 1), n_trials=3
        )
    destination = str(tmp_path / "parzen.log")
    code, out, _ = run(
        capsys, "storage", "import", source, destination, "--study", "b", "-f", "json"
    )
    assert code == 0
    assert json.loads(out) == [
        {"study": "b", "status": "imported", "trials": 3, "skipped_values": 0, "detail": ""}
    ]
    storage = parzen.storages.JournalStorage(
        parzen.storages.journal.JournalFileBackend(destination)
    )
    assert parzen.get_all_study_names(storage) == ["b"]
    theirs = optuna.load_study(study_name="b", storage=source).trials
    ours = parzen.load_study(study_name="b", storage=storage).trials
    assert [(t.params, t.values) for t in ours] == [(t.params, t.values) for t in theirs]

    code, out, err = run(capsys, "storage", "import", source, destination, "--study", "nope")
    assert code == 1 and "no study named 'nope'" in err and out == ""


def test_commands_refuse_an_optuna_database_and_leave_it_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    path = tmp_path / "optuna.db"
    optuna.create_study(storage=f"sqlite:///{path}", study_name="s")
    before = path.read_bytes()
    for command in (
        ["studies"],
        ["create-study", "--study-name", "t"],
        ["storage", "upgrade"],
    ):
        code, _, err = run(capsys, *command, "--storage", f"sqlite:///{path}")
        assert code == 1, command
        assert "Optuna" in err and "parzen storage import" in err, command
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["optuna.db"]
