"""The ``parzen`` command: manage studies and run ask-and-tell from a shell.

Every command takes ``--storage URL`` (or the ``PARZEN_STORAGE`` environment variable) and
prints its result on standard output as ``-f table`` (default), ``json``, ``yaml`` (needs
PyYAML) or ``value`` (space-separated fields, one record per line); logs go to standard error.

Examples:
    .. code-block:: console

        $ parzen create-study --storage sqlite:///db.sqlite3 --study-name demo
        demo
        $ parzen ask --storage sqlite:///db.sqlite3 --study-name demo \\
              --search-space '{"x": {"name": "FloatDistribution",
                                    "attributes": {"low": 0, "high": 1}}}'
        {"number": 0, "params": {"x": 0.37}}
        $ parzen tell --storage sqlite:///db.sqlite3 --study-name demo \\
              --trial-number 0 --values 0.8
        $ parzen best-trial --storage sqlite:///db.sqlite3 --study-name demo -f json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen.exceptions import CLIUsageError, ParzenError
from parzen.version import __version__

if TYPE_CHECKING:
    from parzen.storages import BaseStorage
    from parzen.study import Study
    from parzen.trial import FrozenTrial

STORAGE_ENV = "PARZEN_STORAGE"
FORMATS = ("table", "json", "yaml", "value")

_logger = parzen_logging.get_logger(__name__)

Record = dict[str, Any]


@dataclasses.dataclass
class _Output:
    """What a command prints: records with their columns; ``single`` for one object."""

    records: list[Record]
    columns: list[str]
    single: bool = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``parzen`` command with ``argv`` (default: ``sys.argv[1:]``); return its status.

    Examples:
        >>> from parzen.cli import main
        >>> main(["--version"])  # doctest: +SKIP
        parzen 0.1.0
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["dashboard"]:
        # The dashboard parses its own options; argparse would swallow them here.
        from parzen.dashboard import main as dashboard_main

        return dashboard_main(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    _configure_logging(args)
    try:
        output = args.handler(args)
    except CLIUsageError as e:
        print(f"parzen {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (ParzenError, KeyError, ValueError, TypeError, RuntimeError, ImportError) as e:
        if args.debug:
            raise
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"parzen {args.command}: error: {message}", file=sys.stderr)
        return 1
    if isinstance(output, int):
        return output
    if output is not None:
        try:
            print(_render(output, args.format))
        except ImportError as e:
            print(f"parzen {args.command}: error: {e}", file=sys.stderr)
            return 1
    return 0


# -- arguments --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a flag given before the command is not overwritten by the subparser default.
    common.add_argument(
        "--storage",
        default=argparse.SUPPRESS,
        help="database URL (e.g. sqlite:///example.db), redis:// URL of a journal, or the "
        f"path of a journal or SQLite file (default: ${STORAGE_ENV})",
    )
    verbosity = common.add_mutually_exclusive_group()
    verbosity.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS, help="log more"
    )
    verbosity.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log warnings and errors only",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks on errors",
    )

    parser = argparse.ArgumentParser(
        prog="parzen",
        description="Manage parzen studies in a storage and run ask-and-tell from a shell.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"parzen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, help: str, handler: Callable[[argparse.Namespace], Any], fmt: str | None
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help, parents=[common])
        sub.set_defaults(handler=handler)
        if fmt is not None:
            sub.add_argument(
                "-f", "--format", choices=FORMATS, default=fmt, help=f"output format ({fmt})"
            )
        return sub

    def study_name(sub: argparse.ArgumentParser, *, required: bool = True) -> None:
        sub.add_argument("--study-name", required=required, help="name of the study")

    def directions(sub: argparse.ArgumentParser) -> None:
        group = sub.add_mutually_exclusive_group()
        group.add_argument("--direction", choices=("minimize", "maximize"), type=str.lower)
        group.add_argument(
            "--directions",
            nargs="+",
            choices=("minimize", "maximize"),
            type=str.lower,
            help="one direction per objective",
        )

    sub = command("create-study", "Create a new study; print its name.", _create_study, None)
    study_name(sub, required=False)
    directions(sub)
    sub.add_argument(
        "--skip-if-exists", action="store_true", help="do nothing if the study already exists"
    )

    sub = command("delete-study", "Delete a study and its trials.", _delete_study, None)
    study_name(sub)

    command("studies", "List the studies.", _studies, "table")
    command("study-names", "List the names of the studies.", _study_names, "value")

    for name, help, handler in (
        ("trials", "List the trials of a study.", _trials),
        ("best-trial", "Show the best trial of a single-objective study.", _best_trial),
        ("best-trials", "List the Pareto-optimal trials of a study.", _best_trials),
    ):
        sub = command(name, help, handler, "table")
        study_name(sub)
        sub.add_argument(
            "--flatten", action="store_true", help="one column per parameter (params_x, ...)"
        )

    sub = command(
        "ask",
        "Start a trial and suggest its parameters; print its number and params.",
        _ask,
        "json",
    )
    study_name(sub)
    directions(sub)
    sub.add_argument(
        "--sampler",
        help="sampler class in parzen.samplers, e.g. TPESampler (default: the study's default)",
    )
    sub.add_argument(
        "--sampler-kwargs",
        type=_json_object("--sampler-kwargs"),
        default=None,
        help="keyword arguments of the sampler as a JSON object, e.g. '{\"seed\": 0}'",
    )
    sub.add_argument(
        "--search-space",
        type=_json_object("--search-space"),
        default=None,
        help="JSON object mapping each parameter name to a distribution as written by "
        'parzen.distributions.distribution_to_json, e.g. \'{"x": {"name": '
        '"FloatDistribution", "attributes": {"low": 0, "high": 1}}}\'',
    )
    sub.add_argument("--flatten", action="store_true", help="one field per parameter")

    sub = command("tell", "Finish a trial started with ask.", _tell, None)
    study_name(sub)
    sub.add_argument("--trial-number", type=int, required=True, help="number of the trial")
    sub.add_argument("--values", type=float, nargs="+", help="objective value(s)")
    sub.add_argument(
        "--state",
        choices=("complete", "pruned", "fail"),
        type=str.lower,
        help="final state (default: complete when values are given)",
    )
    sub.add_argument(
        "--skip-if-finished",
        action="store_true",
        help="do nothing, instead of failing, if the trial has already finished",
    )

    commands.add_parser(
        "dashboard",
        add_help=False,
        help="Serve a live, read-only web dashboard: parzen dashboard STORAGE [--host H] "
        "[--port P].",
    )
    storage = commands.add_parser(
        "storage", help="Manage the storage itself.", description="Manage the storage itself."
    )
    storage_commands = storage.add_subparsers(dest="storage_command", metavar="COMMAND")
    sub = storage_commands.add_parser(
        "upgrade",
        help="Upgrade the schema of a relational-database storage to this parzen's.",
        description="Run the pending schema migrations of an RDB storage (back it up first).",
        parents=[common],
    )
    sub.set_defaults(handler=_storage_upgrade, command="storage upgrade")
    sub = storage_commands.add_parser(
        "verify",
        help="Check a journal file for damaged records (exit status 1 if any).",
        description="Report the damaged, torn, duplicated and orphaned lines of a journal "
        "file; change nothing. Exit status 0: intact; 1: damage found.",
        parents=[common],
    )
    sub.add_argument("path", metavar="PATH", help="the journal file")
    sub.set_defaults(handler=_storage_verify, command="storage verify")
    sub = storage_commands.add_parser(
        "repair",
        help="Write a repaired copy of a journal file (never in place).",
        description="Write to OUT a copy of the journal file PATH that keeps every intact "
        "record and drops damaged, torn and duplicated lines. PATH is never changed.",
        parents=[common],
    )
    sub.add_argument("path", metavar="PATH", help="the journal file")
    sub.add_argument("out", metavar="OUT", help="the repaired copy to write (must not exist)")
    sub.set_defaults(handler=_storage_repair, command="storage repair")
    sub = storage_commands.add_parser(
        "import",
        help="Copy the studies of an Optuna storage into a parzen storage.",
        description="Copy studies, with all their trials, from a storage that Optuna wrote "
        "(database URL, SQLite or journal file, redis:// journal) into a parzen storage "
        "(database URL, journal file path, redis:// URL). The source is only read; values "
        "Optuna pickled are skipped and reported.",
        parents=[common],
    )
    sub.add_argument("src", metavar="SRC", help="the Optuna storage")
    sub.add_argument("dst", metavar="DST", help="the parzen storage (created if new)")
    sub.add_argument(
        "--study",
        dest="studies",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="copy only these studies (default: all)",
    )
    sub.add_argument("--redis-prefix", default="", help="the prefix of an Optuna journal in Redis")
    sub.add_argument(
        "-f", "--format", choices=FORMATS, default="table", help="output format (table)"
    )
    sub.set_defaults(handler=_storage_import, command="storage import")
    return parser


def _json_object(flag: str) -> Callable[[str], dict[str, Any]]:
    def parse(text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise argparse.ArgumentTypeError(f"{flag} is not valid JSON ({e}): {text!r}") from e
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError(
                f"{flag} must be a JSON object ({{...}}), got {text!r}"
            )
        return value

    return parse


def _configure_logging(args: argparse.Namespace) -> None:
    if getattr(args, "quiet", False):
        parzen_logging.set_verbosity(parzen_logging.WARNING)
    elif getattr(args, "verbose", 0):
        parzen_logging.set_verbosity(parzen_logging.DEBUG)
    args.debug = getattr(args, "debug", False)
    if args.debug:
        logging.basicConfig(level=logging.DEBUG)


def _storage_url(args: argparse.Namespace) -> str:
    url = getattr(args, "storage", None) or os.environ.get(STORAGE_ENV)
    if not url:
        raise CLIUsageError(
            f"no storage given: pass --storage URL (e.g. --storage sqlite:///example.db) or "
            f"set the {STORAGE_ENV} environment variable."
        )
    return url


def _open(args: argparse.Namespace, *, create: bool) -> BaseStorage:
    """The storage ``--storage`` names; only commands that write may create it."""
    from parzen.storages._open import open_storage

    return open_storage(_storage_url(args), create=create)


def _direction_list(args: argparse.Namespace) -> list[str] | None:
    if args.directions:
        return list(args.directions)
    if args.direction:
        return [args.direction]
    return None


# -- commands ---------------------------------------------------------------------------------


def _create_study(args: argparse.Namespace) -> None:
    import parzen

    directions = _direction_list(args)
    storage = _open(args, create=True)
    # Without --direction(s), an existing study is kept whatever its directions.
    if (
        args.skip_if_exists
        and args.study_name is not None
        and directions is None
        and args.study_name in parzen.get_all_study_names(storage)
    ):
        _logger.info(f"The study {args.study_name!r} already exists; skipped creating it.")
        print(args.study_name)
        return
    study = parzen.create_study(
        storage=storage,
        study_name=args.study_name,
        directions=directions,
        load_if_exists=args.skip_if_exists,
    )
    print(study.study_name)


def _delete_study(args: argparse.Namespace) -> None:
    import parzen

    parzen.delete_study(study_name=args.study_name, storage=_open(args, create=False))
    _logger.info(f"Deleted the study {args.study_name!r}.")


def _studies(args: argparse.Namespace) -> _Output:
    import parzen

    records = []
    storage = _open(args, create=False)
    for summary in parzen.get_all_study_summaries(storage, include_best_trial=False):
        records.append(
            {
                "name": summary.study_name,
                "direction": [d.name for d in summary.directions],
                "n_trials": summary.n_trials,
                "datetime_start": summary.datetime_start,
            }
        )
    return _Output(records, ["name", "direction", "n_trials", "datetime_start"])


def _study_names(args: argparse.Namespace) -> _Output:
    import parzen

    names = parzen.get_all_study_names(_open(args, create=False))
    return _Output([{"name": n} for n in names], ["name"])


def _load(args: argparse.Namespace) -> Study:
    import parzen

    return parzen.load_study(study_name=args.study_name, storage=_open(args, create=False))


def _trials(args: argparse.Namespace) -> _Output:
    study = _load(args)
    return _trial_records(study, study.get_trials(deepcopy=False), args.flatten)


def _best_trial(args: argparse.Namespace) -> _Output:
    study = _load(args)
    if len(study.directions) > 1:
        raise CLIUsageError(
            f"the study {study.study_name!r} has {len(study.directions)} objectives and so no "
            "single best trial; use best-trials for its Pareto front."
        )
    output = _trial_records(study, [study.best_trial], args.flatten)
    output.single = True
    return output


def _best_trials(args: argparse.Namespace) -> _Output:
    study = _load(args)
    return _trial_records(study, study.best_trials, args.flatten)


def _ask(args: argparse.Namespace) -> _Output:
    import parzen
    from parzen.distributions import json_to_distribution

    sampler = None
    if args.sampler is not None:
        sampler = _make_sampler(args.sampler, args.sampler_kwargs or {})
    elif args.sampler_kwargs is not None:
        raise CLIUsageError("--sampler-kwargs needs --sampler NAME.")
    search_space = {}
    for name, spec in (args.search_space or {}).items():
        try:
            search_space[name] = json_to_distribution(json.dumps(spec))
        except (ValueError, TypeError) as e:
            raise CLIUsageError(f"--search-space: parameter {name!r}: {e}") from e
    directions = _direction_list(args)
    if directions is not None:
        study = parzen.create_study(
            storage=_open(args, create=True),
            study_name=args.study_name,
            directions=directions,
            sampler=sampler,
            load_if_exists=True,
        )
    else:
        try:
            study = parzen.load_study(
                study_name=args.study_name, storage=_open(args, create=False), sampler=sampler
            )
        except KeyError as e:
            raise KeyError(
                f"{e.args[0]} Create it first (parzen create-study), or pass --direction to "
                "ask to create it."
            ) from None
    trial = study.ask(fixed_distributions=search_space)
    _logger.info(f"Asked trial {trial.number} with parameters {trial.params}.")
    if args.flatten:
        record = {"number": trial.number, **{f"params_{k}": v for k, v in trial.params.items()}}
    else:
        record = {"number": trial.number, "params": trial.params}
    return _Output([record], list(record), single=True)


def _make_sampler(name: str, kwargs: dict[str, Any]) -> Any:
    import parzen.samplers

    sampler_class = getattr(parzen.samplers, name, None)
    if not isinstance(sampler_class, type) or not issubclass(
        sampler_class, parzen.samplers.BaseSampler
    ):
        known = sorted(
            n
            for n in dir(parzen.samplers)
            if isinstance(getattr(parzen.samplers, n), type)
            and issubclass(getattr(parzen.samplers, n), parzen.samplers.BaseSampler)
            and not n.startswith("Base")
        )
        raise CLIUsageError(f"--sampler {name!r} is not a sampler; choose one of {known}.")
    try:
        return sampler_class(**kwargs)
    except TypeError as e:
        raise CLIUsageError(f"--sampler-kwargs do not fit {name}: {e}") from e


def _tell(args: argparse.Namespace) -> None:
    from parzen.trial import TrialState

    study = _load(args)
    state = None if args.state is None else TrialState[args.state.upper()]
    values = args.values
    if values is not None and len(values) == 1:
        values = values[0]
    frozen = study.tell(
        args.trial_number, values, state=state, skip_if_finished=args.skip_if_finished
    )
    _logger.info(f"Told trial {frozen.number}: state {frozen.state.name}, values {frozen.values}.")


def _storage_verify(args: argparse.Namespace) -> int:
    from parzen.storages.journal._verify import verify_journal_file

    report = verify_journal_file(_existing_file(args.path))
    print(report.summary())
    return 0 if report.intact else 1


def _storage_repair(args: argparse.Namespace) -> None:
    from parzen.storages.journal._verify import repair_journal_file

    path = _existing_file(args.path)
    if os.path.exists(args.out):
        raise CLIUsageError(
            f"{args.out} exists: repair never overwrites a file. Pass the path of a new file."
        )
    report = repair_journal_file(path, args.out)
    print(report.summary())
    print(f"Wrote {report.n_records} records to {args.out}; {path} is unchanged.")


def _existing_file(path: str) -> str:
    if not os.path.isfile(path):
        raise CLIUsageError(f"no journal file at {path!r}: check the path.")
    return path


def _storage_import(args: argparse.Namespace) -> _Output:
    from parzen.storages._optuna_import import import_optuna_storage

    try:
        report = import_optuna_storage(
            args.src, args.dst, args.studies, redis_prefix=args.redis_prefix
        )
    except OSError as e:  # an unreachable server, an unreadable file
        raise RuntimeError(str(e)) from e
    for note in report.notes:
        _logger.warning(note)
    records = [
        {
            "study": s.name,
            "status": s.status,
            "trials": s.n_trials,
            "skipped_values": sum(1 for v in report.skipped_values if v.study == s.name),
            "detail": s.detail,
        }
        for s in report.studies
    ]
    return _Output(records, ["study", "status", "trials", "skipped_values", "detail"])


def _storage_upgrade(args: argparse.Namespace) -> None:
    url = _storage_url(args)
    try:
        from parzen.storages._rdb import _schema
        from parzen.storages._rdb._engine import Database, masked, parse_url
    except ImportError as e:
        raise ImportError(f"`parzen storage upgrade` needs SQLAlchemy and Alembic: {e}") from e
    parsed = parse_url(url)
    if parsed.get_backend_name() not in ("sqlite", "postgresql", "mysql", "mariadb"):
        raise CLIUsageError(
            f"only relational-database storages have a schema to upgrade; got {url!r}."
        )
    db = Database(parsed, None)
    try:
        before, after = db.retrying(lambda: _schema.upgrade(db))
    finally:
        db.dispose()
    if before == after:
        print(f"The schema of {masked(parsed)} is up to date ({after}).")
    else:
        print(f"Upgraded the schema of {masked(parsed)} from {before or 'empty'} to {after}.")


# -- output -----------------------------------------------------------------------------------


def _trial_records(study: Study, trials: Sequence[FrozenTrial], flatten: bool) -> _Output:
    multi = len(study.directions) > 1
    value_key = "values" if multi else "value"
    records = []
    columns: dict[str, None] = {}
    for trial in trials:
        record: Record = {"number": trial.number}
        record[value_key] = trial.values if multi else trial.value
        record["datetime_start"] = trial.datetime_start
        record["datetime_complete"] = trial.datetime_complete
        record["duration"] = trial.duration
        if flatten:
            record.update({f"params_{k}": v for k, v in trial.params.items()})
            record.update({f"user_attrs_{k}": v for k, v in trial.user_attrs.items()})
        else:
            record["params"] = trial.params
            if trial.user_attrs:
                record["user_attrs"] = trial.user_attrs
        record["state"] = trial.state.name
        records.append(record)
        columns.update(dict.fromkeys(record))
    order = list(columns)
    # "state" last, whatever the trials' params were.
    if "state" in order:
        order.remove("state")
        order.append("state")
    return _Output(records, order)


def _plain(value: Any) -> Any:
    """JSON/YAML-ready form of a cell."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _render(output: _Output, fmt: str) -> str:
    records, columns = output.records, output.columns
    rows = [{c: _plain(r.get(c)) for c in columns} for r in records]
    if fmt == "json":
        return json.dumps(rows[0] if output.single else rows)
    if fmt == "yaml":
        try:
            import yaml
        except ImportError as e:
            raise ImportError("-f yaml needs PyYAML: pip install pyyaml (or use -f json).") from e
        data = rows[0] if output.single else rows
        return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True)).rstrip("\n")
    if fmt == "value":
        return "\n".join(" ".join(_cell(r.get(c)) for c in columns) for r in records)
    return _table(records, columns)


def _table(records: list[Record], columns: list[str]) -> str:
    cells = [[_cell(r.get(c)) for c in columns] for r in records]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    numeric = [
        all(
            isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
            for r in records
            if r.get(c) is not None
        )
        for c in columns
    ]
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def line(values: list[str], align: bool) -> str:
        out = []
        for value, width, is_num in zip(values, widths, numeric):
            out.append(value.rjust(width) if align and is_num else value.ljust(width))
        return "| " + " | ".join(out) + " |"

    lines = [rule, line(columns, align=False), rule]
    lines += [line(row, align=True) for row in cells]
    lines.append(rule)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
