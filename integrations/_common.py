"""The report-and-stop logic that every pruning callback shares.

A pruning callback does three things at each step of a framework's training loop: find the
monitored metric among the values the framework computed, report it to the trial at that
step, and ask the study's pruner whether to stop. This module holds those three once, so that
the framework modules only translate between the framework's callback hooks and
:class:`Reporter`.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from parzen.exceptions import TrialPruned

if TYPE_CHECKING:
    from parzen.trial import Trial

_T = TypeVar("_T")

# Name tokens that say which way a metric improves. The frameworks that know it (LightGBM,
# CatBoost) tell us directly; for the others these tokens are a best guess, used only to warn.
_HIGHER_IS_BETTER_TOKENS = frozenset(
    {
        "acc",
        "accuracy",
        "auc",
        "aucpr",
        "auprc",
        "auroc",
        "dice",
        "f1",
        "fbeta",
        "iou",
        "kappa",
        "map",
        "mcc",
        "ndcg",
        "pre",
        "precision",
        "prauc",
        "r2",
        "recall",
    }
)
_LOWER_IS_BETTER_TOKENS = frozenset(
    {
        "cer",
        "crossentropy",
        "err",
        "error",
        "l1",
        "l2",
        "logloss",
        "loss",
        "mae",
        "mape",
        "merror",
        "mlogloss",
        "mse",
        "nll",
        "nloglik",
        "perplexity",
        "rmse",
        "rmsle",
        "wer",
    }
)


def missing_framework_error(
    adapter: str,
    package: str,
    extra: str,
    cause: BaseException | None = None,
    *,
    note: str = "",
) -> ImportError:
    """Build the ImportError raised when an adapter's framework cannot be imported.

    Args:
        adapter: The adapter's class name, e.g. ``"LightGBMPruningCallback"``.
        package: The framework's distribution name, e.g. ``"lightgbm"``.
        extra: The parzen extra that installs it.
        cause: The import failure, quoted in the message.
        note: A sentence appended to the message.

    Examples:
        >>> error = missing_framework_error("LightGBMPruningCallback", "lightgbm", "lightgbm")
        >>> str(error).endswith('Install it with: pip install "parzen[lightgbm]"')
        True
    """
    reason = f" ({cause})" if cause is not None else ""
    message = (
        f"{adapter} needs the {package!r} package, which could not be imported{reason}. "
        f'Install it with: pip install "parzen[{extra}]"'
    )
    return ImportError(f"{message} {note}".rstrip())


def version_tuple(version: str) -> tuple[int, ...]:
    """The leading numeric components of a version string: ``"2.1.0rc1"`` -> ``(2, 1, 0)``."""
    parts: list[int] = []
    for piece in version.split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.end() != len(piece):
            break
    return tuple(parts)


def require_version(
    adapter: str, package: str, extra: str, installed: str, minimum: tuple[int, ...]
) -> None:
    """Raise ImportError if ``installed`` is older than ``minimum``."""
    if version_tuple(installed) < minimum:
        wanted = ".".join(str(p) for p in minimum)
        raise ImportError(
            f"{adapter} needs {package}>={wanted}, but {package} {installed} is installed. "
            f'Upgrade it with: pip install -U "parzen[{extra}]"'
        )


def lookup_metric(
    available: Mapping[str, _T],
    name: str,
    *,
    what: str = "metric",
    where: str = "",
    hint: str = "",
) -> _T:
    """Return ``available[name]``, or raise ValueError listing the names that do exist.

    Args:
        available: What the framework computed at this step, by name.
        name: The name the user asked to monitor.
        what: What a name designates, for the message ("metric", "evaluation set", ...).
        where: Where the names were looked for, e.g. ``" in validation set 'valid_0'"``.
        hint: A sentence on how to fix the name, appended to the message.
    """
    if name in available:
        return available[name]
    raise ValueError(unknown_name_message(name, available, what=what, where=where, hint=hint))


def unknown_name_message(
    name: str, existing: Iterable[str], *, what: str, where: str = "", hint: str = ""
) -> str:
    """The message for a monitored name that the framework did not produce.

    Examples:
        >>> unknown_name_message("val_los", ["loss", "val_loss"], what="metric")
        "The metric 'val_los' was not found; available metrics: 'loss', 'val_loss'."
    """
    names = sorted(str(n) for n in existing)
    listed = ", ".join(repr(n) for n in names) if names else "none"
    message = f"The {what} {name!r} was not found{where}; available {what}s: {listed}."
    return f"{message} {hint}".rstrip()


def guess_higher_is_better(metric: str) -> bool | None:
    """Guess from its name whether a metric improves upward; None when unsure.

    Examples:
        >>> guess_higher_is_better("val_accuracy"), guess_higher_is_better("validation-logloss")
        (True, False)
        >>> guess_higher_is_better("my_score") is None
        True
    """
    tokens = set(re.split(r"[^a-z0-9]+", metric.lower()))
    higher = bool(tokens & _HIGHER_IS_BETTER_TOKENS)
    lower = bool(tokens & _LOWER_IS_BETTER_TOKENS)
    if higher == lower:
        return None
    return higher


def _study_maximizes(trial: Any) -> bool | None:
    """True/False for a single-objective study's direction; None when there is no study."""
    study = getattr(trial, "study", None)
    directions = getattr(study, "directions", None)
    if directions is None or len(directions) != 1:
        return None
    name = getattr(directions[0], "name", "")
    if name == "MAXIMIZE":
        return True
    if name == "MINIMIZE":
        return False
    return None


