"""Exact and near-duplicate detection (MinHash LSH), incremental so the store can persist it.

Only canonical (indexed) articles are `add`ed; a duplicate is kept by the store as an alternative
source of its canonical article. The store persists each canonical article's exact hash and
signature and hands them back through `load`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from datasketch import LeanMinHash, MinHash, MinHashLSH

from indexer.types import Article

SHINGLE_WORDS = 5
# Below this many words a text only ever matches exactly: MinHash on a few shingles is noise.
MIN_NEAR_WORDS = 8
_SEED = 1
_SCHEME = "affine32"  # pinned: persisted signatures must stay comparable across datasketch versions
_BYTEORDER = "<"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class DuplicateMatch:
    """The canonical article a duplicate belongs to, and how it matched."""

    canonical_id: str
    kind: Literal["exact", "near"]
    similarity: float  # estimated Jaccard of word shingles; 1.0 for exact


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def exact_hash(text: str) -> str:
    """sha256 of the text's words, case-folded: punctuation, case and spacing do not count."""
    return _exact_hash(_words(text), text)


def _exact_hash(words: list[str], text: str) -> str:
    normalised = " ".join(words) if words else " ".join(text.split())
    return hashlib.sha256(normalised.encode()).hexdigest()


class Deduplicator:
    """Finds the canonical article an article duplicates, among those added or loaded."""

    def __init__(self, threshold: float = 0.85, num_perm: int = 128) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1]; got {threshold}")
        if num_perm < 16:
            raise ValueError(f"num_perm must be at least 16; got {num_perm}")
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._signatures: dict[str, LeanMinHash] = {}
        self._hashes: dict[str, str] = {}  # article id -> exact hash
        self._by_hash: dict[str, str] = {}  # exact hash -> first article id with it
        self._order: dict[str, int] = {}  # article id -> when it was added (ties go to earlier)
        self._counter = 0
        # Drawing the permutations is costly; every signature shares the seed's.
        self._permutations = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME).permutations
        self._last: tuple[str, str, LeanMinHash | None] | None = None  # check() then add()

    def __len__(self) -> int:
        return len(self._hashes)

    def fingerprint(self, text: str) -> tuple[str, LeanMinHash | None]:
        """Exact hash, and MinHash of the word 5-shingles (None for a text too short)."""
        if self._last is not None and self._last[0] == text:
            return self._last[1], self._last[2]
        words = _words(text)
        signature = None
        if len(words) >= MIN_NEAR_WORDS:
            shingles = {
                " ".join(words[i : i + SHINGLE_WORDS]).encode()
                for i in range(len(words) - SHINGLE_WORDS + 1)
            }
            minhash = MinHash(
                num_perm=self.num_perm,
                seed=_SEED,
                scheme=_SCHEME,
                hashfunc=zlib.crc32,  # stable and fast; the permutations do the mixing
                permutations=self._permutations,
            )
            minhash.update_batch(list(shingles))
            signature = LeanMinHash(minhash)
        self._last = (text, _exact_hash(words, text), signature)
        return self._last[1], self._last[2]

    def _insert(self, article_id: str, text_hash: str, signature: LeanMinHash | None) -> None:
        if article_id in self._hashes:
            self.remove(article_id)
        self._hashes[article_id] = text_hash
        self._by_hash.setdefault(text_hash, article_id)
        self._order[article_id] = self._counter
        self._counter += 1
        if signature is not None:
            if len(signature) != self.num_perm:
                raise ValueError(
                    f"signature of {article_id!r} has {len(signature)} permutations; "
                    f"this deduplicator uses {self.num_perm}"
                )
            self._signatures[article_id] = signature
            self._lsh.insert(article_id, signature)

    def load(self, entries: Iterable[tuple[str, str, bytes]]) -> None:
        """Restore (article_id, exact hash, serialised signature) triples persisted by the store."""
        for article_id, text_hash, blob in entries:
            signature = LeanMinHash.deserialize(blob, byteorder=_BYTEORDER) if blob else None
            self._insert(article_id, text_hash, signature)

    def check(self, article: Article) -> DuplicateMatch | None:
        """The canonical article this one duplicates (never itself), or None."""
        text_hash, signature = self.fingerprint(article.text)
        canonical = self._by_hash.get(text_hash)
        if canonical is not None and canonical != article.id:
            return DuplicateMatch(canonical_id=canonical, kind="exact", similarity=1.0)
        if signature is None:
            return None
        best: tuple[float, int, str] | None = None
        for candidate in self._lsh.query(signature):
            if candidate == article.id:
                continue
            similarity = float(signature.jaccard(self._signatures[candidate]))
            key = (-similarity, self._order[candidate], candidate)
            if similarity >= self.threshold and (best is None or key < best):
                best = key
        if best is None:
            return None
        return DuplicateMatch(canonical_id=best[2], kind="near", similarity=-best[0])

    def add(self, article: Article) -> tuple[str, bytes]:
        """Register a canonical article; returns (exact hash, serialised signature) to persist."""
        text_hash, signature = self.fingerprint(article.text)
        self._insert(article.id, text_hash, signature)
        if signature is None:
            return text_hash, b""
        blob = bytearray(signature.bytesize(_BYTEORDER))
        signature.serialize(blob, byteorder=_BYTEORDER)
        return text_hash, bytes(blob)

    def remove(self, article_id: str) -> None:
        """Forget an article (no-op if unknown)."""
        text_hash = self._hashes.pop(article_id, None)
        if text_hash is None:
            return
        self._order.pop(article_id, None)
        if self._by_hash.get(text_hash) == article_id:
            del self._by_hash[text_hash]
            # Another article with the same text (possible after load) takes over the hash.
            others = [i for i, h in self._hashes.items() if h == text_hash]
            if others:
                self._by_hash[text_hash] = min(others, key=self._order.__getitem__)
        if self._signatures.pop(article_id, None) is not None:
            self._lsh.remove(article_id)
