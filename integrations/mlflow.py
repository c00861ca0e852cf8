"""Record every trial of a study as an MLflow run.

The MLflow layout: one experiment per study (named after it), one parent run per study, and
one child run per trial under it. A trial's run holds its parameters, its objective values as
metrics, its intermediate values as a stepped metric, and its state, number, distributions
and user attributes as tags.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from parzen._records.keys import FAIL_REASON_KEY
from parzen.distributions import distribution_to_json
from parzen.integrations._common import missing_framework_error, require_version
from parzen.integrations._tracking import check_metric_name, metric_names
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

_EXTRA = "mlflow"
# MLflow's active run became thread-local in 2.18; track_in_mlflow relies on it.
_MINIMUM_VERSION = (2, 18)

# MLflow rejects longer tag values; the smallest limit among the versions we support.
_MAX_TAG_LENGTH = 5000
# MLflow's per-request limits of log_batch.
_MAX_PARAMS_OR_TAGS_PER_BATCH = 100
_MAX_METRICS_PER_BATCH = 1000

INTERMEDIATE_METRIC = "intermediate_value"
"""The metric under which a trial's run holds its intermediate values, one per step."""

_TAG_PREFIX = "parzen."
_RUN_KIND_TAG = "parzen.run_kind"
_STUDY_KEY_TAG = "parzen.study_key"
_PARENT_RUN_TAG = "mlflow.parentRunId"
_RUN_NOTE_TAG = "mlflow.note.content"

_MLFLOW_KWARGS = frozenset(
    {"experiment_id", "parent_run_id", "nested", "run_name", "tags", "description"}
)

_RUN_STATUS = {
    TrialState.COMPLETE: "FINISHED",
    # A pruned trial ended as the optimizer asked; the state tag tells it from a complete one.
    TrialState.PRUNED: "FINISHED",
    TrialState.FAIL: "FAILED",
}


def _import_mlflow() -> Any:
    try:
        import mlflow
    except ImportError as e:
        raise missing_framework_error("MLflowCallback", "mlflow", _EXTRA, e) from e
    require_version("MLflowCallback", "mlflow", _EXTRA, mlflow.__version__, _MINIMUM_VERSION)
    return mlflow


