"""Slack bot benchmark: signed events against a real `newsqa serve` (two workers, the bot on)
and the loopback Slack, measured from the outside.

Every event is a mention with a question; some are delivered a second time, as Slack's retries
are, to count duplicate answers. Measured: how long each acknowledgement took (Slack's deadline
is 3 s), how many events got their answer posted, how many got more than one, and how long
answers took to arrive after their acknowledgement.
"""

from __future__ import annotations

import asyncio
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from bench.fake_slack import FakeSlack
from bench.http_driver import Connection, closed_loop
from bench.service import newsqa_server
from bench.slack_payloads import event_callback, json_body, mention, signed
from service.config import Settings

SECRET = "bench-signing-secret"
# Questions about the repo's own corpus/ (news briefs), used where no questions file is given.
DEFAULT_QUESTIONS = (
    "Who leads Superintelligence Labs?",
    "How many parameters does QwQ-32B have?",
    "How much did DeepSeek-V3 cost to train?",
    "How much did Elon Musk offer for OpenAI's nonprofit?",
    "How many Nvidia H100 GPUs was Grok 3 trained on?",
    "What does Nvidia's Project Digits cost?",
    "How many languages does Aya Vision read?",
    "What is the debut model of Superintelligence Labs?",
    "Which company makes the Moshi voice model?",
    "How large are the fines in Texas's TRAIGA bill?",
    "What did Cloudflare build to trap AI scrapers?",
    "How many public-domain books did Harvard assemble?",
)


def run_slack_benchmark(
    index_dir: Path | str,
    *,
    events: int = 300,
    concurrency: int = 32,
    redeliver_every: int = 10,
    warmup: int = 8,
    repeats: int = 1,
    questions: Sequence[str] = DEFAULT_QUESTIONS,
    answer_timeout_s: float = 600.0,
    startup_timeout_s: float = 600.0,
) -> dict[str, Any]:
    """Runs `repeats` fresh servers; figures are medians over them, each run under "runs"."""
    if min(events, concurrency, repeats) < 1 or redeliver_every < 0 or warmup < 0:
        raise ValueError(
            "events, concurrency and repeats must be at least 1, redeliver_every and warmup at "
            f"least 0. Currently, events={events}, concurrency={concurrency}, "
            f"repeats={repeats}, redeliver_every={redeliver_every}, warmup={warmup}"
        )
    if not questions:
        raise ValueError("questions must not be empty")
    load_before = os.getloadavg()
    runs = [
        _one_run(
            Path(index_dir),
            events,
            concurrency,
            redeliver_every,
            warmup,
            questions,
            answer_timeout_s,
            startup_timeout_s,
        )
        for _ in range(repeats)
    ]
    result: dict[str, Any] = {
        key: _median([run[key] for run in runs])
        for key in (
            "ack_p50_ms",
            "ack_p99_ms",
            "ack_max_ms",
            "answer_p50_ms",
            "answer_p99_ms",
            "acks_alone_p50_ms",
            "acks_alone_p99_ms",
            "acks_alone_max_ms",
            "healthz_p50_ms",
            "healthz_p99_ms",
            "healthz_max_ms",
        )
    }
    result.update(
        {
            "events": events,
            "concurrency": concurrency,
            "deliveries": runs[0]["deliveries"],
            "redeliveries": runs[0]["redeliveries"],
            "answers_delivered": min(run["answers_delivered"] for run in runs),
            "duplicates": sum(run["duplicates"] for run in runs),
            "errors": sum(run["errors"] for run in runs),
            "goals": {"ack_p99_ms": 200, "ack_max_ms": 3000},
            "repeats": repeats,
            "warmup_events": warmup,
            "workers": runs[0]["workers"],
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            "runs": runs,
        }
    )
    return result


