"""How close in meaning a question is to each fact, from a small model shipped inside a package.

The model is WordLlama's 256-dimension static token embedding (MIT licence), whose weights and
tokenizer are files inside the `wordllama` wheel: nothing is downloaded at run time, and a missing
file is an installation error, not a reason to reach the network. It re-ranks the facts that
BM25 found; it never adds a fact that shares no word with the question.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ofacare.errors import KnowledgeDataError


class SemanticScorer:
    """Cosine similarity between a question and groups of texts (one group per fact).

    A group's first text is the fact's whole retrieval text; the others are its statement and
    the example questions it answers. A fact scores the mean of its whole-text similarity and
    its closest single text: a question usually resembles one phrasing, not their average
    (measured on both question sets; docs/ask.md).
    """

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self._model = _load_model()
        texts = [text for group in groups for text in group]
        self._owner = np.repeat(np.arange(len(groups)), [len(group) for group in groups])
        self._groups = len(groups)
        self._first = np.concatenate([[0], np.cumsum([len(group) for group in groups])[:-1]])
        self._matrix: np.ndarray[Any, np.dtype[np.float32]] = np.asarray(
            self._model.embed(texts, norm=True), dtype=np.float32
        )

    def similarities(self, question: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        """One cosine similarity (-1..1) per group: that of its closest text."""
        vector = np.asarray(self._model.embed([question], norm=True), dtype=np.float32)[0]
        scores = self._matrix @ vector
        best = np.full(self._groups, -1.0, dtype=np.float32)
        np.maximum.at(best, self._owner, scores)
        blended: np.ndarray[Any, np.dtype[np.float32]] = 0.5 * best + 0.5 * scores[self._first]
        return blended


def _load_model() -> Any:
    # wordllama calls logging.basicConfig(level=INFO) on import, which would make every library's
    # info messages appear on stderr: undo that side effect and leave logging as it was.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    import wordllama  # noqa: PLC0415  (heavy import, only when a question is asked)

    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)

    folder = Path(wordllama.__file__).parent
    try:
        return wordllama.WordLlama.load(cache_dir=folder, disable_download=True)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise KnowledgeDataError(
            "knowledge.no-embedding-model",
            f"the embedding model inside the wordllama package ({folder}) cannot be read: {exc}",
        ) from exc
