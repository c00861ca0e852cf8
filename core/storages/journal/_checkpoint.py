"""Checkpoints of a journal file: the replayed state up to a byte offset of the log.

Opening a journal replays its whole log, which takes seconds for a log of 100,000 trials. A
checkpoint, the file ``<journal>.checkpoint`` beside the log, holds the state that replaying the
log's first ``offset`` bytes produced, so that opening the log restores it and replays only the
bytes after ``offset`` (including whatever other processes appended since).

A checkpoint is a cache, never the source of truth:

- It is JSON data only (never a pickle): a header line, then the state.
- The header names the log's byte offset and record count it covers and the CRC-32 of the log's
  bytes before the offset. Opening checks both against the log (the bytes before the offset
  never change: writers only append, and cut off only a torn record after the last complete
  one); a checkpoint that does not match, is unreadable or of another version is ignored,
  and the next replay of the whole log writes a new one.
- It is written to a temporary file and renamed over the old one, so readers see a whole
  checkpoint or none; concurrent writers each write a valid one, and the last rename wins.
- Writing it never fails an operation of the storage: a read-only directory means none.

``parzen storage verify`` and ``repair`` read the log itself and ignore checkpoints.

The state's layout (``state``) belongs to this module; see :func:`encode_state`.
"""

from __future__ import annotations

import base64
import datetime
import gc
import json
import os
import stat
import sys
import tempfile
import zlib
from array import array
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from parzen._records.direction import StudyDirection
from parzen.distributions import BaseDistribution, distribution_to_json
from parzen.logging import get_logger
from parzen.storages._wire import DistributionCache, decode_steps, encode_steps
from parzen.storages.journal._state import StudyState
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.storages.journal._storage import JournalStorage

_logger = get_logger(__name__)

SUFFIX = ".checkpoint"
_FORMAT = "parzen journal checkpoint"
_VERSION = 1
_CHUNK = 16 * 1024 * 1024
_STATES = {int(s): s for s in TrialState}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that all stay alive.

    Replaying a large log allocates millions of containers, and every allocation threshold
    crossed scans all of them again: pausing makes building them linear.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- the file ----------------------------------------------------------------------------------


def _log_crc(log_path: str, offset: int) -> int | None:
    """The CRC-32 of the log's first ``offset`` bytes, or None if it is shorter."""
    crc = 0
    with open(log_path, "rb") as f:
        remaining = offset
        while remaining:
            chunk = f.read(min(_CHUNK, remaining))
            if not chunk:
                return None
            crc = zlib.crc32(chunk, crc)
            remaining -= len(chunk)
    return crc


def read_header(log_path: str) -> dict[str, Any] | None:
    """The header of the log's checkpoint, or None if there is none or it is unreadable."""
    try:
        with open(log_path + SUFFIX, "rb") as f:
            header = json.loads(f.readline())
    except (OSError, ValueError):
        return None
    if (
        not isinstance(header, dict)
        or header.get("format") != _FORMAT
        or header.get("version") != _VERSION
        or not all(type(header.get(k)) is int for k in ("offset", "log_number", "crc32"))
    ):
        return None
    return header


def read(log_path: str) -> tuple[int, int, dict[str, Any]] | None:
    """``(offset, log_number, state)`` of the log's checkpoint if it matches the log, else None."""
    header = read_header(log_path)
    if header is None:
        return None
    offset = header["offset"]
    try:
        if offset <= 0 or os.path.getsize(log_path) < offset:
            return _ignored(log_path, "the log is shorter than the checkpoint's offset")
        with open(log_path, "rb") as f:
            f.seek(offset - 1)
            if f.read(1) != b"\n":
                return _ignored(log_path, "its offset is not at the end of a record")
        if _log_crc(log_path, offset) != header["crc32"]:
            return _ignored(log_path, "the log's bytes before its offset changed")
        with open(log_path + SUFFIX, "rb") as f:
            f.readline()
            state = json.loads(f.read())
    except (OSError, ValueError) as e:
        return _ignored(log_path, f"it cannot be read ({e})")
    if not isinstance(state, dict):
        return _ignored(log_path, "its state is not a JSON object")
    return offset, header["log_number"], state


def _ignored(log_path: str, why: str) -> tuple[int, int, dict[str, Any]] | None:
    _logger.debug(f"Ignored the checkpoint {log_path + SUFFIX}: {why}; it will be rewritten.")
    return None