class MLflowCallback:
    """Log each finished trial to MLflow, as a run nested under one run per study.

    Pass the callback to :meth:`parzen.study.Study.optimize`. After each trial it writes:

    * the experiment named after the study (created on first use unless
      ``create_experiment=False``), and in it one parent run per study, created once and
      found again by its ``parzen.study_key`` tag when another process, or a later session,
      logs the same study;
    * one run per trial, child of the parent run, named after the trial number, holding the
      trial's parameters, its objective values as metrics (step 0), its intermediate values
      as the metric ``"intermediate_value"`` at their steps, and tags: ``parzen.trial_number``,
      ``parzen.trial_state``, ``parzen.study_name``, ``parzen.directions``,
      ``parzen.distribution.<param>`` (the distribution as JSON), ``parzen.fail_reason`` for
      failed trials, and the trial's user attributes.

    The callback talks to MLflow through an ``MlflowClient`` with explicit run ids, never
    through MLflow's active run, so it is safe with ``n_jobs > 1`` and leaves the caller's own
    active run alone. To log from inside the objective, decorate it with
    :meth:`track_in_mlflow`.

    Args:
        tracking_uri: The MLflow tracking URI (e.g. ``"sqlite:///mlflow.db"`` or a server's
            URL); ``None`` uses MLflow's current one (``MLFLOW_TRACKING_URI`` or
            ``mlflow.set_tracking_uri``).
        metric_name: The objective's metric name, or one name per objective. A single name
            for a multi-objective study is suffixed ``_0``, ``_1``, ...; with the default
            ``"value"``, names set with :meth:`~parzen.study.Study.set_metric_names` are used
            instead.
        create_experiment: Create the experiment named after the study if it does not exist.
            With ``False`` it must exist already (or pass ``mlflow_kwargs["experiment_id"]``).
        mlflow_kwargs: Options for the runs, named as in ``mlflow.start_run``:
            ``experiment_id`` (log into this experiment instead of one named after the study),
            ``parent_run_id`` (an existing run to nest the trials under instead of the study's
            own parent run), ``nested`` (``False``: no parent run, trial runs at top level),
            ``run_name`` (the name of every trial run instead of the trial number), ``tags``
            (added to every trial run), ``description`` (every trial run's description).
        tag_study_user_attrs: Add the study's user attributes as tags of every trial run.
        tag_trial_user_attrs: Add each trial's user attributes as tags of its run.

    Raises:
        ImportError: mlflow>=2.18 is not installed.
        TypeError: ``metric_name`` or ``mlflow_kwargs`` is not what is described above.
        ValueError: ``metric_name`` is an empty list or repeats a name.

    Example:
        >>> import tempfile
        >>> import mlflow
        >>> import parzen
        >>> from parzen.integrations.mlflow import MLflowCallback
        >>> tracking_dir = tempfile.mkdtemp()
        >>> mlflc = MLflowCallback(
        ...     tracking_uri=f"sqlite:///{tracking_dir}/mlflow.db", metric_name="loss"
        ... )
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     return (x - 2) ** 2
        >>> study = parzen.create_study(study_name="quadratic")
        >>> study.optimize(objective, n_trials=3, callbacks=[mlflc])
        >>> client = mlflow.MlflowClient(f"sqlite:///{tracking_dir}/mlflow.db")
        >>> experiment = client.get_experiment_by_name("quadratic")
        >>> first = "tags.`parzen.trial_number` = '0'"
        >>> runs = client.search_runs([experiment.experiment_id], first)
        >>> runs[0].data.metrics["loss"] == study.trials[0].value
        True
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        metric_name: str | Sequence[str] = "value",
        *,
        create_experiment: bool = True,
        mlflow_kwargs: Mapping[str, Any] | None = None,
        tag_study_user_attrs: bool = False,
        tag_trial_user_attrs: bool = True,
    ) -> None:
        self._mlflow = _import_mlflow()
        self._tracking_uri = tracking_uri
        self._metric_name = check_metric_name(metric_name)
        self._create_experiment = create_experiment
        self._mlflow_kwargs = _check_mlflow_kwargs(mlflow_kwargs)
        self._tag_study_user_attrs = tag_study_user_attrs
        self._tag_trial_user_attrs = tag_trial_user_attrs
        self._lock = threading.Lock()
        self._client_lock = threading.Lock()
        # Held while the study's experiment and parent run are looked up or created.
        self._study_lock = threading.Lock()
        self._client: Any = None
        # study name -> (experiment id, parent run id or None)
        self._study_runs: dict[str, tuple[str, str | None]] = {}
        # parent run id -> latest trial end (ms) seen, so its end time only moves forward
        self._parent_end_ms: dict[str, int] = {}
        # trial id -> run id, for runs that track_in_mlflow opened before the trial finished
        self._trial_runs: dict[int, str] = {}

    # -- the callback -------------------------------------------------------------------------

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        metric_names = self._metric_names(study)
        experiment_id, parent_run_id = self._study_run(study)
        client = self._get_client()
        with self._lock:
            run_id = self._trial_runs.pop(trial._trial_id, None)
        tags = self._trial_tags(study, trial)
        if run_id is None:
            run_id = self._create_trial_run(experiment_id, parent_run_id, trial, tags)
            params = self._params(trial, already_logged={})
        else:
            params = self._params(trial, already_logged=client.get_run(run_id).data.params)
            self._log_batch(run_id, tags=tags)
        metrics = self._metrics(trial, metric_names)
        self._log_batch(run_id, params=params, metrics=metrics)
        end_ms = _ms(trial.datetime_complete)
        client.set_terminated(
            run_id, status=_RUN_STATUS.get(trial.state, "FINISHED"), end_time=end_ms
        )
        if parent_run_id is not None and self._mlflow_kwargs.get("parent_run_id") is None:
            self._touch_parent(parent_run_id, end_ms)

    # -- logging from the objective -----------------------------------------------------------

    def track_in_mlflow(self) -> Callable[[Callable[[Trial], Any]], Callable[[Trial], Any]]:
        """Decorate an objective so that its ``mlflow.log_*`` calls land in the trial's run.

        While the decorated objective runs, the trial's run exists already and is MLflow's
        active run in that thread (nested under any run the thread had active); after the
        trial, the callback logs into the same run. MLflow keeps one active run per thread,
        so this works with ``n_jobs > 1``. A ``tracking_uri`` given to the callback becomes
        MLflow's global tracking URI, since ``mlflow.log_*`` reads that one.

        Returns:
            A decorator for objective functions.

        Example:
            >>> import tempfile
            >>> import mlflow
            >>> import parzen
            >>> from parzen.integrations.mlflow import MLflowCallback
            >>> uri = f"sqlite:///{tempfile.mkdtemp()}/mlflow.db"
            >>> mlflc = MLflowCallback(tracking_uri=uri)
            >>> @mlflc.track_in_mlflow()
            ... def objective(trial):
            ...     x = trial.suggest_float("x", -10, 10)
            ...     mlflow.log_metric("distance", abs(x - 2))
            ...     return (x - 2) ** 2
            >>> study = parzen.create_study(study_name="tracked")
            >>> study.optimize(objective, n_trials=2, callbacks=[mlflc])
            >>> experiment = mlflow.MlflowClient(uri).get_experiment_by_name("tracked")
            >>> runs = mlflow.MlflowClient(uri).search_runs(
            ...     [experiment.experiment_id], "metrics.distance >= 0"
            ... )
            >>> len(runs)
            2
        """

        def decorator(func: Callable[[Trial], Any]) -> Callable[[Trial], Any]:
            @functools.wraps(func)
            def wrapper(trial: Trial) -> Any:
                with self._active_trial_run(trial):
                    return func(trial)

            return wrapper

        return decorator

    @contextmanager
    def _active_trial_run(self, trial: Trial) -> Iterator[None]:
        study = trial.study
        self._metric_names(study)  # fail before the trial runs, not after
        experiment_id, parent_run_id = self._study_run(study)
        run_id = self._create_trial_run(
            experiment_id, parent_run_id, trial, self._trial_tags(study, trial)
        )
        with self._lock:
            self._trial_runs[trial._trial_id] = run_id
        mlflow = self._mlflow
        if self._tracking_uri is not None and mlflow.get_tracking_uri() != self._tracking_uri:
            mlflow.set_tracking_uri(self._tracking_uri)
        # Resume our run as this thread's active run; nest it if the user has one open.
        nested = mlflow.active_run() is not None
        # Leaving the block ends the run (FAILED if the objective raised, pruning included);
        # the callback then sets the status that the trial's final state calls for.
        with mlflow.start_run(run_id=run_id, nested=nested):
            yield

    # -- MLflow objects -----------------------------------------------------------------------

    def _get_client(self) -> Any:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._mlflow.MlflowClient(self._tracking_uri)
        return self._client

    def _study_run(self, study: Study) -> tuple[str, str | None]:
        """The study's experiment id and parent run id, created or found on first use."""
        known = self._study_runs.get(study.study_name)
        if known is not None:
            return known
        with self._study_lock:
            known = self._study_runs.get(study.study_name)
            if known is None:
                experiment_id = self._experiment_id(study)
                parent_run_id = self._mlflow_kwargs.get("parent_run_id")
                if parent_run_id is None and self._mlflow_kwargs.get("nested", True):
                    parent_run_id = self._find_or_create_parent_run(experiment_id, study)
                known = (experiment_id, parent_run_id)
                self._study_runs[study.study_name] = known
        return known

    def _experiment_id(self, study: Study) -> str:
        experiment_id = self._mlflow_kwargs.get("experiment_id")
        if experiment_id is not None:
            return str(experiment_id)
        client = self._get_client()
        experiment = client.get_experiment_by_name(study.study_name)
        if experiment is not None and experiment.lifecycle_stage == "active":
            return str(experiment.experiment_id)
        if experiment is not None:
            raise ValueError(
                f"The MLflow experiment {study.study_name!r} is deleted; restore it "
                f"(MlflowClient.restore_experiment({experiment.experiment_id!r})), delete it "
                "for good, or log into another experiment with "
                "mlflow_kwargs={'experiment_id': ...}."
            )
        if not self._create_experiment:
            raise ValueError(
                f"MLflowCallback found no MLflow experiment named {study.study_name!r} at "
                f"{self._describe_uri()} and create_experiment=False. Create it, pass "
                "create_experiment=True, or name an existing experiment with "
                "mlflow_kwargs={'experiment_id': ...}."
            )
        try:
            return str(client.create_experiment(study.study_name))
        except self._mlflow.exceptions.MlflowException:
            # Another process created it between our lookup and our create.
            experiment = client.get_experiment_by_name(study.study_name)
            if experiment is None:
                raise
            return str(experiment.experiment_id)

    def _find_or_create_parent_run(self, experiment_id: str, study: Study) -> str:
        client = self._get_client()
        key = _study_key(study.study_name)
        parents = self._parent_runs(experiment_id, key)
        if parents:
            return parents[0]
        created = client.create_run(
            experiment_id,
            start_time=_ms(None),
            tags={
                _RUN_KIND_TAG: "study",
                _STUDY_KEY_TAG: key,
                "parzen.study_name": study.study_name,
                "parzen.directions": _directions(study),
            },
            run_name=study.study_name,
        )
        run_id = str(created.info.run_id)
        # Two processes may both have found no parent and created one: all agree on the
        # oldest, and the others delete their own.
        parents = self._parent_runs(experiment_id, key)
        if parents and parents[0] != run_id:
            client.delete_run(run_id)
            return parents[0]
        return run_id

    def _parent_runs(self, experiment_id: str, key: str) -> list[str]:
        runs = self._get_client().search_runs(
            [experiment_id],
            filter_string=(
                f"tags.`{_STUDY_KEY_TAG}` = '{key}' and tags.`{_RUN_KIND_TAG}` = 'study'"
            ),
            max_results=100,
        )
        ordered = sorted(runs, key=lambda r: (r.info.start_time, r.info.run_id))
        return [str(r.info.run_id) for r in ordered]

    def _touch_parent(self, parent_run_id: str, end_ms: int) -> None:
        # The parent run ends with the latest trial so far: MLflow shows no study as running
        # forever, and a later trial just moves its end time.
        with self._lock:
            if end_ms < self._parent_end_ms.get(parent_run_id, 0):
                return
            self._parent_end_ms[parent_run_id] = end_ms
        self._get_client().set_terminated(parent_run_id, status="FINISHED", end_time=end_ms)

    def _create_trial_run(
        self,
        experiment_id: str,
        parent_run_id: str | None,
        trial: FrozenTrial | Trial,
        tags: dict[str, str],
    ) -> str:
        run_tags = dict(tags)
        if parent_run_id is not None:
            run_tags[_PARENT_RUN_TAG] = parent_run_id
        run = self._get_client().create_run(
            experiment_id,
            start_time=_ms(trial.datetime_start),
            tags=run_tags,
            run_name=self._mlflow_kwargs.get("run_name") or str(trial.number),
        )
        return str(run.info.run_id)

    def _log_batch(
        self,
        run_id: str,
        *,
        params: Sequence[Any] = (),
        metrics: Sequence[Any] = (),
        tags: Mapping[str, str] | None = None,
    ) -> None:
        entities = self._mlflow.entities
        client = self._get_client()
        tag_list = [entities.RunTag(k, v) for k, v in (tags or {}).items()]
        for start in range(0, len(params), _MAX_PARAMS_OR_TAGS_PER_BATCH):
            client.log_batch(run_id, params=params[start : start + _MAX_PARAMS_OR_TAGS_PER_BATCH])
        for start in range(0, len(tag_list), _MAX_PARAMS_OR_TAGS_PER_BATCH):
            client.log_batch(run_id, tags=tag_list[start : start + _MAX_PARAMS_OR_TAGS_PER_BATCH])
        for start in range(0, len(metrics), _MAX_METRICS_PER_BATCH):
            client.log_batch(run_id, metrics=metrics[start : start + _MAX_METRICS_PER_BATCH])

    # -- what is logged -----------------------------------------------------------------------

    def _metric_names(self, study: Study) -> list[str]:
        return metric_names("MLflowCallback", self._metric_name, study)

    def _params(self, trial: FrozenTrial, already_logged: Mapping[str, str]) -> list[Any]:
        params = []
        for name, value in trial.params.items():
            text = str(value)
            if name in already_logged:
                if already_logged[name] != text:
                    warnings.warn(
                        f"Trial {trial.number}'s run already has the parameter {name!r} = "
                        f"{already_logged[name]!r}, logged from the objective; MLflow keeps "
                        f"it, not the trial's value {text!r}.",
                        stacklevel=3,
                    )
                continue
            params.append(self._mlflow.entities.Param(name, text))
        return params

    def _metrics(self, trial: FrozenTrial, metric_names: list[str]) -> list[Any]:
        metric = self._mlflow.entities.Metric
        now = _ms(None)
        metrics = [
            metric(INTERMEDIATE_METRIC, float(value), now, int(step))
            for step, value in sorted(trial.intermediate_values.items())
        ]
        if trial.state == TrialState.COMPLETE and trial.values is not None:
            end = _ms(trial.datetime_complete)
            metrics += [
                metric(name, float(value), end, 0)
                for name, value in zip(metric_names, trial.values)
            ]
        return metrics

    def _trial_tags(self, study: Study, trial: FrozenTrial | Trial) -> dict[str, str]:
        """The tags of a trial's run; a running trial (track_in_mlflow) has fewer to give."""
        tags: dict[str, Any] = {}
        if self._tag_study_user_attrs:
            tags.update({k: _tag_value(v) for k, v in study.user_attrs.items()})
        if self._tag_trial_user_attrs:
            tags.update({k: _tag_value(v) for k, v in trial.user_attrs.items()})
        tags.update(self._mlflow_kwargs.get("tags") or {})
        description = self._mlflow_kwargs.get("description")
        if description is not None:
            tags[_RUN_NOTE_TAG] = description
        tags[_RUN_KIND_TAG] = "trial"
        tags["parzen.study_name"] = study.study_name
        tags["parzen.directions"] = _directions(study)
        tags["parzen.trial_number"] = trial.number
        frozen = trial if isinstance(trial, FrozenTrial) else None
        tags["parzen.trial_state"] = (frozen.state if frozen else TrialState.RUNNING).name
        for name, distribution in trial.distributions.items():
            tags[f"parzen.distribution.{name}"] = distribution_to_json(distribution)
        if frozen is not None and frozen.state == TrialState.FAIL:
            fail_reason = frozen.system_attrs.get(FAIL_REASON_KEY)
            if fail_reason is not None:
                tags["parzen.fail_reason"] = fail_reason
        return {str(k): _truncate(str(v)) for k, v in tags.items()}

    def _describe_uri(self) -> str:
        return repr(self._tracking_uri or self._mlflow.get_tracking_uri())


