"""Write a study's trials as TensorBoard HParams sessions, with the ``tensorboard`` package only.

TensorFlow is not needed: the event files are written with TensorBoard's own protobufs and
record writer.

The log directory gets one run per trial (``trial-<number>``) holding the trial's HParams
session (its parameters, start and end) and its metrics as scalars, and, at its top level, the
HParams experiment: the search space seen so far and the metrics, which TensorBoard's HParams
dashboard uses for its columns and filters.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.integrations._common import (
    missing_framework_error,
    require_version,
    version_tuple,
)
from parzen.integrations._tracking import check_metric_name, metric_names
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

_EXTRA = "tensorboard"
_MINIMUM_VERSION = (2, 6)
# Older releases use NumPy aliases that NumPy 2 removed.
_NUMPY2_VERSION = (2, 17, 1)

INTERMEDIATE_METRIC = "intermediate_value"
"""The scalar tag under which a trial's run holds its intermediate values, one per step."""

# The top-level events file holding the HParams experiment. It is replaced as a whole when
# the search space grows: TensorBoard keeps the first metadata of a tag per run, so appending
# an updated experiment to the same run would not be seen.
_CONFIG_FILE = "events.out.tfevents.0000000000.parzen-hparams"
_FILE_VERSION = "brain.Event:2"


def _import_tensorboard() -> Any:
    try:
        import tensorboard
    except ImportError as e:
        raise missing_framework_error("TensorBoardCallback", "tensorboard", _EXTRA, e) from e
    installed = tensorboard.__version__
    require_version("TensorBoardCallback", "tensorboard", _EXTRA, installed, _MINIMUM_VERSION)
    if version_tuple(np.__version__) >= (2,) and version_tuple(installed) < _NUMPY2_VERSION:
        raise ImportError(
            f"TensorBoardCallback needs tensorboard>=2.17.1 with NumPy 2, but tensorboard "
            f"{installed} is installed with NumPy {np.__version__}. Upgrade it with: "
            f'pip install -U "parzen[{_EXTRA}]", or use numpy<2.'
        )
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
    from tensorboard.plugins.scalar import metadata as scalar_metadata
    from tensorboard.summary.writer.record_writer import RecordWriter
    from tensorboard.util import tensor_util

    return _TensorBoard(
        event_pb2=event_pb2,
        summary_pb2=summary_pb2,
        api_pb2=api_pb2,
        hparams_metadata=metadata,
        plugin_data_pb2=plugin_data_pb2,
        scalar_metadata=scalar_metadata,
        record_writer=RecordWriter,
        tensor_util=tensor_util,
    )


@dataclass(frozen=True)
class _TensorBoard:
    """The parts of the tensorboard package this module writes with."""

    event_pb2: Any
    summary_pb2: Any
    api_pb2: Any
    hparams_metadata: Any
    plugin_data_pb2: Any
    scalar_metadata: Any
    record_writer: Any
    tensor_util: Any


@dataclass(frozen=True)
class _Domain:
    """An HParams domain: an interval of numbers, or discrete values of one type."""

    low: float = 0.0
    high: float = 0.0
    values: tuple[Any, ...] = ()
    value_type: type | None = None  # float, int, bool or str for discrete; None for interval

    @property
    def is_interval(self) -> bool:
        return self.value_type is None

    def union(self, other: _Domain) -> _Domain | None:
        """The smallest domain holding both, or None if they cannot be one (number vs text)."""
        if self.is_interval and other.is_interval:
            return _Domain(low=min(self.low, other.low), high=max(self.high, other.high))
        if self.value_type is not None and self.value_type is other.value_type:
            extra = tuple(v for v in other.values if v not in self.values)
            return _Domain(values=self.values + extra, value_type=self.value_type)
        return None


def _domain(distribution: BaseDistribution) -> _Domain | None:
    if isinstance(distribution, (FloatDistribution, IntDistribution)):
        return _Domain(low=float(distribution.low), high=float(distribution.high))
    if isinstance(distribution, CategoricalDistribution):
        value_type = _discrete_type(distribution.choices)
        values = tuple(dict.fromkeys(_discrete(c, value_type) for c in distribution.choices))
        return _Domain(values=values, value_type=value_type)
    return None


def _discrete_type(choices: Sequence[Any]) -> type:
    # An HParams discrete domain holds values of one type: bool, number or text.
    if all(isinstance(c, bool) for c in choices):
        return bool
    if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in choices):
        return float
    return str


def _discrete(value: Any, value_type: type) -> Any:
    if value_type is str:
        return value if isinstance(value, str) else repr(value)
    return value_type(value)


