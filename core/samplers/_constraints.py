"""The one recorder of ``constraints_func`` results, shared by every constrained sampler.

TPE, GP and NSGA-II/III take ``constraints_func(frozen_trial) -> Sequence[float]``; when a
trial finishes COMPLETE or PRUNED (as in Optuna; a FAILed trial is not evaluated), its values
are stored in the trial's system attribute :data:`parzen._records.keys.CONSTRAINTS_KEY` as
the list ``[v0, v1, ...]``, as Optuna stores them; the constraints the objective sets itself
with ``Trial.set_constraint`` have attributes of their own. Readers use
:func:`parzen._records.constraints.get_constraints`, which sees both.

Examples:
    >>> import parzen
    >>> from parzen.samplers._constraints import record_constraints
    >>> study = parzen.create_study()
    >>> trial = study.ask()
    >>> _ = trial.suggest_float("x", 0, 1)
    >>> frozen = study.get_trials(deepcopy=False)[0]
    >>> record_constraints(
    ...     study, frozen, parzen.trial.TrialState.COMPLETE, lambda t: [t.params["x"] - 2]
    ... )
    >>> study.get_trial_system_attrs(frozen)["constraints"] == [frozen.params["x"] - 2]
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from parzen._records.keys import CONSTRAINTS_KEY
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

__all__ = ["ConstraintsFunc", "record_constraints"]

ConstraintsFunc = Callable[["FrozenTrial"], Sequence[float]]

_EVALUATED_STATES = (TrialState.COMPLETE, TrialState.PRUNED)


def record_constraints(
    study: Study,
    trial: FrozenTrial,
    state: TrialState,
    constraints_func: ConstraintsFunc | None,
) -> None:
    """Evaluate ``constraints_func(trial)`` for a COMPLETE or PRUNED trial and store the values.

    Args:
        study: The study (or a view of it) the sampler was given in ``after_trial``.
        trial: The finished trial.
        state: The state the trial is about to be stored with.
        constraints_func: The sampler's function; None records nothing.

    Raises:
        TypeError: the function did not return a sequence of numbers.
        ValueError: a value is NaN.
    """
    if constraints_func is None or state not in _EVALUATED_STATES:
        return
    returned = constraints_func(trial)
    try:
        values = [float(v) for v in returned]
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"constraints_func must return a sequence of floats, got {returned!r} for trial "
            f"{trial.number}. Return e.g. [c0, c1] where c <= 0 means satisfied."
        ) from e
    if any(math.isnan(v) for v in values):
        raise ValueError(
            f"constraints_func returned NaN for trial {trial.number}: {values}. Return "
            "finite numbers (<= 0 means satisfied)."
        )
    # A list, as Optuna stores it; Trial.set_constraint values live under keys of their own.
    study.set_trial_system_attr(trial, CONSTRAINTS_KEY, values)
