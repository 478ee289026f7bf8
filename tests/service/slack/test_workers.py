"""Exactly once across worker processes: `newsqa serve --workers 2`, the bot on, every event
delivered four times (Slack's first try and its three retries) at once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

from bench.fake_slack import FakeSlack
from bench.slack_payloads import event_callback, json_body, mention, signed
from indexer.embedding.transformer import SentenceTransformerEmbedder
from tests.service.http.test_app_support import free_port
from tests.service.slack.conftest import SECRET

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def two_workers(
    small_index: Path,
    fake_slack: FakeSlack,
    embedder: SentenceTransformerEmbedder,  # the query encoder's export is cached by now
    model_cache_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """A `newsqa serve --workers 2` process; yields its URL and its temporary directory."""
    workdir = tmp_path_factory.mktemp("two-workers")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")},
        "NEWSQA_SLACK_BOT_TOKEN": fake_slack.bot_token,
        "NEWSQA_SLACK_SIGNING_SECRET": SECRET,
        "NEWSQA_SLACK_API_URL": fake_slack.api_url,
        "NEWSQA_SLACK_STATE_DIR": str(workdir / "slack"),
        "NEWSQA_CACHE_DIR": str(model_cache_dir),
        "TMPDIR": str(workdir),  # where `serve` makes the workers' shared directory
        "HF_HUB_OFFLINE": "1",
    }
    command = [sys.executable, "-c", "from service.cli.main import main; main()", "serve"]
    command += ["--port", str(port), "--index", str(small_index), "--workers", "2"]
    log = (workdir / "serve.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (workdir / "serve.log").read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "newsqa serve did not become ready"
            time.sleep(0.2)
        yield url, workdir
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _slack_events_by_process(workdir: Path) -> dict[str, float]:
    """newsqa_slack_events counted by each worker, from prometheus_client's per-process files."""
    counts: dict[str, float] = {}
    for path in workdir.glob("newsqa-serve-*/metrics/counter_*.db"):
        values = MmapedDict.read_all_values_from_file(str(path))
        total = sum(item[1] for item in values if '"newsqa_slack_events"' in item[0])
        counts[path.stem.removeprefix("counter_")] = total
    return counts


def test_four_deliveries_to_two_workers_make_one_answer(
    two_workers: tuple[str, Path], fake_slack: FakeSlack
) -> None:
    url, workdir = two_workers

    def deliver(delivery: tuple[dict[str, object], int]) -> int:
        payload, retry = delivery
        body, content_type = json_body(payload)
        headers = signed(SECRET, body, content_type, retry=retry)
        return httpx.post(f"{url}/slack/events", content=body, headers=headers).status_code

    sent: list[dict[str, object]] = []
    # Rounds of 6 events x 4 deliveries at once, until both workers have taken some: which
    # worker accepts a connection is up to the kernel, and a busy machine can favour one
    # (uvloop accepts every pending connection at once, so one worker can take a whole round).
    for round_number in range(20):
        payloads = [
            event_callback(
                mention("Where is Orbital Labs based?", channel=f"C0WORKERS{round_number}{n}")
            )
            for n in range(6)
        ]
        deliveries = [(payload, retry) for retry in range(4) for payload in payloads]
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(deliver, deliveries))
        assert statuses == [200] * len(deliveries)
        sent += payloads
        by_process = _slack_events_by_process(workdir)
        if len(by_process) == 2 and all(by_process.values()):
            break
    # Both workers took deliveries, so the claims really were settled across processes.
    assert len(by_process) == 2 and all(by_process.values()), by_process
    channels = [str(payload["event"]["channel"]) for payload in sent]  # type: ignore[index]
    assert fake_slack.wait_for(lambda: all(fake_slack.posts_in(c) for c in channels), timeout=60)
    time.sleep(1.0)  # any second answer would be posted by now
    for payload, channel in zip(sent, channels, strict=True):
        (post,) = fake_slack.posts_in(channel)
        assert post.body["thread_ts"] == payload["event"]["ts"]  # type: ignore[index]
    assert fake_slack.wait_for(
        lambda: sum(_slack_events_by_process(workdir).values()) == 4 * len(sent)
    )
