from __future__ import annotations

import pytest

from parzen.storages import InMemoryStorage
from parzen.testing.storages import StorageConformance


class TestInMemoryStorage(StorageConformance):
    @pytest.fixture
    def storage(self) -> InMemoryStorage:
        return InMemoryStorage()
