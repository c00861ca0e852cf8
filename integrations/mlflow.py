"""Record every trial of a study as an MLflow run, in Optuna's layout.

One experiment per study (named after it) and one run per trial in it, named after the trial
number, holding the trial's parameters, its objective values as metrics, its intermediate
values as a stepped metric, and its number, state, direction, distributions and user
attributes as tags. ``create_study_run=True`` adds one parent run per study, with the trial
runs as its children.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from parzen.integrations._common import missing_framework_error, require_version
from parzen.integrations._tracking import check_metric_name, metric_names
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import Trial

_EXTRA = "mlflow"
# MLflow's active run became thread-local in 2.18; track_in_mlflow relies on it.
_MINIMUM_VERSION = (2, 18)

# MLflow rejects longer tag values; its own limit is read when it has one (8000 in 3.x).
_DEFAULT_MAX_TAG_LENGTH = 5000
# MLflow's per-request limits of log_batch.
_MAX_PARAMS_OR_TAGS_PER_BATCH = 100
_MAX_METRICS_PER_BATCH = 1000

INTERMEDIATE_METRIC = "intermediate_value"
"""The metric under which a trial's run holds its intermediate values, one per step."""

_RUN_KIND_TAG = "parzen.run_kind"
_STUDY_KEY_TAG = "parzen.study_key"
_PARENT_RUN_TAG = "mlflow.parentRunId"
_RUN_NOTE_TAG = "mlflow.note.content"

# The mlflow.start_run arguments that mlflow_kwargs may hold. Optuna passes any key on to
# MLflow; these are the ones that shape a trial's run.
_MLFLOW_KWARGS = frozenset(
    {"experiment_id", "parent_run_id", "nested", "run_name", "tags", "description"}
)


def _import_mlflow() -> Any:
    try:
        import mlflow
    except ImportError as e:
        raise missing_framework_error("MLflowCallback", "mlflow", _EXTRA, e) from e
    require_version("MLflowCallback", "mlflow", _EXTRA, mlflow.__version__, _MINIMUM_VERSION)
    return mlflow


