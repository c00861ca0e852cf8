"""StudyDirection: whether each objective is minimized or maximized, and its parser.

Part of the bottom-layer shared records: storages, samplers, pruners and the study all
import it from here, and ``parzen.study`` re-exports it.
"""

from __future__ import annotations

import enum


class StudyDirection(enum.IntEnum):
    """Whether an objective is minimized or maximized.

    Examples:
        >>> import parzen
        >>> parzen.create_study(direction="maximize").direction
        StudyDirection.MAXIMIZE
    """

    NOT_SET = 0
    MINIMIZE = 1
    MAXIMIZE = 2

    def __repr__(self) -> str:
        return f"StudyDirection.{self.name}"

    def __str__(self) -> str:
        return self.name


def to_direction(direction: str | StudyDirection) -> StudyDirection:
    """Parse ``"minimize"``/``"maximize"`` (any case) or pass a StudyDirection through."""
    if isinstance(direction, StudyDirection) and direction != StudyDirection.NOT_SET:
        return direction
    if isinstance(direction, str) and direction.lower() in ("minimize", "maximize"):
        return StudyDirection[direction.upper()]
    raise ValueError(
        f"Unknown direction {direction!r}: expected 'minimize' or 'maximize' "
        "(or StudyDirection.MINIMIZE / StudyDirection.MAXIMIZE)."
    )