class TensorBoardCallback:
    """Write each finished trial to a TensorBoard log directory for the HParams dashboard.

    After each trial the callback writes, under ``dirname``:

    * ``trial-<number>/``: the trial's HParams session (its parameters, start and end time
      and status) and its scalars: each objective value under its metric name, at the trial
      number as step, and the intermediate values under ``"intermediate_value"`` at their
      steps;
    * at the top level, the HParams experiment: every parameter seen so far with its domain
      (an interval for float and int parameters, the choices for categorical ones) and the
      metrics. When a trial brings a new parameter or widens a domain, the experiment is
      rewritten (a TensorBoard already running shows the change after a reload of the page
      from a restarted server).

    This is the layout of Optuna's ``TensorBoardCallback``: the same run names, HParams
    domains (an interval for float and int parameters, the choices for categorical ones),
    session group names and metric scalars, so dashboards and scripts that read Optuna's logs
    read these. Beyond it: intermediate values, multi-objective studies, and a session for
    pruned and failed trials too (Optuna writes complete trials only).

    Complete trials end with status ``STATUS_SUCCESS``, failed ones with ``STATUS_FAILURE``;
    TensorBoard has no status for pruning, so pruned trials end with ``STATUS_UNKNOWN``, which
    the dashboard's status filter tells apart. Only the ``tensorboard`` package is needed, not
    TensorFlow. Safe with ``n_jobs > 1`` and with several processes writing the same
    directory.

    View with ``tensorboard --logdir <dirname>`` and open the HPARAMS tab.

    Args:
        dirname: The log directory (created if missing).
        metric_name: The objective's metric name, or one name per objective. A single name
            for a multi-objective study is suffixed ``_0``, ``_1``, ...

    Raises:
        ImportError: tensorboard>=2.6 (>=2.17.1 with NumPy 2) is not installed.
        TypeError: ``metric_name`` is neither a str nor a list of str.
        ValueError: ``metric_name`` is an empty list or repeats a name.

    Examples:
        >>> import tempfile
        >>> import parzen
        >>> from parzen.integrations.tensorboard import TensorBoardCallback
        >>> logdir = tempfile.mkdtemp()
        >>> tensorboard_callback = TensorBoardCallback(logdir, metric_name="loss")
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
        ...     return (x - 2) ** 2 + (optimizer == "sgd")
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=3, callbacks=[tensorboard_callback])
        >>> import os
        >>> sorted(d for d in os.listdir(logdir) if d.startswith("trial-"))
        ['trial-0', 'trial-1', 'trial-2']
    """

    def __init__(self, dirname: str | os.PathLike[str], metric_name: str | Sequence[str]) -> None:
        self._tb = _import_tensorboard()
        self._dirname = Path(dirname)
        self._metric_name = check_metric_name(metric_name)
        self._lock = threading.Lock()
        self._seeded = False
        self._space: dict[str, _Domain | None] = {}
        self._has_intermediate = False
        self._written_config: tuple[Any, ...] | None = None

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        metric_names = self._metric_names(study)
        with self._lock:
            if not self._seeded:
                # A restarted process must not shrink the experiment written before it.
                self._seeded = True
                self._add_to_space(
                    t
                    for t in study.get_trials(deepcopy=False)
                    if t.state.is_finished() and t._trial_id != trial._trial_id
                )
            self._add_to_space([trial])
            config = (
                tuple(self._space.items()),
                tuple(metric_names),
                self._has_intermediate,
            )
            if config != self._written_config:
                self._write_experiment(metric_names)
                self._written_config = config
            space = dict(self._space)
        self._write_trial(trial, metric_names, space)

    # -- what is written ----------------------------------------------------------------------

    def _add_to_space(self, trials: Iterable[FrozenTrial]) -> None:
        for trial in trials:
            self._has_intermediate |= bool(trial.intermediate_values)
            for name, distribution in trial.distributions.items():
                domain = _domain(distribution)
                if name not in self._space:
                    self._space[name] = domain
                    continue
                known = self._space[name]
                if known is not None and domain is not None:
                    self._space[name] = known.union(domain)
                else:
                    self._space[name] = None

    def _write_experiment(self, metric_names: list[str]) -> None:
        tb = self._tb
        api = tb.api_pb2
        hparam_infos = [_hparam_info(api, name, domain) for name, domain in self._space.items()]
        metric_tags = list(metric_names)
        if self._has_intermediate:
            metric_tags.append(INTERMEDIATE_METRIC)
        metric_infos = [
            api.MetricInfo(name=api.MetricName(tag=tag), display_name=tag) for tag in metric_tags
        ]
        experiment = api.Experiment(
            hparam_infos=hparam_infos, metric_infos=metric_infos, time_created_secs=time.time()
        )
        summary = self._hparams_summary(
            tb.hparams_metadata.EXPERIMENT_TAG,
            tb.plugin_data_pb2.HParamsPluginData(experiment=experiment),
        )
        self._dirname.mkdir(parents=True, exist_ok=True)
        final = self._dirname / _CONFIG_FILE
        # Written aside and renamed: another process, or TensorBoard, never reads half of it.
        partial = self._dirname / f".{_CONFIG_FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
        self._write_events(partial, [self._event(summary, step=0)])
        os.replace(partial, final)

    def _write_trial(
        self, trial: FrozenTrial, metric_names: list[str], space: dict[str, _Domain | None]
    ) -> None:
        tb = self._tb
        plugin_data = tb.plugin_data_pb2
        run_name = f"trial-{trial.number}"
        start_secs = _secs(trial.datetime_start)
        end_secs = _secs(trial.datetime_complete)

        session_start = plugin_data.SessionStartInfo(
            group_name=run_name, start_time_secs=start_secs
        )
        for name, value in trial.params.items():
            _set_hparam_value(session_start.hparams[name], value, space.get(name))
        events = [
            self._event(
                self._hparams_summary(
                    tb.hparams_metadata.SESSION_START_INFO_TAG,
                    plugin_data.HParamsPluginData(session_start_info=session_start),
                ),
                step=0,
                wall_time=start_secs,
            )
        ]
        for step, value in sorted(trial.intermediate_values.items()):
            events.append(self._event(self._scalar(INTERMEDIATE_METRIC, value), step=step))
        if trial.state == TrialState.COMPLETE and trial.values is not None:
            # At the trial number as step, as Optuna writes it: the Scalars tab then plots
            # the objective across trials.
            for name, value in zip(metric_names, trial.values):
                events.append(
                    self._event(self._scalar(name, value), step=trial.number, wall_time=end_secs)
                )
        session_end = plugin_data.SessionEndInfo(
            status=_status(tb.api_pb2, trial.state), end_time_secs=end_secs
        )
        events.append(
            self._event(
                self._hparams_summary(
                    tb.hparams_metadata.SESSION_END_INFO_TAG,
                    plugin_data.HParamsPluginData(session_end_info=session_end),
                ),
                step=0,
                wall_time=end_secs,
            )
        )
        run_dir = self._dirname / run_name
        run_dir.mkdir(parents=True, exist_ok=True)
        file_name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{trial._trial_id}"
        )
        self._write_events(run_dir / file_name, events)

    # -- protobufs ----------------------------------------------------------------------------

    def _hparams_summary(self, tag: str, data: Any) -> Any:
        tb = self._tb
        summary = tb.summary_pb2.Summary()
        summary.value.add(
            tag=tag,
            metadata=tb.hparams_metadata.create_summary_metadata(data),
            tensor=tb.hparams_metadata.NULL_TENSOR,
        )
        return summary

    def _scalar(self, tag: str, value: float) -> Any:
        tb = self._tb
        summary = tb.summary_pb2.Summary()
        summary.value.add(
            tag=tag,
            metadata=tb.scalar_metadata.create_summary_metadata(display_name=tag, description=""),
            # float64: TensorBoard reads any float dtype, and float32 would round the value.
            tensor=tb.tensor_util.make_tensor_proto(np.float64(value)),
        )
        return summary

    def _event(self, summary: Any, *, step: int, wall_time: float | None = None) -> Any:
        return self._tb.event_pb2.Event(
            wall_time=time.time() if wall_time is None else wall_time, step=step, summary=summary
        )

    def _write_events(self, path: Path, events: list[Any]) -> None:
        tb = self._tb
        header = tb.event_pb2.Event(wall_time=time.time(), file_version=_FILE_VERSION)
        writer = tb.record_writer(open(path, "wb"))  # noqa: SIM115 (closed below)
        try:
            for event in [header, *events]:
                writer.write(event.SerializeToString())
            writer.flush()
        finally:
            writer.close()

    def _metric_names(self, study: Study) -> list[str]:
        return metric_names("TensorBoardCallback", self._metric_name, study)


