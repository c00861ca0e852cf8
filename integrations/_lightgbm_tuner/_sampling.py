"""Per-step sampling: the step's sampler sees the study's trials of that step only.

All steps' trials live in one study (so ``study.trials`` and ``best_params`` span the whole
run, and a resumed run knows what each step has done), but a step's TPE must learn from its
own trials only: the other steps' trials hold other parameters, and the two
``feature_fraction`` grids differ. :class:`StepSampler` wraps the step's sampler and hands
it a :class:`StepStudy` view (``parzen.samplers._study_view``), as Hyperband does for its
brackets.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from parzen.samplers import BaseSampler
from parzen.samplers._study_view import StudyView

if TYPE_CHECKING:
    from parzen.distributions import BaseDistribution
    from parzen.study import Study
    from parzen.trial import FrozenTrial, TrialState

STEP_NAME_KEY = "lightgbm_tuner:step_name"


class StepStudy(StudyView):
    """A view of ``study`` that shows samplers only the trials of step ``step_name``."""

    def __init__(self, study: Study, step_name: str) -> None:
        super().__init__(study)
        self._step_name = step_name

    def _keeps(self, trial: FrozenTrial) -> bool:
        return trial.system_attrs.get(STEP_NAME_KEY) == self._step_name

    def _view_key(self) -> tuple[Hashable, ...]:
        return ("lightgbm-tuner-step", self._step_name)


class StepSampler(BaseSampler):
    """Runs ``sampler`` on the :class:`StepStudy` of ``step_name``; tags each trial with it.

    The tag is written when the trial starts, so that a running trial already belongs to its
    step (the grid sampler must see the grid points that running trials hold).
    """

    def __init__(self, sampler: BaseSampler, step_name: str) -> None:
        self._sampler = sampler
        self._step_name = step_name

    def _view(self, study: Study) -> Study:
        view: Any = StepStudy(study, self._step_name)
        return view  # duck-typed: samplers read a study only through the view's interface

    def reseed_rng(self) -> None:
        self._sampler.reseed_rng()

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        study.set_trial_system_attr(trial, STEP_NAME_KEY, self._step_name)
        self._sampler.before_trial(self._view(study), trial)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._sampler.infer_relative_search_space(self._view(study), trial)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._sampler.sample_relative(self._view(study), trial, search_space)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._sampler.sample_independent(
            self._view(study), trial, param_name, param_distribution
        )

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._sampler.after_trial(self._view(study), trial, state, values)