class MLflowCallback:
    """Log each finished trial to MLflow as a run, the way Optuna's ``MLflowCallback`` does.

    Pass the callback to :meth:`parzen.study.Study.optimize`. After each trial it writes one
    run in the experiment named after the study (created on first use; with
    ``create_experiment=False``, MLflow's active experiment instead, the ``Default`` one if
    none was set). The run is named after the trial number and holds:

    * the trial's parameters;
    * its objective values as metrics, under ``metric_name`` (a pruned trial's value is its
      last intermediate value, as in the study); a failed trial has none;
    * its intermediate values as the metric ``"intermediate_value"``, one per step;
    * the tags Optuna writes: ``number``, ``datetime_start``, ``datetime_complete``,
      ``state`` (``"COMPLETE"``, ``"PRUNED"``, ``"FAIL"``), ``direction`` (``"MINIMIZE"``,
      or the list of directions of a multi-objective study), ``<param>_distribution``, and
      the trial's user attributes (and with ``tag_study_user_attrs=True`` the study's, which
      win over every other tag). Values longer than MLflow accepts are truncated.

    Every run ends with status ``FINISHED``, as in Optuna: the ``state`` tag tells how the
    trial ended.

    Runs are top-level by default. When an MLflow run is already active in the calling
    thread, the callback raises, as ``mlflow.start_run`` would, unless
    ``mlflow_kwargs={"nested": True}``, which logs the trials as child runs of the active
    run. ``create_study_run=True`` opts into another layout: one parent run per study, found
    again by its ``parzen.study_key`` tag by a later session or another process, with every
    trial run as its child.

    The callback writes through an ``MlflowClient`` with explicit run ids, so it is safe with
    ``n_jobs > 1``. A ``tracking_uri`` becomes MLflow's tracking URI (``mlflow.set_tracking_uri``)
    as with Optuna, so that ``mlflow.search_runs()`` and friends find the runs afterwards. To
    log from inside the objective, decorate it with :meth:`track_in_mlflow`.

    Args:
        tracking_uri: The MLflow tracking URI (e.g. ``"sqlite:///mlflow.db"`` or a server's
            URL); ``None`` uses MLflow's current one (``MLFLOW_TRACKING_URI`` or
            ``mlflow.set_tracking_uri``).
        metric_name: The objective's metric name, or one name per objective. A single name
            for a multi-objective study is suffixed ``_0``, ``_1``, ...
        create_experiment: Log into an experiment named after the study, created if it does
            not exist. With ``False``, log into MLflow's active experiment (set with
            ``mlflow.set_experiment``, ``MLFLOW_EXPERIMENT_NAME`` or a Databricks notebook).
        mlflow_kwargs: Options for the runs, named as in ``mlflow.start_run``:
            ``experiment_id`` (log into this experiment), ``nested`` (log under the run
            active in the calling thread), ``parent_run_id`` (log under this run),
            ``run_name`` (the name of every trial run instead of the trial number), ``tags``
            (added to every trial run), ``description`` (every trial run's description).
            Other keys are ignored with a warning.
        tag_study_user_attrs: Add the study's user attributes as tags of every trial run.
        tag_trial_user_attrs: Add each trial's user attributes as tags of its run.
        create_study_run: Log the trial runs as children of one run per study, named after
            the study, instead of at top level.

    Raises:
        ImportError: mlflow>=2.18 is not installed.
        TypeError: ``metric_name`` or ``mlflow_kwargs`` is not what is described above.
        ValueError: ``metric_name`` is an empty list or repeats a name.

    Examples:
        >>> import tempfile
        >>> import mlflow
        >>> import parzen
        >>> from parzen.integrations.mlflow import MLflowCallback
        >>> uri = f"sqlite:///{tempfile.mkdtemp()}/mlflow.db"
        >>> mlflc = MLflowCallback(tracking_uri=uri, metric_name="loss")
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     return (x - 2) ** 2
        >>> study = parzen.create_study(study_name="quadratic")
        >>> study.optimize(objective, n_trials=3, callbacks=[mlflc])
        >>> runs = mlflow.search_runs(experiment_names=["quadratic"], output_format="list")
        >>> first = next(r for r in runs if r.data.tags["number"] == "0")
        >>> first.data.metrics["loss"] == study.trials[0].value, first.info.run_name
        (True, '0')
    """

    def __init__(
        self,
        tracking_uri: str | None = None,
        metric_name: str | Sequence[str] = "value",
        create_experiment: bool = True,
        mlflow_kwargs: Mapping[str, Any] | None = None,
        tag_study_user_attrs: bool = False,
        tag_trial_user_attrs: bool = True,
        *,
        create_study_run: bool = False,
    ) -> None:
        self._mlflow = _import_mlflow()
        self._tracking_uri = tracking_uri
        self._metric_name = check_metric_name(metric_name)
        self._create_experiment = create_experiment
        self._mlflow_kwargs = _check_mlflow_kwargs(mlflow_kwargs)
        self._tag_study_user_attrs = tag_study_user_attrs
        self._tag_trial_user_attrs = tag_trial_user_attrs
        self._create_study_run = create_study_run
        self._max_tag_length = _max_tag_length()
        self._lock = threading.Lock()
        self._client_lock = threading.Lock()
        # Held while a study's experiment or parent run is looked up or created.
        self._study_lock = threading.Lock()
        self._client: Any = None
        # study name -> experiment id (named after the study, or given in mlflow_kwargs)
        self._experiments: dict[str, str] = {}
        # (experiment id, study name) -> the study's parent run (create_study_run=True)
        self._study_runs: dict[tuple[str, str], str] = {}
        # parent run id -> latest trial end (ms) seen, so its end time only moves forward
        self._parent_end_ms: dict[str, int] = {}
        # trial id -> run id, for runs that track_in_mlflow opened before the trial finished
        self._trial_runs: dict[int, str] = {}

    # -- the callback -------------------------------------------------------------------------

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        metric_names = self._metric_names(study)
        with self._lock:
            run_id = self._trial_runs.pop(trial._trial_id, None)
        client = self._get_client()
        tags = self._trial_tags(study, trial)
        if run_id is None:
            nested = self._check_active_run()
            self._set_tracking_uri()
            experiment_id = self._experiment_id(study)
            parent_run_id = self._parent_run_id(experiment_id, study, nested)
            run_id = self._create_trial_run(experiment_id, parent_run_id, trial, tags)
            params = self._params(trial, already_logged={})
        else:
            parent_run_id = None
            params = self._params(trial, already_logged=client.get_run(run_id).data.params)
            self._log_batch(run_id, tags=tags)
        self._log_batch(run_id, params=params, metrics=self._metrics(trial, metric_names))
        end_ms = _ms(trial.datetime_complete)
        client.set_terminated(run_id, status="FINISHED", end_time=end_ms)
        if parent_run_id is not None and self._create_study_run:
            self._touch_parent(parent_run_id, end_ms)

    # -- logging from the objective -----------------------------------------------------------

    def track_in_mlflow(self) -> Callable[[Callable[[Trial], Any]], Callable[[Trial], Any]]:
        """Decorate an objective so that its ``mlflow.log_*`` calls land in the trial's run.

        While the decorated objective runs, the trial's run exists already and is MLflow's
        active run in that thread; after the trial, the callback logs into the same run.
        As in Optuna, the study's experiment becomes MLflow's active experiment
        (``mlflow.set_experiment``), whichever one was active before, and a ``tracking_uri``
        given to the callback becomes MLflow's tracking URI, since ``mlflow.log_*`` reads
        both. MLflow keeps one active run per thread, so this works with ``n_jobs > 1``.

        Returns:
            A decorator for objective functions.

        Examples:
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
            >>> runs = mlflow.search_runs(experiment_names=["tracked"], output_format="list")
            >>> sorted(r.data.metrics.keys() for r in runs)[0]
            dict_keys(['distance', 'value'])
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
        nested = self._check_active_run()
        self._set_tracking_uri()
        experiment_id = self._experiment_id(study)
        parent_run_id = self._parent_run_id(experiment_id, study, nested)
        run_id = self._create_trial_run(
            experiment_id, parent_run_id, trial, self._trial_tags(study, trial)
        )
        with self._lock:
            self._trial_runs[trial._trial_id] = run_id
        mlflow = self._mlflow
        # mlflow.start_run refuses to resume a run of an experiment other than the active one.
        mlflow.set_experiment(experiment_id=experiment_id)
        # Leaving the block ends the run (FAILED if the objective raised, pruning included);
        # the callback then marks it FINISHED.
        with mlflow.start_run(run_id=run_id, nested=nested):
            yield

    # -- MLflow objects -----------------------------------------------------------------------

    def _get_client(self) -> Any:
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._mlflow.MlflowClient(self._tracking_uri)
        return self._client

    def _set_tracking_uri(self) -> None:
        mlflow = self._mlflow
        if self._tracking_uri is not None and mlflow.get_tracking_uri() != self._tracking_uri:
            mlflow.set_tracking_uri(self._tracking_uri)

    def _check_active_run(self) -> bool:
        """Whether to nest under this thread's active run; raise if there is one, unnested."""
        active = self._mlflow.active_run()
        nested = bool(self._mlflow_kwargs.get("nested", False))
        if active is not None and not nested:
            # mlflow.start_run raises the same, which is what Optuna's callback lets through.
            raise RuntimeError(
                f"Run with UUID {active.info.run_id} is already active, so MLflowCallback "
                "cannot start the trial's run. End it with mlflow.end_run() first, or pass "
                "mlflow_kwargs={'nested': True} to log the trials as its child runs."
            )
        return nested and active is not None

    def _experiment_id(self, study: Study) -> str:
        experiment_id = self._mlflow_kwargs.get("experiment_id")
        if experiment_id is not None:
            return str(experiment_id)
        if not self._create_experiment:
            # MLflow's active experiment at each call, as the user may switch it.
            return str(self._mlflow.tracking.fluent._get_experiment_id())
        known = self._experiments.get(study.study_name)
        if known is not None:
            return known
        with self._study_lock:
            known = self._experiments.get(study.study_name)
            if known is None:
                known = self._experiment_named_after(study)
                self._experiments[study.study_name] = known
        return known

    def _experiment_named_after(self, study: Study) -> str:
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
        try:
            return str(client.create_experiment(study.study_name))
        except self._mlflow.exceptions.MlflowException:
            # Another process created it between our lookup and our create.
            experiment = client.get_experiment_by_name(study.study_name)
            if experiment is None:
                raise
            return str(experiment.experiment_id)

    def _parent_run_id(self, experiment_id: str, study: Study, nested: bool) -> str | None:
        active_run_id = self._mlflow.active_run().info.run_id if nested else None
        given = self._mlflow_kwargs.get("parent_run_id")
        if not self._create_study_run:
            return str(given) if given is not None else active_run_id
        key = (experiment_id, study.study_name)
        known = self._study_runs.get(key)
        if known is None:
            with self._study_lock:
                known = self._study_runs.get(key)
                if known is None:
                    outer = str(given) if given is not None else active_run_id
                    known = self._find_or_create_study_run(experiment_id, study, outer)
                    self._study_runs[key] = known
        return known

    def _find_or_create_study_run(
        self, experiment_id: str, study: Study, parent_run_id: str | None
    ) -> str:
        client = self._get_client()
        key = _study_key(study.study_name)
        parents = self._study_run_ids(experiment_id, key)
        if parents:
            return parents[0]
        tags = {_RUN_KIND_TAG: "study", _STUDY_KEY_TAG: key, "direction": _direction_tag(study)}
        if parent_run_id is not None:
            tags[_PARENT_RUN_TAG] = parent_run_id
        created = client.create_run(
            experiment_id, start_time=_ms(None), tags=tags, run_name=study.study_name
        )
        run_id = str(created.info.run_id)
        # Two processes may both have found no study run and created one: all agree on the
        # oldest, and the others delete their own.
        parents = self._study_run_ids(experiment_id, key)
        if parents and parents[0] != run_id:
            client.delete_run(run_id)
            return parents[0]
        return run_id

    def _study_run_ids(self, experiment_id: str, key: str) -> list[str]:
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
        # The study run ends with the latest trial so far: MLflow shows no study as running
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
        if trial.values is not None:
            end = _ms(trial.datetime_complete)
            metrics += [
                metric(name, float(value), end, 0)
                for name, value in zip(metric_names, trial.values)
            ]
        return metrics

    def _trial_tags(self, study: Study, trial: FrozenTrial | Trial) -> dict[str, str]:
        """The tags of a trial's run; a running trial (track_in_mlflow) has fewer to give."""
        tags: dict[str, Any] = dict(self._mlflow_kwargs.get("tags") or {})
        description = self._mlflow_kwargs.get("description")
        if description is not None:
            tags[_RUN_NOTE_TAG] = description
        frozen = trial if isinstance(trial, FrozenTrial) else None
        tags["number"] = trial.number
        tags["datetime_start"] = trial.datetime_start
        if frozen is not None:
            tags["datetime_complete"] = frozen.datetime_complete
        tags["state"] = (frozen.state if frozen else TrialState.RUNNING).name
        tags["direction"] = _direction_tag(study)
        for name, distribution in trial.distributions.items():
            tags[f"{name}_distribution"] = distribution
        if self._tag_trial_user_attrs:
            tags.update(trial.user_attrs)
        if self._tag_study_user_attrs:
            tags.update(study.user_attrs)
        return {str(k): self._truncate(str(v)) for k, v in tags.items()}

    def _truncate(self, text: str) -> str:
        if len(text) <= self._max_tag_length:
            return text
        return text[: self._max_tag_length - 3] + "..."