def _hparam_info(api: Any, name: str, domain: _Domain | None) -> Any:
    info = api.HParamInfo(name=name, display_name=name)
    if domain is None:
        return info
    if domain.is_interval:
        info.type = api.DATA_TYPE_FLOAT64
        info.domain_interval.min_value = domain.low
        info.domain_interval.max_value = domain.high
        return info
    assert domain.value_type is not None
    types = {bool: api.DATA_TYPE_BOOL, float: api.DATA_TYPE_FLOAT64, str: api.DATA_TYPE_STRING}
    info.type = types[domain.value_type]
    for value in domain.values:
        item = info.domain_discrete.values.add()
        if isinstance(value, bool):
            item.bool_value = value
        elif isinstance(value, float):
            item.number_value = value
        else:
            item.string_value = value
    return info


def _set_hparam_value(target: Any, value: Any, domain: _Domain | None) -> None:
    if domain is not None and domain.value_type is not None:
        value = _discrete(value, domain.value_type)
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, (int, float)):
        target.number_value = float(value)
    else:
        target.string_value = value if isinstance(value, str) else repr(value)


def _status(api: Any, state: TrialState) -> Any:
    if state == TrialState.COMPLETE:
        return api.STATUS_SUCCESS
    if state == TrialState.FAIL:
        return api.STATUS_FAILURE
    return api.STATUS_UNKNOWN


def _secs(moment: Any) -> float:
    return time.time() if moment is None else float(moment.timestamp())
