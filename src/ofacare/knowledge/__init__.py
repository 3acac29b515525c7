"""The knowledge base: the one home of ofacare's clinical facts, numbers and their sources."""

from ofacare.knowledge.base import KnowledgeBase
from ofacare.knowledge.loader import default_knowledge, load_knowledge

__all__ = ["KnowledgeBase", "default_knowledge", "load_knowledge"]
