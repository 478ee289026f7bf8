"""`newsqa ask` and `newsqa eval run` in generative mode, against the loopback LLM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import indexer.embedding.transformer
from bench.loopback_llm import Behaviour, LoopbackLLM
from eval.cli import app as eval_cli
from indexer.embedding.transformer import SentenceTransformerEmbedder
from service.cli.main import app as cli
from tests.service.generative.test_answers import SEED, cite_the_wang_passage

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture
def endpoint(
    monkeypatch: pytest.MonkeyPatch, llm: LoopbackLLM, llm_url: str,
    embedder: SentenceTransformerEmbedder,
) -> LoopbackLLM:  # fmt: skip
    # The commands load the model themselves; hand them the one this session has loaded.
    monkeypatch.setattr(
        indexer.embedding.transformer, "load_embedder", lambda *args, **kwargs: embedder
    )
    monkeypatch.setenv("NEWSQA_LLM_BASE_URL", llm_url)
    monkeypatch.setenv("NEWSQA_LLM_MODEL", "gpt-4o-mini")
    llm.default = Behaviour(text=cite_the_wang_passage)
    return llm


def test_ask_generative_prints_the_answer_and_its_cited_sentence(
    corpus_index: Path, endpoint: LoopbackLLM
) -> None:
    result = runner.invoke(cli, ["ask", SEED, "--mode", "generative", "--index", str(corpus_index)])
    assert result.exit_code == 0, result.output
    assert "Alexandr Wang leads Superintelligence Labs [" in result.output
    assert "answered generative" in result.output
    assert "Alexandr Wang is the head of Superintelligence Labs" in result.output
    assert endpoint.attempts == 1


def test_ask_generative_without_an_endpoint_names_the_setting(
    corpus_index: Path, endpoint: LoopbackLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSQA_LLM_BASE_URL")
    result = runner.invoke(cli, ["ask", SEED, "--mode", "generative", "--index", str(corpus_index)])
    assert result.exit_code == 1
    assert "NEWSQA_LLM_BASE_URL" in result.output


def test_eval_run_generative_records_the_mode_used_and_fallback(
    corpus_index: Path, endpoint: LoopbackLLM, tmp_path: Path
) -> None:
    questions = tmp_path / "seed.jsonl"
    gold = ["brief-superintelligence-labs-alexandr-wang"]
    rows = [
        {"id": "q1", "question": SEED, "answers": ["Alexandr Wang"], "gold_ids": gold},
        {"id": "q2", "question": "Who heads Meta's AI lab?", "answers": ["Wang"], "gold_ids": gold},
    ]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "run"
    args = ["run", "--dataset", str(questions), "--index", str(corpus_index), "--mode",
            "generative", "--out", str(out)]  # fmt: skip
    result = runner.invoke(eval_cli, args)
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in (out / "questions.jsonl").read_text().splitlines()]
    assert [(r["mode_used"], r["fallback_reason"]) for r in written] == [("generative", None)] * 2
    assert all(r["grounded"] and r["llm_tokens"]["prompt"] == 1000 for r in written)
    assert written[0]["scores"]["contains"] == 1.0
    config = json.loads((out / "config.json").read_text())
    assert config["system"]["settings"]["llm_model"] == "gpt-4o-mini"
    assert "llm_api_key" not in config["system"]["settings"]
