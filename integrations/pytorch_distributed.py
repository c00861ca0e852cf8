"""``TorchDistributedTrial``: one trial shared by every rank of a ``torch.distributed`` job.

In data-parallel training every process (rank) runs the same objective. Only rank 0 holds
the real :class:`~parzen.trial.Trial`; the other ranks pass ``None``. Every method is
called by all ranks at once: rank 0 does the work (suggests, reports, asks the pruner) and
broadcasts the answer, so that every rank trains with the same parameters and stops at the
same step. Answers travel as JSON over CPU tensors (gloo), never as pickles; an exception
raised on rank 0 is raised on every rank.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import parzen.exceptions
from parzen.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    json_to_distribution,
)
from parzen.integrations._common import missing_framework_error

if TYPE_CHECKING:
    from parzen.trial import BaseTrial

_T = TypeVar("_T")

# Exceptions re-raised with their own type on the other ranks; anything else arrives as a
# RuntimeError naming the original type.
_REPLAYABLE_ERRORS: dict[str, type[BaseException]] = {
    cls.__name__: cls
    for cls in (
        ValueError,
        TypeError,
        KeyError,
        RuntimeError,
        NotImplementedError,
        parzen.exceptions.TrialPruned,
        parzen.exceptions.StorageInternalError,
        parzen.exceptions.UpdateFinishedTrialError,
    )
}


def _torch_distributed() -> Any:
    try:
        import torch.distributed as dist
    except ImportError as e:
        raise missing_framework_error("TorchDistributedTrial", "torch", "torch", e) from e
    return dist


class TorchDistributedTrial:
    """A trial that every rank of a PyTorch distributed job uses as if it were its own.

    Rank 0 passes the trial :meth:`parzen.Study.optimize` gave it; every other rank passes
    ``None``. Each method must be called by all ranks at the same point of the program
    (they are collective operations, like ``all_reduce``); each returns the same answer on
    every rank.

    Args:
        trial: The trial on rank 0 (a :class:`~parzen.trial.Trial`, or any trial with the
            same methods); ``None`` on the other ranks.
        group: The process group to communicate in. Answers travel as CPU tensors, so the
            group's backend must support them (gloo does). ``None``: the default group,
            or a gloo group over all ranks when the default group cannot send CPU tensors
            (NCCL).

    Raises:
        ImportError: torch is not installed (``pip install ".[torch]"``).
        RuntimeError: ``torch.distributed`` is not initialized.
        ValueError: rank 0 passed ``None``.

    Examples:
        >>> import tempfile
        >>> import torch.distributed as dist
        >>> import parzen
        >>> from parzen.integrations import TorchDistributedTrial
        >>> rendezvous = f"file://{tempfile.mkdtemp()}/rendezvous"  # one process here
        >>> dist.init_process_group("gloo", init_method=rendezvous, rank=0, world_size=1)
        >>> def objective(single_trial):
        ...     trial = TorchDistributedTrial(single_trial)  # None on ranks other than 0
        ...     x = trial.suggest_float("x", -1.0, 1.0)
        ...     return x**2
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=3)
        >>> dist.destroy_process_group()
        >>> len(study.trials)
        3
    """

    def __init__(self, trial: BaseTrial | None, group: Any = None) -> None:
        dist = _torch_distributed()
        if not dist.is_available() or not dist.is_initialized():
            raise RuntimeError(
                "TorchDistributedTrial needs an initialized torch.distributed process group: "
                "call torch.distributed.init_process_group(...) in every process first."
            )
        self._dist = dist
        self._group = group if group is not None else _cpu_group(dist)
        self._rank = dist.get_rank(group=self._group)
        if self._rank == 0 and trial is None:
            raise ValueError(
                "TorchDistributedTrial on rank 0 needs the study's trial, got None. Pass the "
                "trial on rank 0 and None on the other ranks."
            )
        self._delegate = trial if self._rank == 0 else None
        self._source = _global_rank_of_group_rank_zero(dist, self._group)

    # -- the one communication primitive ----------------------------------------------------

    def _on_rank_zero(self, compute: Callable[[], Any]) -> Any:
        """Run ``compute`` on rank 0 and give every rank its JSON-encoded result or error."""
        error: BaseException | None = None
        if self._rank == 0:
            try:
                message: dict[str, Any] = {"value": compute()}
            except Exception as e:
                error = e
                message = {"error": type(e).__name__, "message": str(e)}
            payload = json.dumps(message, allow_nan=True).encode("utf-8")
        else:
            payload = b""
        received = json.loads(self._broadcast_bytes(payload).decode("utf-8"))
        if error is not None:
            raise error
        if "error" in received:
            raise _replayed_error(received["error"], received["message"])
        return received["value"]

    def _broadcast_bytes(self, payload: bytes) -> bytes:
        import torch

        size = torch.tensor([len(payload)], dtype=torch.int64)
        self._dist.broadcast(size, src=self._source, group=self._group)
        buffer = (
            torch.frombuffer(bytearray(payload), dtype=torch.uint8)
            if self._rank == 0
            else torch.empty(int(size.item()), dtype=torch.uint8)
        )
        if buffer.numel():
            self._dist.broadcast(buffer, src=self._source, group=self._group)
        return bytes(buffer.numpy().tobytes())

    def _trial(self) -> BaseTrial:
        assert self._delegate is not None  # only called on rank 0
        return self._delegate

    # -- suggestions --------------------------------------------------------------------------

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """As :meth:`parzen.trial.Trial.suggest_float`, answered alike on every rank."""
        return float(
            self._on_rank_zero(
                lambda: self._trial().suggest_float(name, low, high, step=step, log=log)
            )
        )

    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated spelling of ``suggest_float(name, low, high)``."""
        return self.suggest_float(name, low, high)

    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated spelling of ``suggest_float(name, low, high, log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated spelling of ``suggest_float(name, low, high, step=q)``."""
        return self.suggest_float(name, low, high, step=q)

    def suggest_int(self, name: str, low: int, high: int, step: int = 1, log: bool = False) -> int:
        """As :meth:`parzen.trial.Trial.suggest_int`, answered alike on every rank."""
        return int(
            self._on_rank_zero(
                lambda: self._trial().suggest_int(name, low, high, step=step, log=log)
            )
        )

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """As :meth:`parzen.trial.Trial.suggest_categorical`, answered alike on every rank.

        Rank 0 broadcasts the index of its choice, so every rank returns an element of its
        own ``choices`` (the same object it passed, whatever its type).
        """

        def index_of_choice() -> int:
            value = self._trial().suggest_categorical(name, choices)
            for index, choice in enumerate(choices):
                if choice is value or (type(choice) is type(value) and choice == value):
                    return index
            raise RuntimeError(f"suggest_categorical returned {value!r}, not one of {choices!r}")

        return choices[int(self._on_rank_zero(index_of_choice))]

    # -- pruning and attributes ----------------------------------------------------------------

    def report(self, value: float, step: int) -> None:
        """As :meth:`parzen.trial.Trial.report`: rank 0 reports; every rank waits for it."""
        self._on_rank_zero(lambda: self._trial().report(value, step))

    def should_prune(self) -> bool:
        """As :meth:`parzen.trial.Trial.should_prune`: rank 0 asks, every rank gets the answer."""
        return bool(self._on_rank_zero(lambda: bool(self._trial().should_prune())))

    def set_user_attr(self, key: str, value: Any) -> None:
        """As :meth:`parzen.trial.Trial.set_user_attr` (rank 0's ``value`` is stored)."""
        self._on_rank_zero(lambda: self._trial().set_user_attr(key, value))

    def set_system_attr(self, key: str, value: Any) -> None:
        """As :meth:`parzen.trial.Trial.set_system_attr` (rank 0's ``value`` is stored)."""
        self._on_rank_zero(lambda: self._trial().set_system_attr(key, value))

    # -- read-only views ----------------------------------------------------------------------

    @property
    def number(self) -> int:
        """The trial's number, unique within its study."""
        return int(self._on_rank_zero(lambda: self._trial().number))

    @property
    def params(self) -> dict[str, Any]:
        """The parameters suggested so far (categorical values as rank 0 chose them)."""
        return dict(self._on_rank_zero(lambda: dict(self._trial().params)))

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """The distributions of the parameters suggested so far."""
        from parzen.distributions import distribution_to_json

        encoded = self._on_rank_zero(
            lambda: {k: distribution_to_json(d) for k, d in self._trial().distributions.items()}
        )
        return {name: json_to_distribution(text) for name, text in encoded.items()}

    @property
    def user_attrs(self) -> dict[str, Any]:
        """The trial's user attributes."""
        return dict(self._on_rank_zero(lambda: dict(self._trial().user_attrs)))

    @property
    def system_attrs(self) -> dict[str, Any]:
        """The trial's system attributes."""
        return dict(self._on_rank_zero(lambda: dict(self._trial().system_attrs)))

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""

        def started() -> str | None:
            value = self._trial().datetime_start
            return None if value is None else value.isoformat()

        text = self._on_rank_zero(started)
        return None if text is None else datetime.datetime.fromisoformat(text)


_gloo_groups: dict[int, Any] = {}  # id of the default group -> a gloo group over its ranks


def _cpu_group(dist: Any) -> Any:
    """The default group if it can send CPU tensors, else one gloo group over every rank.

    Creating a group is itself a collective call, so the gloo group is made once per default
    group and reused by every later trial.
    """
    if dist.get_backend() == "gloo":
        return None
    world = dist.group.WORLD
    if id(world) not in _gloo_groups:
        _gloo_groups[id(world)] = dist.new_group(backend="gloo")
    return _gloo_groups[id(world)]


def _global_rank_of_group_rank_zero(dist: Any, group: Any) -> int:
    if group is None:
        return 0
    return int(dist.get_global_rank(group, 0))


def _replayed_error(name: str, message: str) -> BaseException:
    cls = _REPLAYABLE_ERRORS.get(name)
    if cls is None:
        return RuntimeError(f"rank 0 raised {name}: {message}")
    if cls is KeyError:
        return KeyError(message)
    return cls(message)
