from __future__ import annotations

import pytest

from ofacare.knowledge import KnowledgeBase, default_knowledge
from ofacare.pharmacology.parameters import ModelSpec, model_spec


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_knowledge()


@pytest.fixture(scope="session")
def spec(kb: KnowledgeBase) -> ModelSpec:
    return model_spec(kb, "published")
