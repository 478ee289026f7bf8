"""Document embedding fanned out over a Ray cluster with Ray Data (`newsqa index build --ray`).

Only `embed_documents` leaves the process: the texts go into a Ray dataset, `map_batches` runs
them through a pool of actors that each load the model once (one per GPU where the cluster has
GPUs, else one per CPU), and the vectors come back in input order. Tokenising, chunking and
query embedding stay on the local model, so an index built this way is the index the
single-process path builds (a test compares the vectors). Ray is imported here and nowhere
else; nothing imports this module unless `--ray` is given.

The workers need newsqa and the model installed (the same image as the driver); on a local
instance (`--ray auto`) they are this machine's Python.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.pipeline.embed import ChunkingEmbedder
from indexer.protocols import FloatMatrix

ROWS_PER_BATCH = 256  # texts per actor call: large enough to keep a GPU busy
LOCAL = "auto"  # --ray auto: start a Ray instance on this machine

log = logging.getLogger(__name__)


class EmbedActor:
    """Ray Data actor: the sentence-transformers model loaded once, embedding batches of rows."""

    def __init__(self, model_name: str, batch_size: int, device: str, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        from indexer.embedding.transformer import resolve_model_path

        if device == "cpu":
            torch.set_num_threads(threads)  # one actor per CPU: no oversubscription
        self._model = SentenceTransformer(
            resolve_model_path(model_name), device=device, local_files_only=True
        )
        self._model.eval()
        self._batch_size = batch_size

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        vectors = self._model.encode(
            list(batch["text"]),
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return {"row": batch["row"], "vector": np.asarray(vectors, dtype=np.float32)}


class RayEmbedder:
    """A ChunkingEmbedder whose `embed_documents` runs on Ray; everything else is `local`'s.

    `address`: "auto" starts a local Ray instance (stopped again by `close`), anything else is
    passed to `ray.init` (e.g. "ray://head:10001"). `init_options` go to `ray.init` as well.
    """

    # The pipeline gives a fanning-out embedder all its texts in one call (one Ray job).
    fans_out = True

    def __init__(
        self,
        local: ChunkingEmbedder,
        address: str,
        *,
        batch_size: int = 64,
        actors: int | None = None,
        init_options: dict[str, Any] | None = None,
    ) -> None:
        self._local = local
        self._address = address
        self._batch_size = batch_size
        self._actors = actors
        self._init_options = dict(init_options or {})
        self._initialised_here = False

    # --- the local model's answers
    @property
    def model_name(self) -> str:
        return self._local.model_name

    @property
    def dimension(self) -> int:
        return self._local.dimension

    @property
    def max_seq_length(self) -> int:
        return self._local.max_seq_length

    @property
    def max_content_tokens(self) -> int:
        return self._local.max_content_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._local.count_tokens(texts)

    def token_offsets(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        return self._local.token_offsets(texts)

    def embed_query(self, text: str) -> FloatMatrix:
        return self._local.embed_query(text)

    # --- the cluster's
    def embed_documents(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        """(n, dim) float32, L2-normalised, computed by the Ray cluster's actor pool."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        ray = self._connect()
        gpus = int(ray.cluster_resources().get("GPU", 0))
        cpus = int(ray.cluster_resources().get("CPU", 1))
        size = self._actors or (gpus if gpus else max(1, cpus))
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = show_progress
        dataset = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)])
        embedded = dataset.map_batches(
            EmbedActor,
            fn_constructor_kwargs={
                "model_name": self.model_name,
                "batch_size": self._batch_size,
                "device": "cuda" if gpus else "cpu",
                "threads": 1,
            },
            batch_size=ROWS_PER_BATCH,
            compute=ray.data.ActorPoolStrategy(size=size),
            num_gpus=1 if gpus else None,
            num_cpus=None if gpus else 1,
        )
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in embedded.iter_batches(batch_format="numpy", batch_size=None):
            out[np.asarray(batch["row"], dtype=np.int64)] = np.stack(batch["vector"])
        log.info(
            "embedded %d texts on %d Ray actors (%s)", len(texts), size, "GPU" if gpus else "CPU"
        )
        return out

    def _connect(self) -> Any:
        import ray

        if not ray.is_initialized():
            if self._address == LOCAL:
                ray.init(address="local", **{"include_dashboard": False, **self._init_options})
            else:
                ray.init(address=self._address, **self._init_options)
            self._initialised_here = True
        return ray

    def close(self) -> None:
        """Leaves Ray: stops the local instance this started; a cluster it joined keeps running."""
        if self._initialised_here:
            import ray

            ray.shutdown()
            self._initialised_here = False

    def __enter__(self) -> RayEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
