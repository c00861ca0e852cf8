"""Hyperband: several Successive Halving brackets, each trial in one of them."""

from __future__ import annotations

import binascii
import threading
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from parzen._records.constraints import is_feasible
from parzen._records.direction import StudyDirection
from parzen.logging import get_logger
from parzen.pruners._base import BasePruner
from parzen.pruners._common import check_int, check_single_objective
from parzen.pruners._successive_halving import SuccessiveHalvingPruner
from parzen.samplers._study_view import StudyView
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

_logger = get_logger(__name__)


def _count_brackets(min_resource: int, max_resource: int, reduction_factor: int) -> int:
    """``floor(log_eta(max_resource / min_resource)) + 1``, computed exactly in integers."""
    n_brackets = 1
    reach = min_resource * reduction_factor
    while reach <= max_resource:
        n_brackets += 1
        reach *= reduction_factor
    return n_brackets


class _BracketStudy(StudyView):
    """A view of a study that shows only the trials of one Hyperband bracket.

    Samplers see the bracket's trials through the study's read interface (see
    :class:`~parzen.samplers._study_view.StudyView`); ``best_trial`` and ``best_value`` are
    the bracket's too. Writes (system attributes) go to the real storage.
    """

    def __init__(self, study: Study, pruner: HyperbandPruner, bracket_id: int) -> None:
        super().__init__(study)
        self._pruner = pruner
        self._bracket_id = bracket_id

    @property
    def bracket_id(self) -> int:
        """The bracket whose trials this view shows."""
        return self._bracket_id

    def _keeps(self, trial: FrozenTrial) -> bool:
        return self._pruner.get_bracket_id(self._study, trial) == self._bracket_id

    def _view_key(self) -> tuple[Hashable, ...]:
        # A trial's bracket depends on the number of brackets, which "auto" sets late.
        return ("hyperband-bracket", self._pruner.n_brackets, self._bracket_id)

    @property
    def best_trial(self) -> FrozenTrial:
        completed = [
            t
            for t in self.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if is_feasible(t)
        ]
        if not completed:
            raise ValueError(
                f"Hyperband bracket {self._bracket_id} has no feasible COMPLETE trial yet; a "
                "best trial exists once one of its trials has completed."
            )
        best = completed[0]
        maximize = self._study.direction == StudyDirection.MAXIMIZE
        for t in completed[1:]:
            assert t.value is not None and best.value is not None
            if (t.value > best.value) if maximize else (t.value < best.value):
                best = t
        return best._copy()  # like Study.best_trial: the caller may modify it

    @property
    def best_value(self) -> float:
        value = self.best_trial.value
        assert value is not None
        return value


