"""Trials: the running :class:`Trial`, the snapshot :class:`FrozenTrial`, and helpers."""

from parzen.trial._base import BaseTrial
from parzen.trial._create import create_trial
from parzen.trial._fixed import FixedTrial
from parzen.trial._frozen import FrozenTrial
from parzen.trial._state import TrialState
from parzen.trial._trial import Trial

__all__ = ["BaseTrial", "FixedTrial", "FrozenTrial", "Trial", "TrialState", "create_trial"]
