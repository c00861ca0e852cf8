"""NopPruner: the pruner that never prunes, for turning pruning off explicitly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parzen.pruners._base import BasePruner
from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    from parzen.study import Study


class NopPruner(BasePruner):
    """Never prunes.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    """

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        return False
