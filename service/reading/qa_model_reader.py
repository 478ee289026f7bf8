"""A reader backed by a transformers extractive QA model loaded from a local directory."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from indexer.text.sentences import split_sentences
from service.reading.citations import citation_for
from service.types import Answer, OutletsNamed, RetrievalHit


class QAModelReader:
    """Best span over the top passages by start+end logits; never reaches for a model hub."""

    def __init__(
        self,
        model_path: str,
        *,
        abstain_threshold: float = 0.2,
        max_passages: int = 5,
        max_length: int = 384,
        stride: int = 128,
        max_answer_tokens: int = 30,
    ) -> None:
        path = Path(model_path)
        if not path.is_dir():
            raise ValueError(f"QA model path must be a directory, got {model_path!r}")
        if not 0.0 <= abstain_threshold <= 1.0:
            raise ValueError(f"abstain_threshold must be in 0..1, got {abstain_threshold}")
        if stride >= max_length // 2:
            raise ValueError(f"stride ({stride}) must be under half of max_length ({max_length})")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        self._torch = torch
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        if not getattr(self._tokenizer, "is_fast", False):
            raise ValueError(
                f"{model_path}: a fast tokenizer (tokenizer.json) is needed for offsets"
            )
        self._model: Any = AutoModelForQuestionAnswering.from_pretrained(
            str(path), local_files_only=True
        )
        self._model.eval()
        self.abstain_threshold = abstain_threshold
        self._max_passages = max_passages
        self._max_length = max_length
        self._stride = stride
        self._max_answer_tokens = max_answer_tokens

    def read(
        self,
        question: str,
        hits: Sequence[RetrievalHit],
        *,
        as_of: date | None = None,
        newest_indexed: date | None = None,
        outlets: OutletsNamed | None = None,
    ) -> Answer:
        """The model's best span (as_of, newest_indexed and outlets: unused here)."""
        passages = [hit.chunk for hit in hits[: self._max_passages] if hit.chunk.text.strip()]
        if not passages:
            return Answer(text=None, abstained=True, confidence=0.0)
        encoded = self._tokenizer(
            [question] * len(passages),
            [chunk.text for chunk in passages],
            truncation="only_second",
            max_length=self._max_length,
            stride=self._stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding=True,
            return_tensors="pt",
        )
        offsets = encoded.pop("offset_mapping").tolist()  # (features, tokens, 2)
        owners = encoded.pop("overflow_to_sample_mapping").tolist()  # feature -> passage
        with self._torch.no_grad():
            output = self._model(**encoded)
        starts = output.start_logits.tolist()  # (features, tokens)
        ends = output.end_logits.tolist()
        spans: list[tuple[float, int, int, int]] = []  # (score, passage, char start, char end)
        null_scores: list[float] = []
        for feature, owner in enumerate(owners):
            context = [i for i, s in enumerate(encoded.sequence_ids(feature)) if s == 1]
            null_scores.append(starts[feature][0] + ends[feature][0])
            spans.extend(
                (score, owner, offsets[feature][i][0], offsets[feature][j][1])
                for score, i, j in self._best_spans(starts[feature], ends[feature], context)
                if offsets[feature][j][1] > offsets[feature][i][0]
            )
        if not spans:
            return Answer(text=None, abstained=True, confidence=0.0)
        spans.sort(reverse=True)
        # Softmax over the best spans and the "no answer" score: the share of the best one.
        pool = [score for score, *_ in spans[:20]] + [min(null_scores)]
        top = max(pool)
        confidence = math.exp(spans[0][0] - top) / sum(math.exp(s - top) for s in pool)
        _, owner, start, end = spans[0]
        chunk = passages[owner]
        if confidence < self.abstain_threshold:
            return Answer(text=None, abstained=True, confidence=confidence)
        sent_start, sent_end = _sentence_around(chunk.text, start, end)
        citation = citation_for(chunk, sent_start, sent_end, start, end)
        return Answer(
            text=chunk.text[start:end],
            abstained=False,
            confidence=confidence,
            citations=(citation,),
        )

    def _best_spans(
        self, starts: list[float], ends: list[float], context: list[int]
    ) -> list[tuple[float, int, int]]:
        """(score, start token, end token) for the 20 best starts x 20 best ends, well formed."""
        best_starts = sorted(context, key=lambda i: starts[i], reverse=True)[:20]
        best_ends = sorted(context, key=lambda i: ends[i], reverse=True)[:20]
        return [
            (starts[i] + ends[j], i, j)
            for i in best_starts
            for j in best_ends
            if i <= j < i + self._max_answer_tokens
        ]


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) holding text[start:end]; the whole text where the splitter finds none."""
    spans = split_sentences(text)
    first = next((s for s, e in spans if s <= start < e), 0)
    last = next((e for s, e in spans if s < end <= e), len(text))
    return min(first, start), max(last, end)
