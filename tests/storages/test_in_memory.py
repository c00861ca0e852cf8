from __future__ import annotations

import pytest

from parzen.storages import InMemoryStorage
from parzen.testing.storages import StorageConformance


class TestInMemoryStorage(StorageConformance):
    @pytest.fixture
    def storage(self) -> InMemoryStorage:
        return InMemoryStorage()


def test_a_study_in_memory_survives_pickling():
    import pickle

    import parzen

    study = parzen.create_study(storage=InMemoryStorage(), study_name="pickled")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    restored = pickle.loads(pickle.dumps(study))
    assert [t.params for t in restored.trials] == [t.params for t in study.trials]
    restored.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert len(restored.trials) == 4 and len(study.trials) == 3