class HyperbandPruner(BasePruner):
    """Hyperband: run several Successive Halving brackets with different aggressiveness.

    Successive Halving must choose between many trials with little budget each and few trials
    with much budget. Hyperband hedges by running ``n_brackets`` instances of
    :class:`SuccessiveHalvingPruner` side by side, with ``n_brackets = floor(log_eta(
    max_resource / min_resource)) + 1`` (``eta = reduction_factor``; computed exactly, where
    floating-point logarithms can be one short, e.g. for 243/1 with eta=3). Bracket ``b`` uses
    ``min_early_stopping_rate=b``: bracket 0 prunes earliest and receives the most trials.

    Each trial belongs to one bracket, chosen deterministically from the CRC-32 of
    ``"{study_name}_{trial_number}"`` (stable across processes and Python versions, and the
    same assignment Optuna makes), weighted by the bracket's share of the Hyperband budget,
    ``ceil(n_brackets * eta ** s / (s + 1))`` trials for ``s = n_brackets - 1 - b``. Give the
    study a name to make runs reproducible. When pruning, a bracket compares a trial only with
    the trials of the same bracket.

    Samplers: trials of different brackets are stopped at different steps, so each bracket is
    learned from its own trials. As in Optuna, every sampler hook (``before_trial``,
    ``infer_relative_search_space``, ``sample_relative``, ``sample_independent``) gets a view
    of the study restricted to the current trial's bracket (:meth:`bracket_study`): its
    ``get_trials``, ``trials``, ``best_trial``, ``get_finished_trials_since``,
    ``count_trials`` and ``cache_key`` show that bracket only. Samplers that read the storage
    directly (``study._storage``) see every bracket. With ``n_brackets`` brackets, a sampler
    with ``k`` startup trials needs about ``n_brackets * k`` trials before every bracket
    leaves its startup phase.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0.0, 1.0)
        ...     for step in range(27):
        ...         trial.report(x + 1.0 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise parzen.TrialPruned()
        ...     return x
        >>> pruner = parzen.pruners.HyperbandPruner(min_resource=1, max_resource=27)
        >>> study = parzen.create_study(study_name="hyperband-example", pruner=pruner)
        >>> study.optimize(objective, n_trials=10)
        >>> pruner.n_brackets
        4

    Args:
        min_resource: Steps a trial runs before the first rung of bracket 0 ends (``r`` in
            the paper). An integer >= 1.
        max_resource: The maximum number of steps a trial runs, e.g. the number of epochs
            (an integer >= ``min_resource``). With ``"auto"`` (the default), it is the largest
            last step + 1 among the COMPLETE trials the first time a pruning decision finds
            one; nothing is pruned before that. If trials run for different numbers of steps,
            pass it explicitly.
        reduction_factor: ``eta``: about ``1 / reduction_factor`` of the trials are promoted
            at each rung. At least 2.
        bootstrap_count: Passed to every bracket's :class:`SuccessiveHalvingPruner`: a
            trial is promoted only once more than this many trials reached the rung. Must
            be 0 with ``max_resource="auto"``.

    Raises:
        TypeError: if an argument has the wrong type.
        ValueError: if an argument is out of range, ``max_resource < min_resource``, or
            ``bootstrap_count > 0`` with ``max_resource="auto"``.
    """

    def __init__(
        self,
        min_resource: int = 1,
        max_resource: str | int = "auto",
        reduction_factor: int = 3,
        bootstrap_count: int = 0,
    ) -> None:
        self._min_resource = check_int(
            "min_resource",
            min_resource,
            minimum=1,
            hint="Pass the number of steps of the shortest rung, e.g. 1.",
        )
        if isinstance(max_resource, str):
            if max_resource != "auto":
                raise ValueError(
                    f"max_resource must be 'auto' or an integer >= min_resource, got "
                    f"{max_resource!r}. Pass the maximum number of steps (e.g. epochs) a trial "
                    "runs, or 'auto' to take it from the first completed trials."
                )
            self._max_resource: int | None = None
        else:
            self._max_resource = check_int(
                "max_resource",
                max_resource,
                minimum=1,
                hint="Pass the maximum number of steps (e.g. epochs) a trial runs.",
            )
            if self._max_resource < self._min_resource:
                raise ValueError(
                    f"max_resource must be >= min_resource, got max_resource={max_resource!r} "
                    f"and min_resource={min_resource!r}. Pass the maximum number of steps a "
                    "trial runs as max_resource, and a smaller min_resource."
                )
        self._reduction_factor = check_int(
            "reduction_factor",
            reduction_factor,
            minimum=2,
            hint="Pass e.g. 3: about 1/reduction_factor of the trials reach each rung.",
        )
        self._bootstrap_count = check_int(
            "bootstrap_count",
            bootstrap_count,
            minimum=0,
            hint="Pass 0 to promote from the first trial that reaches a rung.",
        )
        if self._bootstrap_count > 0 and self._max_resource is None:
            raise ValueError(
                f"bootstrap_count={bootstrap_count!r} needs an explicit max_resource, got "
                "max_resource='auto'. Pass an integer max_resource, or bootstrap_count=0."
            )
        self._init_lock = threading.Lock()
        self._pruners: list[SuccessiveHalvingPruner] = []
        self._trial_allocation_budgets: list[int] = []
        self._total_trial_allocation_budget = 0
        if self._max_resource is not None:
            self._init_brackets(self._max_resource)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_init_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_lock = threading.Lock()

    @property
    def n_brackets(self) -> int | None:
        """The number of brackets, or None while ``max_resource="auto"`` is still unknown."""
        return len(self._pruners) or None

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        check_single_objective(study, self)
        if not self._pruners and not self._try_init_from_study(study):
            return False
        bracket_id = self.get_bracket_id(study, trial)
        return self._pruners[bracket_id].prune(self.bracket_study(study, bracket_id), trial)

    def get_bracket_id(self, study: Study, trial: FrozenTrial) -> int:
        """The bracket ``trial`` belongs to (0 while ``max_resource="auto"`` is unknown).

        Args:
            study: The study of the trial; its ``study_name`` is part of the hash.
            trial: The trial; only its ``number`` is used.
        """
        if not self._pruners:
            return 0
        key = f"{study.study_name}_{trial.number}".encode()
        slot = binascii.crc32(key) % self._total_trial_allocation_budget
        for bracket_id, budget in enumerate(self._trial_allocation_budgets):
            slot -= budget
            if slot < 0:
                return bracket_id
        raise AssertionError("the budgets add up to the total; a slot always falls in one")

    def bracket_study(self, study: Study, bracket_id: int) -> Study:
        """A view of ``study`` restricted to the trials of bracket ``bracket_id``.

        Samplers use it to learn from the current trial's bracket only, e.g.
        ``pruner.bracket_study(study, pruner.get_bracket_id(study, trial))``.

        Args:
            study: The study to restrict.
            bracket_id: A bracket id from :meth:`get_bracket_id`.
        """
        n_brackets = max(len(self._pruners), 1)
        if not 0 <= bracket_id < n_brackets:
            raise ValueError(
                f"bracket_id must be in [0, {n_brackets - 1}], got {bracket_id!r}. Use "
                "get_bracket_id(study, trial) to find a trial's bracket."
            )
        return _BracketStudy(study, self, bracket_id)

    # Optuna's private names, for samplers ported from Optuna.
    _get_bracket_id = get_bracket_id
    _create_bracket_study = bracket_study

    def _try_init_from_study(self, study: Study) -> bool:
        with self._init_lock:
            if self._pruners:
                return True
            completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            last_steps = [t.last_step for t in completed if t.last_step is not None]
            if not last_steps:
                return False
            max_resource = max(last_steps) + 1
            if max_resource < self._min_resource:
                _logger.warning(
                    "HyperbandPruner estimated max_resource=%d from the completed trials, "
                    "below min_resource=%d; using a single bracket. Pass max_resource to "
                    "HyperbandPruner explicitly.",
                    max_resource,
                    self._min_resource,
                )
            self._init_brackets(max(max_resource, self._min_resource))
            return True

    def _init_brackets(self, max_resource: int) -> None:
        self._max_resource = max_resource
        n_brackets = _count_brackets(self._min_resource, max_resource, self._reduction_factor)
        budgets = []
        for bracket_id in range(n_brackets):
            s = n_brackets - 1 - bracket_id
            budgets.append(-(-n_brackets * self._reduction_factor**s // (s + 1)))  # exact ceil
        pruners = [
            SuccessiveHalvingPruner(
                min_resource=self._min_resource,
                reduction_factor=self._reduction_factor,
                min_early_stopping_rate=bracket_id,
                bootstrap_count=self._bootstrap_count,
            )
            for bracket_id in range(n_brackets)
        ]
        self._trial_allocation_budgets = budgets
        self._total_trial_allocation_budget = sum(budgets)
        # Published last: other threads treat a non-empty list as "initialized".
        self._pruners = pruners