def write(log_path: str, offset: int, log_number: int, state: dict[str, Any]) -> None:
    """Write the checkpoint of the log's first ``offset`` bytes (``log_number`` records).

    Raises:
        OSError: the checkpoint could not be written (the caller carries on without it).
    """
    crc = _log_crc(log_path, offset)
    if crc is None:
        raise OSError(f"{log_path} is shorter than {offset} bytes")
    header = {
        "format": _FORMAT,
        "version": _VERSION,
        "offset": offset,
        "log_number": log_number,
        "crc32": crc,
    }
    directory = os.path.dirname(os.path.abspath(log_path))
    fd, temp = tempfile.mkstemp(prefix=os.path.basename(log_path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(header).encode() + b"\n")
            f.write(json.dumps(state, separators=(",", ":")).encode())
        # Whoever may read the log may read its checkpoint (mkstemp makes files private).
        os.chmod(temp, stat.S_IMODE(os.stat(log_path).st_mode))
        os.replace(temp, log_path + SUFFIX)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise


# -- the state ---------------------------------------------------------------------------------


def _pack_floats(values: list[Any]) -> tuple[str, list[list[Any]]]:
    """Floats as base64 of little-endian doubles, plus ``[position, value]`` of the others.

    Parsing a million floats from JSON text takes a second; decoding them from bytes, a few
    milliseconds. The bytes are IEEE doubles, data that no reader executes.
    """
    others: list[list[Any]] = []
    if all(type(v) is float for v in values):
        packed = array("d", values)
    else:
        packed = array("d", bytes(8 * len(values)))
        for i, v in enumerate(values):
            if type(v) is float:
                packed[i] = v
            else:
                others.append([i, v])
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii"), others


def _unpack_floats(text: str, others: list[list[Any]]) -> list[Any]:
    packed = array("d")
    packed.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        packed.byteswap()
    values: list[Any] = packed.tolist()
    for i, v in others:
        values[i] = v
    return values


def _text(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def encode_state(storage: JournalStorage) -> dict[str, Any]:
    """The replayed state of ``storage`` as JSON data (caller holds the storage's lock).

    Trials are rows ``[id, state, values, start, complete, layout, user_attrs, system_attrs,
    intermediate_values]``; ``layout`` indexes a list of parameter layouts (names with their
    distributions, which most trials of a study share), and the parameter values of a study's
    trials follow in one packed array, in trial order.
    """
    dist_texts: list[str] = []
    dist_index: dict[str, int] = {}
    index_of_object: dict[int, int] = {}
    keep_alive: list[BaseDistribution] = []

    def dist_id(dist: BaseDistribution) -> int:
        found = index_of_object.get(id(dist))
        if found is None:
            text = distribution_to_json(dist)
            found = dist_index.get(text)
            if found is None:
                found = dist_index[text] = len(dist_texts)
                dist_texts.append(text)
            index_of_object[id(dist)] = found
            keep_alive.append(dist)
        return found

    layouts: list[list[list[Any]]] = []
    layout_index: dict[tuple[Any, ...], int] = {}
    studies = []
    for study_id, study in storage._studies.items():
        rows = []
        param_values: list[Any] = []
        position = {}
        for number, trial_id in enumerate(study.trial_ids):
            position[trial_id] = number
            trial = storage._lookup(trial_id)
            assert trial is not None  # a study's trials go with it
            dists = trial.distributions
            key = tuple((name, dist_id(d)) for name, d in dists.items())
            layout = layout_index.get(key)
            if layout is None:
                layout = layout_index[key] = len(layouts)
                layouts.append([list(pair) for pair in key])
            params = trial.params
            param_values.extend(params[name] for name in dists)
            rows.append(
                [
                    trial_id,
                    int(trial.state),
                    trial.values,
                    _text(trial.datetime_start),
                    _text(trial.datetime_complete),
                    layout,
                    trial.user_attrs,
                    trial.system_attrs,
                    encode_steps(trial.intermediate_values),
                ]
            )
        packed, others = _pack_floats(param_values)
        studies.append(
            {
                "id": study_id,
                "name": study.name,
                "dirs": [int(d) for d in study.directions],
                "ua": study.user_attrs,
                "sa": study.system_attrs,
                "pd": {n: dist_id(d) for n, d in study.param_distributions.items()},
                "alive": [[t, at] for t, at in study.alive_at.items()],
                "finished": [position[t] for t in study.finished_trial_ids],
                "trials": rows,
                "pv": packed,
                "pvo": others,
            }
        )
    return {
        "n_studies_created": storage._n_studies_created,
        "n_trials_created": storage._n_trials_created,
        "retired": sorted(storage._retired_ids),
        "distributions": dist_texts,
        "layouts": layouts,
        "studies": studies,
    }


class Restored:
    """What :func:`decode_state` rebuilt, to be swapped into a storage in one step.

    Finished trials stay rows (``unbuilt``) until first read, by :func:`build_trial`: a
    ``load_study(...).trials`` then builds each trial once, as the copy it hands out.
    """

    def __init__(self) -> None:
        self.studies: dict[int, StudyState] = {}
        self.study_ids_by_name: dict[str, int] = {}
        self.trials: dict[int, FrozenTrial] = {}
        self.unbuilt: dict[int, Unbuilt] = {}
        self.study_of_trial: dict[int, int] = {}
        self.retired_ids: set[int] = set()
        self.n_studies_created = 0
        self.n_trials_created = 0


# (number, row, parameter names, shared distributions dict, the study's values, first index)
Unbuilt = tuple[int, list[Any], tuple[str, ...], dict[str, BaseDistribution], list[Any], int]


def state_of(entry: Unbuilt) -> TrialState:
    """The state of a row's trial, without building it."""
    return _STATES[entry[1][1]]


def build_trial(entry: Unbuilt, *, private: bool) -> FrozenTrial:
    """The trial of a row of :func:`decode_state`.

    ``private``: for a caller that may change what it gets (a deep copy); otherwise the trial
    shares its distributions and attributes with the row and must not be changed.
    """
    number, row, names, dists, values, at = entry
    trial_id, state_code, objective, start, complete, _, user_attrs, system_attrs, steps = row
    if private:
        dists = dict(dists)
        user_attrs = _copy_json(user_attrs)
        system_attrs = _copy_json(system_attrs)
    return FrozenTrial(
        number=number,
        state=_STATES[state_code],
        value=None,
        values=objective,
        datetime_start=None if start is None else datetime.datetime.fromisoformat(start),
        datetime_complete=(
            None if complete is None else datetime.datetime.fromisoformat(complete)
        ),
        params=dict(zip(names, values[at : at + len(names)])),
        distributions=dists,
        user_attrs=user_attrs,
        system_attrs=system_attrs,
        intermediate_values=decode_steps(steps) if steps else {},
        trial_id=trial_id,
    )


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()} if value else {}
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    return value


def decode_state(state: dict[str, Any], distributions: DistributionCache) -> Restored:
    """Rebuild what :func:`encode_state` wrote; finished trials stay unbuilt rows.

    Raises:
        KeyError, TypeError, ValueError, IndexError: the state is malformed.
    """
    out = Restored()
    out.n_studies_created = int(state["n_studies_created"])
    out.n_trials_created = int(state["n_trials_created"])
    out.retired_ids = set(state["retired"])
    dists = [distributions.get(text) for text in state["distributions"]]
    # Trials of one layout share one distributions dict: stored trials are replaced on every
    # change, never changed in place.
    layouts = [
        (tuple(name for name, _ in layout), {name: dists[i] for name, i in layout})
        for layout in state["layouts"]
    ]
    unbuilt = out.unbuilt
    study_of_trial = out.study_of_trial
    for doc in state["studies"]:
        study_id = doc["id"]
        if type(study_id) is not int:
            raise TypeError(f"A study id must be an int, got {study_id!r}.")
        study = StudyState(doc["name"], [StudyDirection(d) for d in doc["dirs"]])
        study.user_attrs = doc["ua"]
        study.system_attrs = doc["sa"]
        study.param_distributions = {n: dists[i] for n, i in doc["pd"].items()}
        values = _unpack_floats(doc["pv"], doc["pvo"])
        at = 0
        trial_ids = study.trial_ids
        n_by_state = study.n_by_state
        for number, row in enumerate(doc["trials"]):
            trial_id = row[0]
            if type(trial_id) is not int:
                raise TypeError(f"A trial id must be an int, got {trial_id!r}.")
            names, trial_dists = layouts[row[5]]
            entry = (number, row, names, trial_dists, values, at)
            at += len(names)
            state_of_trial = _STATES[row[1]]
            n_by_state[state_of_trial] += 1
            if state_of_trial.is_finished():
                unbuilt[trial_id] = entry
            else:
                # Unfinished trials change with later records: build them now.
                study.unfinished_ids[state_of_trial].add(trial_id)
                out.trials[trial_id] = build_trial(entry, private=False)
            study_of_trial[trial_id] = study_id
            trial_ids.append(trial_id)
        if at != len(values):
            raise ValueError(f"{len(values)} parameter values for {at} parameters")
        study.finished_trial_ids = [trial_ids[n] for n in doc["finished"]]
        study.alive_at = {int(t): float(when) for t, when in doc["alive"]}
        out.studies[study_id] = study
        out.study_ids_by_name[study.name] = study_id
    return out
