"""Study: the conductor of an optimization, tying sampler, pruner and storage together.

``Study`` runs the data flow of a trial (ask, sample, report, tell) and is the narrow
interface samplers and pruners read the study through; the optimize loop lives in
``_optimize``, telling in ``_tell``, and create/load/delete/copy in ``_functions``.
"""

from __future__ import annotations

import functools
import itertools
import threading
import warnings
import weakref
from collections.abc import Container, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen._json import require_json
from parzen._records.constraints import is_feasible
from parzen._records.direction import StudyDirection
from parzen._records.multi_objective import pareto_front_trials
from parzen.distributions import BaseDistribution
from parzen.pruners import BasePruner
from parzen.samplers import BaseSampler
from parzen.storages import BaseStorage, get_storage
from parzen.study import _optimize
from parzen.study._tell import tell
from parzen.trial import FrozenTrial, Trial, TrialState, create_trial
from parzen.trial._trial import FIXED_PARAMS_KEY

if TYPE_CHECKING:
    import pandas as pd

_logger = parzen_logging.get_logger(__name__)

METRIC_NAMES_KEY = "study:metric_names"


class Study:
    """An optimization task: an objective's trials, the sampler that proposes them, the
    pruner that stops them, and the storage that keeps them.

    Create studies with :func:`parzen.create_study` or :func:`parzen.load_study`.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     return (x - 2) ** 2
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=20)
        >>> abs(study.best_params["x"] - 2) < 3
        True
    """

    def __init__(
        self,
        study_name: str,
        storage: str | BaseStorage,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
    ) -> None:
        self.study_name = study_name
        self._storage = get_storage(storage)
        self._study_id = self._storage.get_study_id_from_name(study_name)
        self._directions = self._storage.get_study_directions(self._study_id)
        self.sampler = sampler if sampler is not None else _default_sampler(self._directions)
        self.pruner = pruner if pruner is not None else _default_pruner()
        self._stop_flag = False
        self._optimizing = False
        self._best_lock = threading.Lock()
        self._best_cursor = 0
        self._best_seen: set[int] = set()
        self._best: FrozenTrial | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_best_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._best_lock = threading.Lock()

    # -- running ----------------------------------------------------------------------------

    def optimize(
        self,
        func: _optimize.ObjectiveFuncType,
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[Exception]] | type[Exception] = (),
        callbacks: Iterable[_optimize.CallbackType] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
        *,
        executor: str = "thread",
    ) -> None:
        """Run trials of ``func`` until ``n_trials`` ran, ``timeout`` seconds passed, or
        :meth:`stop` was called (without ``n_trials`` or ``timeout``, until stopped).

        Args:
            func: the objective; takes a :class:`~parzen.trial.Trial`, returns a float (one
                per direction in multi-objective studies).
            n_trials: how many trials this call runs (across all threads).
            timeout: seconds after which no new trial starts.
            n_jobs: trials running at once; ``-1`` for one per CPU.
            catch: exception classes that fail a trial without stopping the study; any other
                exception fails the trial and is re-raised.
            callbacks: called as ``callback(study, frozen_trial)`` after each trial.
            gc_after_trial: run the garbage collector after each trial.
            show_progress_bar: draw a tqdm progress bar with the best value.
            executor: ``"thread"`` (default) runs the ``n_jobs`` objectives in threads:
                right for objectives that spend their time outside Python's GIL (numpy,
                training libraries, I/O). ``"process"`` runs each objective call in one of
                ``n_jobs`` worker processes, which CPU-bound pure-Python objectives need to
                use several cores; the study, sampler and storage stay in this process, so
                results are the same in content. With ``"process"``, the objective sees a
                trial that forwards ``suggest_*``, ``report``, ``should_prune`` and
                attribute calls to this process, and ``trial.study`` is not available.

        Examples:
            >>> import parzen
            >>> def objective(trial):
            ...     x = trial.suggest_float("x", -10, 10)
            ...     return sum((x - i) ** 2 for i in range(1000))
            >>> study = parzen.create_study()
            >>> study.optimize(objective, n_trials=8, n_jobs=2, executor="process")
            >>> len(study.trials)
            8
        """
        _optimize.optimize(
            self,
            func,
            n_trials=n_trials,
            timeout=timeout,
            n_jobs=n_jobs,
            catch=catch,
            callbacks=callbacks,
            gc_after_trial=gc_after_trial,
            show_progress_bar=show_progress_bar,
            executor=executor,
        )

    def ask(self, fixed_distributions: dict[str, BaseDistribution] | None = None) -> Trial:
        """Start a trial (the next enqueued one, if any) for an ask-and-tell loop.

        Args:
            fixed_distributions: parameters to suggest right away, e.g. a search space
                defined outside the objective.

        Examples:
            >>> import parzen
            >>> study = parzen.create_study()
            >>> trial = study.ask()
            >>> x = trial.suggest_float("x", 0, 1)
            >>> study.tell(trial, x * 2).state.name
            'COMPLETE'
        """
        trial_id = self._pop_waiting_trial_id()
        if trial_id is None:
            trial_id = self._storage.create_new_trial(self._study_id)
        trial = Trial(self, trial_id)
        frozen = trial._cached_frozen_trial
        self.sampler.before_trial(self._sampler_view(frozen), frozen)
        for name, distribution in (fixed_distributions or {}).items():
            trial._suggest(name, distribution)
        return trial

    def _pop_waiting_trial_id(self) -> int | None:
        for trial in self._storage.get_all_trials(
            self._study_id, deepcopy=False, states=(TrialState.WAITING,)
        ):
            if self._storage.set_trial_state_values(trial._trial_id, TrialState.RUNNING):
                _logger.debug(f"Trial {trial.number} popped from the queue.")
                return trial._trial_id
        return None

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial started with :meth:`ask`.

        Without ``state``, values that cannot be stored (None, NaN, text, the wrong number of
        them) make the trial FAIL with a ``UserWarning`` (the reason is also kept in
        ``system_attrs["fail_reason"]``). With ``state=TrialState.COMPLETE`` they raise
        ``ValueError`` and the trial stays RUNNING. Both as in Optuna.

        Args:
            trial: the trial, or its number.
            values: the objective value(s) of a COMPLETE trial.
            state: COMPLETE (the default with values), PRUNED or FAIL.
            skip_if_finished: do nothing, instead of raising, if the trial has finished.

        Raises:
            ValueError: the trial has already finished (also an
                :class:`~parzen.exceptions.UpdateFinishedTrialError`); values with
                PRUNED/FAIL; invalid values with ``state=COMPLETE``.
        """
        frozen, failure = tell(self, trial, values, state, skip_if_finished)
        if failure is not None:
            warnings.warn(f"Trial {frozen.number} failed because {failure}.", UserWarning, 2)
        return frozen

    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Queue a trial whose listed parameters take the given values; others are sampled.

        Args:
            params: parameter name -> value for the queued trial.
            user_attrs: user attributes to attach to it.
            skip_if_exists: do nothing if a trial with these parameters is already queued,
                running or finished.

        Examples:
            >>> import parzen
            >>> study = parzen.create_study()
            >>> study.enqueue_trial({"x": 5.0})
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 10), n_trials=1)
            >>> study.trials[0].params
            {'x': 5.0}
        """
        require_json(params, "enqueued params")
        if skip_if_exists and self._has_trial_with_params(params):
            _logger.info(f"A trial with params {params} already exists; not enqueued.")
            return
        self.add_trial(
            create_trial(
                state=TrialState.WAITING,
                system_attrs={FIXED_PARAMS_KEY: dict(params)},
                user_attrs=user_attrs,
            )
        )

    def _has_trial_with_params(self, params: dict[str, Any]) -> bool:
        for trial in self._storage.get_all_trials(self._study_id, deepcopy=False):
            known = (
                trial.system_attrs.get(FIXED_PARAMS_KEY, {})
                if trial.state == TrialState.WAITING
                else trial.params
            )
            if _same_params(known, params):
                return True
        return False

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished (or WAITING) trial built with :func:`parzen.trial.create_trial`."""
        trial._validate()
        if trial.values is not None and len(trial.values) != len(self._directions):
            raise ValueError(
                f"The added trial has {len(trial.values)} value(s) but the study has "
                f"{len(self._directions)} objective(s) (Study.directions); give one value per "
                "direction."
            )
        self._storage.create_new_trial(self._study_id, template_trial=trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Add several trials; see :meth:`add_trial`."""
        for trial in trials:
            self.add_trial(trial)

    def stop(self) -> None:
        """Let the running :meth:`optimize` finish its current trials and return."""
        if not self._optimizing:
            raise RuntimeError(
                "Study.stop() can only be called while Study.optimize runs, e.g. from the "
                "objective or a callback."
            )
        self._stop_flag = True

    # -- reading ----------------------------------------------------------------------------

    @property
    def trials(self) -> list[FrozenTrial]:
        """Every trial of the study, ordered by number (copies: safe to modify)."""
        return self.get_trials(deepcopy=True)

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """The study's trials, optionally only those in ``states``.

        With ``deepcopy=False`` nothing is copied: faster, and the caller must not modify
        what it gets.
        """
        return self._storage.get_all_trials(self._study_id, deepcopy=deepcopy, states=states)

    @property
    def best_trial(self) -> FrozenTrial:
        """The best feasible COMPLETE trial of a single-objective study.

        Raises:
            RuntimeError: the study has several objectives (use :attr:`best_trials`).
            ValueError: no feasible trial has completed yet.
        """
        if self._is_multi_objective():
            raise RuntimeError(
                "A multi-objective study has no single best trial; use Study.best_trials for "
                "the Pareto front."
            )
        best = self._update_best()
        if best is None:
            raise ValueError(
                "No trials are completed yet (or every completed trial is infeasible)."
            )
        return best._copy()

    def _update_best(self) -> FrozenTrial | None:
        """Fold the trials that finished since the last call into the cached best trial."""
        maximize = self._directions[0] == StudyDirection.MAXIMIZE
        with self._best_lock:
            new, self._best_cursor = self._storage.get_finished_trials_since(
                self._study_id, self._best_cursor
            )
            for trial in new:
                if trial._trial_id in self._best_seen:
                    continue
                self._best_seen.add(trial._trial_id)
                if trial.state != TrialState.COMPLETE or not is_feasible(trial):
                    continue
                assert trial.values is not None
                if self._best is None:
                    self._best = trial
                    continue
                value, best_value = trial.values[0], self._best.values[0]
                if (value > best_value) if maximize else (value < best_value):
                    self._best = trial
            return self._best

    @property
    def best_params(self) -> dict[str, Any]:
        """The parameters of :attr:`best_trial`."""
        return self.best_trial.params

    @property
    def best_value(self) -> float:
        """The objective value of :attr:`best_trial`."""
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The feasible COMPLETE trials on the Pareto front (any number of objectives)."""
        completed = [
            t
            for t in self.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if is_feasible(t)
        ]
        return [t._copy() for t in pareto_front_trials(completed, self._directions)]

    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study."""
        if self._is_multi_objective():
            raise RuntimeError(
                "This study has several objectives; use Study.directions instead of .direction."
            )
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        """The direction of each objective."""
        return list(self._directions)

    def _is_multi_objective(self) -> bool:
        return len(self._directions) > 1

    # == The sampler and pruner interface ===================================================
    # Samplers, pruners and search-space helpers read and write the study only through
    # these methods and the public ones BaseSampler's docstring lists (get_trials,
    # directions, study_name, system_attrs, set_system_attr); never through _storage or
    # _study_id. A view of the study (HyperbandPruner's bracket view) overrides the reads,
    # so that a sampler given the view sees only what the view shows.

    @property
    def cache_key(self) -> Hashable:
        """A hashable key for per-study caches in samplers and pruners.

        Equal for every :class:`Study` object of one study on one storage object in this
        process, different for another study, another storage object, or a view of the
        study (e.g. a Hyperband bracket). Never reused for another storage object.

        Examples:
            >>> import parzen
            >>> storage = parzen.storages.InMemoryStorage()
            >>> a = parzen.create_study(storage=storage, study_name="a")
            >>> parzen.load_study(study_name="a", storage=storage).cache_key == a.cache_key
            True
            >>> parzen.create_study(storage=storage, study_name="b").cache_key == a.cache_key
            False
        """
        return ("study", _storage_token(self._storage), self._study_id)

    def get_finished_trials_since(self, cursor: int) -> tuple[list[FrozenTrial], int]:
        """The trials that finished since ``cursor``, and the cursor to pass next time.

        The incremental feed behind the samplers' histories: start with ``cursor=0``.
        Delivery is at-least-once (a trial may come back in a later call), so callers keep
        the ``_trial_id`` of what they have seen. The trials are not copied: read only.

        Examples:
            >>> import parzen
            >>> study = parzen.create_study()
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
            >>> trials, cursor = study.get_finished_trials_since(0)
            >>> sorted(t.number for t in trials)
            [0, 1]
        """
        return self._storage.get_finished_trials_since(self._study_id, cursor)

    def count_trials(self, states: Container[TrialState] | None = None) -> int:
        """How many trials the study has (only those in ``states``, if given); cheap.

        Examples:
            >>> import parzen
            >>> study = parzen.create_study()
            >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
            >>> _ = study.ask()
            >>> study.count_trials(), study.count_trials((parzen.trial.TrialState.RUNNING,))
            (3, 1)
        """
        if states is None:
            return self._storage.get_n_trials(self._study_id)
        wanted = tuple(s for s in TrialState if s in states)
        return self._storage.get_n_trials(self._study_id, wanted)

    def get_trial_system_attrs(self, trial: FrozenTrial) -> dict[str, Any]:
        """The stored system attributes of ``trial`` (fresher than ``trial.system_attrs``
        when another component wrote since the snapshot was taken). Read only.

        Examples:
            >>> import parzen
            >>> study = parzen.create_study()
            >>> _ = study.ask()
            >>> trial = study.get_trials(deepcopy=False)[0]
            >>> study.set_trial_system_attr(trial, "my_sampler:tag", [1, 2])
            >>> study.get_trial_system_attrs(trial)["my_sampler:tag"]
            [1, 2]
        """
        return self._storage.get_trial_system_attrs(trial._trial_id)

    def set_trial_system_attr(self, trial: FrozenTrial, key: str, value: Any) -> None:
        """Store a JSON ``value`` under ``key`` in the system attributes of ``trial``.

        Raises:
            TypeError: ``value`` is not JSON data.
            UpdateFinishedTrialError: the trial has finished.
        """
        require_json(value, f"trial system attribute {key!r}")
        self._storage.set_trial_system_attr(trial._trial_id, key, value)

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        # Optuna's private reader, which samplers written for Optuna call; views override
        # get_trials, and this follows.
        return self.get_trials(deepcopy=deepcopy, states=states)

    def _sampler_view(self, trial: FrozenTrial) -> Study:
        """What the sampler sees while it samples ``trial``: under a HyperbandPruner, the
        trials of ``trial``'s bracket only (as Optuna does for every sampler); else ``self``."""
        pruner = self.pruner
        if isinstance(pruner, _hyperband_pruner_class()):
            return pruner.bracket_study(self, pruner.get_bracket_id(self, trial))
        return self

    # == end of the sampler and pruner interface ============================================

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._storage.get_study_user_attrs(self._study_id)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._storage.get_study_system_attrs(self._study_id)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value to the study."""
        require_json(value, f"study user attribute {key!r}")
        self._storage.set_study_user_attr(self._study_id, key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        """Attach a JSON value to the study for parzen's own components."""
        require_json(value, f"study system attribute {key!r}")
        self._storage.set_study_system_attr(self._study_id, key, value)

    @property
    def metric_names(self) -> list[str] | None:
        """Names of the objectives set with :meth:`set_metric_names`, or None."""
        return self._storage.get_study_system_attrs(self._study_id).get(METRIC_NAMES_KEY)

    def set_metric_names(self, metric_names: list[str]) -> None:
        """Name the objectives, e.g. ``["accuracy", "latency"]``, for tables and plots."""
        if len(metric_names) != len(self._directions):
            raise ValueError(
                f"set_metric_names got {len(metric_names)} name(s) for a study with "
                f"{len(self._directions)} objective(s); pass one name per direction."
            )
        if not all(isinstance(n, str) for n in metric_names):
            raise TypeError(f"Metric names must be strings, got {metric_names!r}.")
        self._storage.set_study_system_attr(self._study_id, METRIC_NAMES_KEY, list(metric_names))

    def trials_dataframe(
        self,
        attrs: tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> pd.DataFrame:
        """The trials as a pandas DataFrame, one row per trial (needs pandas).

        Nested attributes (params, user_attrs, ...) become columns such as ``params_x``, or a
        two-level column index with ``multi_index=True``.
        """
        from parzen.study._dataframe import trials_dataframe

        return trials_dataframe(self, attrs, multi_index)


# Part of the sampler and pruner interface (Study.cache_key): a number per live storage
# object, never reused (unlike id()), without keeping the storage alive.
_STORAGE_TOKENS: weakref.WeakKeyDictionary[BaseStorage, int] = weakref.WeakKeyDictionary()
_STORAGE_TOKEN_COUNTER = itertools.count()
_STORAGE_TOKEN_LOCK = threading.Lock()


# Storages that cannot be weakly referenced or hashed: kept alive, so that ids stay unique.
_PINNED_STORAGES: dict[int, tuple[BaseStorage, int]] = {}


def _storage_token(storage: BaseStorage) -> int:
    with _STORAGE_TOKEN_LOCK:
        try:
            token = _STORAGE_TOKENS.get(storage)
            if token is None:
                token = _STORAGE_TOKENS[storage] = next(_STORAGE_TOKEN_COUNTER)
            return token
        except TypeError:
            pinned = _PINNED_STORAGES.get(id(storage))
            if pinned is None:
                pinned = _PINNED_STORAGES[id(storage)] = (storage, next(_STORAGE_TOKEN_COUNTER))
            return pinned[1]


def _same_params(known: Any, params: dict[str, Any]) -> bool:
    """Whether two parameter dicts are equal, counting NaN equal to NaN (as enqueued)."""
    if not isinstance(known, dict) or known.keys() != params.keys():
        return False
    return all(_same_value(known[name], value) for name, value in params.items())


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN
    return bool(a == b)


def _default_sampler(directions: Sequence[StudyDirection]) -> BaseSampler:
    from parzen.samplers import TPESampler

    return TPESampler()


def _default_pruner() -> BasePruner:
    from parzen.pruners import MedianPruner

    return MedianPruner()


@functools.cache
def _hyperband_pruner_class() -> type[BasePruner]:
    # Looked up once: the view is asked for on every suggestion, and the pruners package
    # loads HyperbandPruner lazily.
    from parzen.pruners import HyperbandPruner

    return HyperbandPruner
