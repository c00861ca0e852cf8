"""A skrub learner's choices as parzen distributions, suggested define-by-run.

skrub describes the choices of a learner with ``SkrubLearner.get_param_grid()``: a list of
sub-grids, one per combination of branches (``choose_from`` outcomes that hold further
choices). In a sub-grid, the key of an enumerated choice (``choose_from``, ``choose_bool``,
``optional``) maps to the outcome indices it may take there, and the key of a numeric choice
(``choose_float``, ``choose_int``) maps to the choice itself. ``SkrubLearner.set_params``
takes the same keys, with an outcome index or a number as value.

A trial walks the sub-grids: it suggests a choice that every sub-grid still in play shares,
keeps the sub-grids that allow the value it got, and repeats, so a choice is suggested only
in the branches that use it. An enumerated choice is suggested by outcome index, so any
Python object can be an outcome and every storage (JSON only) can hold the trial.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sklearn.base import clone

if TYPE_CHECKING:
    from parzen.trial import Trial

_KEY = re.compile(r"^(?:.*__)?(\d+)$")


@dataclass(frozen=True)
class _Numeric:
    """A ``choose_float`` / ``choose_int`` range, or its ``n_steps`` grid."""

    low: float
    high: float
    log: bool
    integer: bool
    grid: tuple[float, ...] | None  # the values of a range discretized with ``n_steps``


def _numeric(choice: Any) -> _Numeric:
    grid = None
    if isinstance(choice, Sequence):
        grid = tuple(_plain(v) for v in choice)
    return _Numeric(
        low=choice.low,
        high=choice.high,
        log=bool(choice.log),
        integer=bool(choice.to_int),
        grid=grid,
    )


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds, so that storages can write it."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _choice_order(key: str) -> tuple[int, str]:
    match = _KEY.match(key)
    return (int(match.group(1)) if match else sys.maxsize, key)


def _is_enumerated(value: Any) -> bool:
    return isinstance(value, list)


class SearchSpace:
    """The choices of a skrub learner, and how a parzen trial picks their outcomes.

    Args:
        learner: A ``SkrubLearner`` (from ``DataOp.skb.make_learner()``).

    Raises:
        ValueError: The learner's plan holds no ``skrub.choose_*`` / ``skrub.optional``.
    """

    def __init__(self, learner: Any) -> None:
        subgrids = [dict(g) for g in learner.get_param_grid() if g]
        if not subgrids:
            raise ValueError(
                "The skrub plan has no choices to search over: expected a DataOp built with "
                "skrub.choose_float, choose_int, choose_from, choose_bool or optional, got a "
                f"plan without any ({learner!r}). Add a choice, e.g. "
                'LogisticRegression(C=skrub.choose_float(0.01, 10.0, log=True, name="C")), '
                "or fit the learner directly with DataOp.skb.make_learner()."
            )
        self._subgrids = subgrids
        keys = sorted({k for g in subgrids for k in g}, key=_choice_order)
        self._keys = keys
        self._numeric = {
            k: _numeric(v) for g in subgrids for k, v in g.items() if not _is_enumerated(v)
        }
        display = _display_names(learner, subgrids)
        # The names skrub's own tables use, in the order of the choices.
        self.display_order = [display[k] for k in keys if k in display]
        self.names: dict[str, str] = {}
        for key in keys:
            match = _KEY.match(key)
            if key in display and match is not None:
                self.names[key] = f"{match.group(1)}:{display[key]}"
            else:
                self.names[key] = key
        self._keys_by_name = {name: key for key, name in self.names.items()}

    def suggest(self, trial: Trial) -> dict[str, Any]:
        """Suggest the outcome of every choice the trial's branches use.

        Returns:
            The keyword arguments of ``SkrubLearner.set_params``.
        """
        in_play = list(self._subgrids)
        params: dict[str, Any] = {}
        while True:
            key = next(
                (k for k in self._keys if k not in params and all(k in g for g in in_play)),
                None,
            )
            if key is None:
                break
            name = self.names[key]
            numeric = self._numeric.get(key)
            if numeric is None:
                allowed = sorted({i for g in in_play for i in g[key]})
                value = trial.suggest_categorical(name, allowed)
                in_play = [g for g in in_play if value in g[key]]
            elif numeric.grid is not None:
                value = trial.suggest_categorical(name, list(numeric.grid))
            elif numeric.integer:
                value = trial.suggest_int(
                    name, int(numeric.low), int(numeric.high), log=numeric.log
                )
            else:
                value = trial.suggest_float(name, numeric.low, numeric.high, log=numeric.log)
            params[key] = value
        return params

    def set_params_from(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Translate a trial's parameters (``trial.params``) to ``set_params`` arguments."""
        return {self._keys_by_name[name]: value for name, value in params.items()}

    def grid(self) -> dict[str, list[Any]]:
        """Every choice's candidate values, for :class:`parzen.samplers.GridSampler`.

        Raises:
            ValueError: A numeric choice is a range without ``n_steps``.
        """
        space: dict[str, list[Any]] = {}
        for key in self._keys:
            numeric = self._numeric.get(key)
            if numeric is None:
                values = sorted({i for g in self._subgrids if key in g for i in g[key]})
            elif numeric.grid is not None:
                values = list(numeric.grid)
            else:
                raise ValueError(
                    f"A grid search needs a finite grid, but the choice {self.names[key]!r} is "
                    f"a continuous range [{numeric.low}, {numeric.high}]. Give it n_steps "
                    "(e.g. skrub.choose_float(0.01, 10.0, log=True, n_steps=5)), or run "
                    "make_randomized_search instead."
                )
            space[self.names[key]] = values
        return space


def _display_names(learner: Any, subgrids: list[dict[str, Any]]) -> dict[str, str]:
    """The name skrub shows for each choice key (its ``name=``, else its description).

    ``describe_params()`` lists the choices of one configuration in the order of their keys;
    a configuration built from each sub-grid pairs the two. Any doubt (a count that differs,
    a key paired with two names) gives up, and the keys serve as names.
    """
    names: dict[str, str] = {}
    for subgrid in subgrids:
        probe = clone(learner)
        probe.set_params(**{k: v[0] for k, v in subgrid.items() if _is_enumerated(v)})
        described = list(probe.describe_params())
        keys = sorted(subgrid, key=_choice_order)
        if len(described) != len(keys):
            return {}
        for key, name in zip(keys, described):
            if names.setdefault(key, str(name)) != str(name):
                return {}
    return names