def _check_mlflow_kwargs(mlflow_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    if mlflow_kwargs is None:
        return {}
    if not isinstance(mlflow_kwargs, Mapping):
        raise TypeError(f"mlflow_kwargs must be a dict, got {type(mlflow_kwargs).__name__}.")
    unknown = sorted(set(mlflow_kwargs) - _MLFLOW_KWARGS)
    if unknown:
        raise TypeError(
            f"mlflow_kwargs got unsupported key(s) {unknown}; supported: {sorted(_MLFLOW_KWARGS)}."
        )
    tags = mlflow_kwargs.get("tags")
    if tags is not None and not isinstance(tags, Mapping):
        raise TypeError(f"mlflow_kwargs['tags'] must be a dict, got {tags!r}.")
    return dict(mlflow_kwargs)


def _study_key(study_name: str) -> str:
    # A hash, not the name, so that no quote in a study name can break the search filter.
    return hashlib.sha256(study_name.encode("utf-8")).hexdigest()[:32]


def _directions(study: Study) -> str:
    return ",".join(d.name for d in study.directions)


def _tag_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _truncate(text: str) -> str:
    if len(text) <= _MAX_TAG_LENGTH:
        return text
    return text[: _MAX_TAG_LENGTH - 3] + "..."


def _ms(moment: datetime.datetime | None) -> int:
    if moment is None:
        return int(time.time() * 1000)
    return int(moment.timestamp() * 1000)
