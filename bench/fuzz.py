"""fuzz: Schemathesis over the service's own /openapi.json: no 5xx, no response outside the
documented schema, whatever the request.

Per operation, `examples` requests generated from the schema (positive mode: valid per the
schema) and as many that break it (negative mode), each answer checked for: not a server error,
a documented status, a documented content type, a body that matches the documented schema.
The test suite runs a short version (tests/bench/test_fuzz.py); this suite runs >= 100.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bench.harness import ensure_index, serving, write_result

# Server errors are counted apart (any 5xx), beside these checks.
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = ("positive", "negative")


def fuzz(url: str, examples: int, *, seed: int | None = 14) -> dict[str, dict[str, Any]]:
    """Per "METHOD /path (mode)": requests sent, 5xx answers, failed checks, a few failures."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    outcomes: dict[str, dict[str, Any]] = {}
    for found in schema.get_all_operations():
        if isinstance(found, Err):
            raise RuntimeError(f"/openapi.json has an operation it cannot describe: {found.err()}")
        operation = found.ok()
        for mode in MODES:
            label = f"{operation.method.upper()} {operation.path} ({mode})"
            outcomes[label] = _fuzz_operation(url, operation, mode, examples, seed)
    return outcomes


def _fuzz_operation(
    url: str, operation: Any, mode: str, examples: int, seed: int | None
) -> dict[str, Any]:
    tally: dict[str, Any] = {"requests": 0, "server_errors": 0, "failed_checks": 0, "failures": []}
    strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is not None,
        phases=[Phase.generate],  # every example counts; failures are tallied, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=strategy)
    def send(case: Any) -> None:
        response = case.call(base_url=url, timeout=60)
        tally["requests"] += 1
        server_error = response.status_code >= 500
        tally["server_errors"] += server_error
        if server_error and len(tally["failures"]) < 3:
            tally["failures"].append(f"{response.status_code}: {response.text[:200]}")
        try:
            case.validate_response(response, checks=CHECKS)
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # failed checks come as (groups of) exceptions
            tally["failed_checks"] += 1
            if len(tally["failures"]) < 3:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                tally["failures"].append(f"{response.status_code}: {first[:200]}")

    raw = operation.definition.raw
    tally["has_input"] = bool(raw.get("parameters") or raw.get("requestBody"))
    try:
        send()
    except hypothesis.errors.Unsatisfiable:
        tally["note"] = "no invalid input exists (negative mode has nothing to send)"
    return tally


def run_fuzz(index_dir: Path | None = None, *, examples: int = 100) -> dict[str, Any]:
    """`examples` per operation and mode against `newsqa serve` over the small index."""
    index_dir = index_dir or ensure_index()
    with serving(index_dir) as server:
        outcomes = fuzz(server.url, examples)
    requests = sum(o["requests"] for o in outcomes.values())
    server_errors = sum(o["server_errors"] for o in outcomes.values())
    failed = sum(o["failed_checks"] for o in outcomes.values())
    result: dict[str, Any] = {
        "server": "newsqa serve, 2 workers, index of corpus/, rate limit lifted",
        "driver": f"schemathesis {schemathesis.__version__} (hypothesis), checks: no 5xx, "
        + ", ".join(check.__name__ for check in CHECKS),
        "examples_per_operation_and_mode": examples,
        "requests": requests,
        "server_errors": server_errors,
        "failed_checks": failed,
        "operations": outcomes,
        "goals": {
            # Operations without parameters have one possible request, sent once.
            f">= {examples} examples per operation with input": all(
                o["requests"] >= examples
                for o in outcomes.values()
                if o["has_input"] and "note" not in o
            ),
            "0 5xx": server_errors == 0,
            "0 schema violations": failed == 0,
        },
    }
    rows = [
        *[
            (
                label,
                f"{o['requests']} requests, {o['server_errors']} 5xx, {o['failed_checks']} failed",
            )
            for label, o in outcomes.items()
        ],
        *[(goal, "met" if met else "MISSED") for goal, met in result["goals"].items()],
    ]
    write_result("fuzz", result, rows)
    return result