def _check_mlflow_kwargs(mlflow_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    if mlflow_kwargs is None:
        return {}
    if not isinstance(mlflow_kwargs, Mapping):
        raise TypeError(f"mlflow_kwargs must be a dict, got {type(mlflow_kwargs).__name__}.")
    unused = sorted(set(mlflow_kwargs) - _MLFLOW_KWARGS)
    if unused:
        # Optuna ignores such keys too; a warning keeps its code running and says so.
        warnings.warn(
            f"MLflowCallback ignores the mlflow_kwargs key(s) {unused}: it uses "
            f"{sorted(_MLFLOW_KWARGS)} only.",
            UserWarning,
            stacklevel=3,
        )
    tags = mlflow_kwargs.get("tags")
    if tags is not None and not isinstance(tags, Mapping):
        raise TypeError(f"mlflow_kwargs['tags'] must be a dict, got {tags!r}.")
    return dict(mlflow_kwargs)


def _study_key(study_name: str) -> str:
    # A hash, not the name, so that no quote in a study name can break the search filter.
    return hashlib.sha256(study_name.encode("utf-8")).hexdigest()[:32]


def _direction_tag(study: Study) -> str:
    # Optuna's spelling: the name for one objective, the list of names for several.
    names = [d.name for d in study.directions]
    return names[0] if len(names) == 1 else str(names)


def _max_tag_length() -> int:
    try:
        from mlflow.utils.validation import MAX_TAG_VAL_LENGTH
    except ImportError:
        return _DEFAULT_MAX_TAG_LENGTH
    return int(MAX_TAG_VAL_LENGTH)


def _ms(moment: datetime.datetime | None) -> int:
    if moment is None:
        return int(time.time() * 1000)
    return int(moment.timestamp() * 1000)
