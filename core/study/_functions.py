"""Module-level study functions: create, load, delete, copy and list studies."""

from __future__ import annotations

from collections.abc import Sequence

from parzen import logging as parzen_logging
from parzen._records.direction import StudyDirection, to_direction
from parzen._records.study_summary import StudySummary
from parzen.exceptions import DuplicatedStudyError
from parzen.pruners import BasePruner
from parzen.samplers import BaseSampler
from parzen.storages import BaseStorage, get_storage
from parzen.study._study import Study
from parzen.trial import TrialState

_logger = parzen_logging.get_logger(__name__)


def create_study(
    *,
    storage: str | BaseStorage | None = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    study_name: str | None = None,
    direction: str | StudyDirection | None = None,
    load_if_exists: bool = False,
    directions: Sequence[str | StudyDirection] | None = None,
) -> Study:
    """Create a study.

    Args:
        storage: None (in memory), a URL such as ``"sqlite:///study.db"``, or a storage.
        sampler: how parameters are chosen; TPE by default.
        pruner: how trials are stopped early; median pruning by default.
        study_name: a name, needed to load the study again from a persistent storage.
        direction: ``"minimize"`` (default) or ``"maximize"``.
        load_if_exists: load the study if one with this name exists instead of raising.
        directions: one direction per objective, for multi-objective studies.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(directions=["minimize", "maximize"])
        >>> [d.name for d in study.directions]
        ['MINIMIZE', 'MAXIMIZE']
    """
    if direction is not None and directions is not None:
        raise ValueError("Pass direction= for one objective or directions= for several, not both.")
    requested: list[StudyDirection] | None = None
    if directions is not None:
        if isinstance(directions, str) or len(directions) == 0:
            raise ValueError(
                f"directions must be a non-empty list such as ['minimize', 'maximize'], "
                f"got {directions!r}."
            )
        requested = [to_direction(d) for d in directions]
    elif direction is not None:
        requested = [to_direction(direction)]
    parsed = requested if requested is not None else [StudyDirection.MINIMIZE]

    backend = get_storage(storage)
    try:
        study_id = backend.create_new_study(parsed, study_name)
    except DuplicatedStudyError:
        if not load_if_exists or study_name is None:
            raise
        existing = backend.get_study_directions(backend.get_study_id_from_name(study_name))
        # Without direction(s) the stored ones apply, as in Optuna. Directions that say
        # otherwise would optimize the wrong way, so they are refused (Optuna ignores them).
        if requested is not None and existing != requested:
            raise ValueError(
                f"The existing study {study_name!r} has directions "
                f"{[d.name.lower() for d in existing]}, not "
                f"{[d.name.lower() for d in requested]}. Drop direction(s) to load it as it "
                "is, or pick another study_name."
            ) from None
        _logger.info(
            f"Using an existing study with name '{study_name}' instead of creating a new one."
        )
        return Study(study_name, backend, sampler=sampler, pruner=pruner)
    name = backend.get_study_name_from_id(study_id)
    _logger.info(f"A new study created with name: {name}")
    return Study(name, backend, sampler=sampler, pruner=pruner)


def load_study(
    *,
    study_name: str | None,
    storage: str | BaseStorage,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
) -> Study:
    """Load an existing study; ``study_name=None`` works when the storage holds one study.

    Raises:
        KeyError: no study has that name.
        ValueError: ``study_name`` is None and the storage holds zero or several studies.
    """
    backend = get_storage(storage)
    if study_name is None:
        names = [s.study_name for s in backend.get_all_studies()]
        if len(names) != 1:
            raise ValueError(
                f"study_name=None works only when the storage holds exactly one study; it "
                f"holds {len(names)}: {names}. Pass study_name."
            )
        study_name = names[0]
    return Study(study_name, backend, sampler=sampler, pruner=pruner)


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    """Delete a study and all of its trials.

    Raises:
        KeyError: no study has that name.
    """
    backend = get_storage(storage)
    backend.delete_study(backend.get_study_id_from_name(study_name))


def copy_study(
    *,
    from_study_name: str,
    from_storage: str | BaseStorage,
    to_storage: str | BaseStorage,
    to_study_name: str | None = None,
) -> None:
    """Copy a study with its attributes and trials to another storage (or name).

    Examples:
        >>> import parzen
        >>> source = parzen.storages.InMemoryStorage()
        >>> study = parzen.create_study(storage=source, study_name="a")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> target = parzen.storages.InMemoryStorage()
        >>> parzen.copy_study(from_study_name="a", from_storage=source, to_storage=target)
        >>> len(parzen.load_study(study_name="a", storage=target).trials)
        3
    """
    source = load_study(study_name=from_study_name, storage=from_storage)
    target = create_study(
        storage=to_storage,
        study_name=to_study_name or from_study_name,
        directions=source.directions,
    )
    for key, value in source.system_attrs.items():
        target.set_system_attr(key, value)
    for key, value in source.user_attrs.items():
        target.set_user_attr(key, value)
    # RUNNING trials cannot be added as they are; like Optuna, copy them as they stand would
    # be wrong, so copy only finished and waiting ones and say so.
    trials = source.get_trials(deepcopy=False)
    running = [t.number for t in trials if t.state == TrialState.RUNNING]
    if running:
        _logger.warning(f"copy_study skips the RUNNING trials {running}.")
    target.add_trials(t for t in trials if t.state != TrialState.RUNNING)


def get_all_study_summaries(
    storage: str | BaseStorage, include_best_trial: bool = True
) -> list[StudySummary]:
    """Summaries (name, directions, trial count, best trial, ...) of every study."""
    backend = get_storage(storage)
    summaries = []
    for frozen in backend.get_all_studies():
        study_id = frozen._study_id
        trials = backend.get_all_trials(study_id, deepcopy=False)
        best = None
        if include_best_trial and len(frozen.directions) == 1:
            best = Study(frozen.study_name, backend)._update_best()
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        summaries.append(
            StudySummary(
                study_name=frozen.study_name,
                direction=None,
                directions=frozen.directions,
                best_trial=best,
                user_attrs=frozen.user_attrs,
                system_attrs=frozen.system_attrs,
                n_trials=len(trials),
                datetime_start=min(starts) if starts else None,
                study_id=study_id,
            )
        )
    return summaries


def get_all_study_names(storage: str | BaseStorage) -> list[str]:
    """The names of every study in the storage."""
    return [s.study_name for s in get_storage(storage).get_all_studies()]