def _median(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(float(np.median(known)), 2) if known else None


def _one_run(
    index_dir: Path,
    events: int,
    concurrency: int,
    redeliver_every: int,
    warmup: int,
    questions: Sequence[str],
    answer_timeout_s: float,
    startup_timeout_s: float,
) -> dict[str, Any]:
    with (
        FakeSlack().running() as fake,
        tempfile.TemporaryDirectory(prefix="newsqa-bench-slack-") as state,
        newsqa_server(
            index_dir,
            startup_timeout_s,
            env={
                "NEWSQA_SLACK_BOT_TOKEN": fake.bot_token,
                "NEWSQA_SLACK_SIGNING_SECRET": SECRET,
                "NEWSQA_SLACK_API_URL": fake.api_url,
                "NEWSQA_SLACK_STATE_DIR": state,
            },
        ) as (url, _process, _cold_start_s),
    ):
        warm = [_event(questions, n, "C0WARM") for n in range(warmup)]
        asyncio.run(_deliver(url, [(p, 0) for p in warm], concurrency))
        fake.wait_for(lambda: len(fake.posts) >= warmup, timeout=answer_timeout_s)
        payloads = [_event(questions, n, f"C0BENCH{n % 8}") for n in range(events)]
        deliveries = [(payload, 0) for payload in payloads]
        if redeliver_every:
            # Retries arrive while later first deliveries are still coming in.
            retries = [(payload, 1) for payload in payloads[::redeliver_every]]
            for offset, retry in enumerate(retries):
                deliveries.insert(min(len(deliveries), (offset + 1) * redeliver_every * 2), retry)
        started = time.monotonic()
        timings = asyncio.run(_deliver(url, deliveries, concurrency))
        sent_s = time.monotonic() - started
        wanted = {payload["event"]["ts"] for payload in payloads}

        def answered() -> int:
            return len(wanted & {post.body.get("thread_ts") for post in list(fake.posts)})

        fake.wait_for(lambda: answered() == len(wanted), timeout=answer_timeout_s)
        time.sleep(1.0)  # a duplicate answer would arrive within this
        posts = [post for post in list(fake.posts) if post.body.get("thread_ts") in wanted]
        per_event = Counter(post.body["thread_ts"] for post in posts)
        acked_at = {ts: at for ts, at in timings["first_ack"].items()}
        answer_ms = [
            (post.at - acked_at[post.body["thread_ts"]]) * 1000
            for post in posts
            if post.body["thread_ts"] in acked_at
        ]
        # The acknowledgement path alone: every event delivered again (each a duplicate now),
        # so no answer competes for the processes.
        repeat = asyncio.run(_deliver(url, [(p, 2) for p in payloads], concurrency))
        time.sleep(0.5)
        duplicates_after = len([p for p in list(fake.posts) if p.body.get("thread_ts") in wanted])
        # The floor this machine and HTTP stack set: the service's cheapest endpoint, asked
        # as often and as concurrently (the machine is shared, so this moves between runs).
        floor_ms = np.asarray(asyncio.run(_probe(url, len(payloads), concurrency)))
        ack_ms = np.asarray(timings["ack_ms"])
        alone_ms = np.asarray(repeat["ack_ms"])
        return {
            "deliveries": len(deliveries),
            "redeliveries": len(deliveries) - len(payloads),  # then each event once more
            "errors": timings["errors"] + repeat["errors"],
            "ack_p50_ms": round(float(np.percentile(ack_ms, 50)), 2),
            "ack_p99_ms": round(float(np.percentile(ack_ms, 99)), 2),
            "ack_max_ms": round(float(ack_ms.max()), 2),
            "answers_delivered": len(per_event),
            "duplicates": sum(count - 1 for count in per_event.values())
            + (duplicates_after - len(posts)),
            "acks_alone_p50_ms": round(float(np.percentile(alone_ms, 50)), 2),
            "acks_alone_p99_ms": round(float(np.percentile(alone_ms, 99)), 2),
            "acks_alone_max_ms": round(float(alone_ms.max()), 2),
            "healthz_p50_ms": round(float(np.percentile(floor_ms, 50)), 2),
            "healthz_p99_ms": round(float(np.percentile(floor_ms, 99)), 2),
            "healthz_max_ms": round(float(floor_ms.max()), 2),
            "answer_p50_ms": round(float(np.percentile(answer_ms, 50)), 1) if answer_ms else None,
            "answer_p99_ms": round(float(np.percentile(answer_ms, 99)), 1) if answer_ms else None,
            "send_seconds": round(sent_s, 2),
            "workers": Settings().workers,  # what `newsqa serve` read from the environment
        }


def _event(questions: Sequence[str], number: int, channel: str) -> dict[str, Any]:
    return event_callback(mention(questions[number % len(questions)], channel=channel))


async def _deliver(
    url: str, deliveries: list[tuple[dict[str, Any], int]], concurrency: int
) -> dict[str, Any]:
    """Posts every delivery, `concurrency` at a time on keep-alive connections, timing each
    acknowledgement (bench/http_driver.py's lean client: httpx would spend more of the two
    cores per request than the acknowledgement it measures)."""
    host, port = _host_port(url)
    ack_ms: list[float] = []
    first_ack: dict[str, float] = {}
    errors = 0
    queue: asyncio.Queue[tuple[dict[str, Any], int]] = asyncio.Queue()
    for delivery in deliveries:
        queue.put_nowait(delivery)

    async def sender() -> None:
        nonlocal errors
        connection = Connection(host, port)
        try:
            while not queue.empty():
                payload, retry = queue.get_nowait()
                body, content_type = json_body(payload)
                headers = signed(SECRET, body, content_type, retry=retry)
                reply = await connection.request("POST", "/slack/events", body, headers)
                ack_ms.append(reply.seconds * 1000)
                errors += reply.status != 200
                first_ack.setdefault(payload["event"]["ts"], time.monotonic())
        finally:
            await connection.close()

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return {"ack_ms": ack_ms, "first_ack": first_ack, "errors": errors}


async def _probe(url: str, count: int, concurrency: int) -> list[float]:
    """GET /healthz `count` times, `concurrency` at once; each latency in ms."""
    host, port = _host_port(url)
    replies = await closed_loop(host, port, concurrency, count, lambda _: ("GET", "/healthz", None))
    return [reply.seconds * 1000 for reply in replies]


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    return parts.hostname, parts.port
