"""ForwardingStorage: the base of storages that send each call to a storage elsewhere.

:class:`~parzen.storages.GrpcStorageProxy` (to a proxy server) and
:class:`~parzen.integrations.dask.DaskStorage` (to the Dask scheduler) are handles: each
storage method becomes one request, with JSON arguments (``parzen.storages._wire``), to the
same method of the served storage. The calls that are plain requests, with the argument
checks every storage makes before it writes, live here once; a subclass implements
:meth:`ForwardingStorage._call` (how a request travels and how errors come back) and the
methods where it caches, batches or retries.
"""

from __future__ import annotations

import abc
from typing import Any

from parzen._json import require_json
from parzen._records.study_summary import FrozenStudy
from parzen.storages import _wire
from parzen.storages._base import BaseStorage, check_name
from parzen.trial import TrialState


class ForwardingStorage(BaseStorage, abc.ABC):
    """A storage whose methods are requests to a storage in another process."""

    @abc.abstractmethod
    def _call(self, method: str, *args: Any) -> Any:
        """Run ``method(*args)`` on the served storage and return its JSON result.

        Args:
            method: the name of a :class:`~parzen.storages.BaseStorage` method.
            args: its arguments, as JSON values.

        Raises:
            Exception: the error the served storage raised, rebuilt by
                ``parzen.storages._wire.decode_error``; or a
                :class:`~parzen.exceptions.StorageInternalError` when it cannot be reached.
        """

    # -- studies ----------------------------------------------------------------------------

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        check_name(key, "study user attribute key")
        require_json(value, f"study user attribute {key!r}")
        self._call("set_study_user_attr", study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        check_name(key, "study system attribute key")
        require_json(value, f"study system attribute {key!r}")
        self._call("set_study_system_attr", study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return int(self._call("get_study_id_from_name", study_name))

    def get_study_name_from_id(self, study_id: int) -> str:
        return str(self._call("get_study_name_from_id", study_id))

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return dict(self._call("get_study_user_attrs", study_id))

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return dict(self._call("get_study_system_attrs", study_id))

    def get_all_studies(self) -> list[FrozenStudy]:
        return [_wire.decode_study(s) for s in self._call("get_all_studies")]

    # -- trials -----------------------------------------------------------------------------

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return int(self._call("get_trial_id_from_study_id_trial_number", study_id, trial_number))

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._call("set_trial_intermediate_value", trial_id, int(step), float(intermediate_value))

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        check_name(key, "user attribute key")
        require_json(value, f"trial user attribute {key!r}")
        self._call("set_trial_user_attr", trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        check_name(key, "system attribute key")
        require_json(value, f"trial system attribute {key!r}")
        self._call("set_trial_system_attr", trial_id, key, value)

    def get_n_trials(
        self, study_id: int, state: TrialState | tuple[TrialState, ...] | None = None
    ) -> int:
        states = (state,) if isinstance(state, TrialState) else state
        return int(self._call("get_n_trials", study_id, _wire.encode_states(states)))

    # -- heartbeats -------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        self._call("record_heartbeat", trial_id)

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        return [int(i) for i in self._call("get_stale_trial_ids", study_id)]