class Reporter:
    """Report a framework's metric to a trial and ask the pruner whether to stop.

    Every pruning callback owns one. A deep copy of a callback (scikit-learn's ``clone``,
    XGBoost's advice to deep-copy callbacks) shares the trial, since a trial is a handle on a
    record in the study's storage rather than a value.

    Args:
        trial: The trial the values are reported to.
        adapter: The owning callback's class name, used in messages.

    Examples:
        >>> import parzen
        >>> from parzen.integrations._common import Reporter
        >>> study = parzen.create_study()
        >>> trial = study.ask()
        >>> reporter = Reporter(trial, adapter="MyCallback")
        >>> reporter.report(0.5, step=0)
        False
        >>> trial.storage.get_trial(trial._trial_id).intermediate_values
        {0: 0.5}
    """

    def __init__(self, trial: Trial, *, adapter: str) -> None:
        self.trial = trial
        self.adapter = adapter
        self._direction_checked = False

    def __deepcopy__(self, memo: dict[int, Any]) -> Reporter:
        clone = copy.copy(self)
        memo[id(self)] = clone
        return clone

    def check_direction(
        self, metric: str, higher_is_better: bool | None, *, strict: bool = False
    ) -> None:
        """Warn once if ``metric`` improves the other way from the study's objective.

        Args:
            metric: The monitored metric's name, for the message.
            higher_is_better: Which way the metric improves; None skips the check.
            strict: Raise instead of warning, for frameworks that say which way each metric
                improves (a guess from the name only warns).

        Raises:
            ValueError: ``strict`` and the directions disagree.
        """
        if self._direction_checked:
            return
        self._direction_checked = True
        maximizes = _study_maximizes(self.trial)
        if higher_is_better is None or maximizes is None or higher_is_better == maximizes:
            return
        metric_way = "higher" if higher_is_better else "lower"
        study_way = "maximize" if maximizes else "minimize"
        fix = "maximize" if higher_is_better else "minimize"
        message = (
            f"{self.adapter} monitors {metric!r}, for which {metric_way} is better, but the study "
            f"is set to {study_way}: the pruner would stop the best trials. Create the study "
            f"with direction={fix!r}, or monitor a metric that improves the way the study "
            "optimizes."
        )
        if strict:
            raise ValueError(message)
        warnings.warn(message, UserWarning, stacklevel=3)

    def report(self, value: float, step: int) -> bool:
        """Report ``value`` at ``step`` and return whether the pruner asks to stop."""
        self.trial.report(float(value), step)
        return bool(self.trial.should_prune())

    def pruned(self, step: int) -> TrialPruned:
        """The exception that ends the trial, pruned at ``step``."""
        return TrialPruned(f"Trial was pruned at step {step} by {self.adapter}.")
