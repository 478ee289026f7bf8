"""`newsqa eval calibrate fit|report`: fit the reader's ranker, verdict model and confidence maps
on questions outside the reported samples, over the passages retrieval really returns.

Fit sets (eval/fit_sets.py): RealTime QA's extractive questions outside
`realtimeqa_sample_1000.ids` and the seed questions (the ranker and the span confidence; the
seed set is reported in-sample), each with and without its date; MultiHop-RAG's tuning half
(`eval.splits`: its yes/no questions fit the verdict model, all of it the confidences); and
the fit halves of the unanswerable sets (`newsqa eval unanswerable build`), whose right output
is an abstention. Searches are cached per index generation,
retrieval code and settings (var/calibrate/), so a refit after a reader change re-reads but
never re-searches. The service only loads the result (service/reading/calibration.json)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from eval import metrics, multihop_metrics
from eval.datasets import Question
from eval.fit_sets import dev_sets, unanswerable_sets
from eval.fitting import (
    QuestionCandidates,
    fit_confidence,
    fit_ranker,
    fit_verdict,
    fold_rankers,
    folds,
    top_exact,
)
from eval.hit_cache import HitCache, Search, retrieval_fingerprint
from service.engine import QAEngine
from service.generation import newest_published
from service.reading.asked import read_question
from service.reading.calibration import (
    CONFIDENCE_FEATURES,
    DEFAULT_PATH,
    Calibration,
    span_kind,
)
from service.reading.reader import FEATURES, ExtractiveReader
from service.reading.topic import TOPIC_FEATURES, describes_entity
from service.reading.verdict import VERDICT_FEATURES, gather, yes_no_question
from service.retrieval.outlets import OutletMatcher
from service.types import OutletsNamed

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True, help="Fit and measure the reader's parameters.")
SEED_WEIGHT = 15.0
# The span sets whose questions the ranker is fitted on: RealTime QA's, the same questions
# asked of the index without their gold articles, and both asked without their date.
_RANKER_QUESTIONS = frozenset(
    {"realtimeqa", "removed-rt", "realtimeqa-undated", "removed-rt-undated"}
)
VERDICT_CONFIDENCE = ("p", "support_min", "support_mean", "dense")


@dataclass
class Sets:
    """Question sets by name, each with the searcher its questions are asked through."""

    questions: dict[str, list[Question]] = field(default_factory=dict)
    caches: dict[str, HitCache] = field(default_factory=dict)
    outlets: dict[str, OutletsNamed] = field(default_factory=dict)
    # Each set's index's newest article date: whether an as_of goes back in time, as /ask reads.
    newest: dict[str, date | None] = field(default_factory=dict)


def _progress(items: Iterable[T], label: str) -> Iterator[T]:
    from rich.progress import track

    yield from track(list(items), description=label)


def is_right(answer: str | None, question: Question) -> bool:
    """What eval counts as a right answer: the gold inside it (never, where there is none)."""
    if answer is None or question.unanswerable:
        return False
    return metrics.contains_answer(answer, question.answers) == 1.0


@dataclass
class Collected:
    """Per question: its candidates (span questions) or its evidence (yes/no questions)."""

    spans: dict[str, list[QuestionCandidates]] = field(default_factory=dict)
    span_winners: dict[str, list[tuple[Question, list[dict[str, float]], list[bool]]]] = field(
        default_factory=dict
    )
    verdicts: dict[str, list[tuple[Question, dict[str, float], bool]]] = field(default_factory=dict)
    # Questions that describe their answer through outlets' reports: the shared subject's
    # features, and whether it is right.
    topics: dict[str, list[tuple[Question, dict[str, float], bool]]] = field(default_factory=dict)


def collect(reader: ExtractiveReader, sets: Sets) -> Collected:
    """Candidates and evidence of every question, over its cached search results."""
    out = Collected()
    for name, questions in sets.questions.items():
        cache = sets.caches[name]
        spans: list[QuestionCandidates] = []
        winners: list[tuple[Question, list[dict[str, float]], list[bool]]] = []
        verdicts: list[tuple[Question, dict[str, float], bool]] = []
        topics: list[tuple[Question, dict[str, float], bool]] = []
        for q in _progress(questions, name):
            hits = cache.hits(q.question, q.asked_at)
            yes_no = yes_no_question(q.question)
            if yes_no is not None:
                evidence = gather(yes_no, hits, outlets=sets.outlets[name])
                if evidence.found:
                    gold = q.answers[0].strip(". ").lower() if q.answers else ""
                    verdicts.append((q, dict(evidence.features), gold == "yes"))
                continue
            named = sets.outlets[name](q.question)
            if describes_entity(q.question, named):
                reading = reader.topic(q.question, hits, named)
                if reading is not None:
                    topics.append((q, reading.features, is_right(reading.text, q)))
            # Read as /ask reads: with the date the question was asked on (time words, ages).
            asked = read_question(q.question, q.asked_at, sets.newest[name])
            candidates = reader.candidates(asked, hits)
            features = [c.features for c in candidates]
            exact = [metrics.exact_match(c.span.text, q.answers) == 1.0 for c in candidates]
            contains = [is_right(c.span.text, q) for c in candidates]
            spans.append(QuestionCandidates(f"{name}/{q.id}", features, exact))
            winners.append((q, features, contains))
        out.spans[name], out.span_winners[name], out.verdicts[name] = spans, winners, verdicts
        out.topics[name] = topics
    return out


def _span_confidence_rows(
    calibration: Calibration,
    winners: Sequence[tuple[Question, list[dict[str, float]], list[bool]]],
    scores: Sequence[Sequence[float]],
) -> tuple[list[dict[str, float]], list[bool]]:
    rows, right = [], []
    for (_, features, contains), score in zip(winners, scores, strict=True):
        if not features:
            continue
        order = sorted(range(len(score)), key=lambda i: score[i], reverse=True)
        best = order[0]
        second = score[order[1]] if len(order) > 1 else None
        rows.append(calibration.confidence_features(score[best], second, features[best]))
        right.append(contains[best])
    return rows, right


def _with_undated(collected: Collected, name: str) -> list[QuestionCandidates]:
    """A set's questions and their undated copies, the copies keyed as the originals so that
    both fall in the same fold (a question is held out with and without its date)."""
    dated = collected.spans.get(name, [])
    undated = collected.spans.get(f"{name}-undated", [])
    prefix = f"{name}-undated/"
    return dated + [replace(q, key=f"{name}/{q.key.removeprefix(prefix)}") for q in undated]


def fit_all(collected: Collected, *, trees: bool) -> Calibration:
    """The ranker on RealTime QA, the verdict model on MultiHop's yes/no questions, then the
    confidence maps on every fit set, from scores of models that did not see the question."""
    realtimeqa = collected.spans["realtimeqa"]
    # The seed questions are short, direct questions of the kind users ask (RealTime QA's are
    # quiz sentences): each weighs as SEED_WEIGHT RealTime QA questions, so that the ranker
    # learns both styles. They are reported as in-sample.
    seed = [replace(q, weight=SEED_WEIGHT) for q in _with_undated(collected, "newsqa_seed")]
    # Each question with and without its date: how recent an article is says much where the
    # asker gave a date and little where not ("dated" lets the trees tell them apart).
    ranker_questions = _with_undated(collected, "realtimeqa") + seed
    held_out: dict[str, float] = {}
    ranker = fit_ranker(ranker_questions, FEATURES, trees=trees)
    draft = Calibration(ranker=ranker)
    held_out_rankers = fold_rankers(
        ranker_questions, lambda qs: fit_ranker(qs, FEATURES, trees=trees)
    )
    rows: list[dict[str, float]] = []
    right: list[bool] = []
    weights: list[float] = []
    for name, winners in collected.span_winners.items():
        seed_set = name.startswith("newsqa_seed")
        if name in _RANKER_QUESTIONS or seed_set:
            # Scored by a ranker that never saw the question (nor, for its gold-removed copy,
            # the question with its gold): the map must learn from scores as new questions
            # get them, which the final ranker gives its own fit questions too high.
            prefix = "newsqa_seed" if seed_set else "realtimeqa"
            scores = [
                held_out_rankers.scores(f"{prefix}/{q.id}", features) for q, features, _ in winners
            ]
            if name in ("realtimeqa", "realtimeqa-undated", "newsqa_seed"):
                held_out[name] = top_exact(collected.spans[name], scores)
        else:
            scores = [draft.rank_scores(features) for _, features, _ in winners]
        more_rows, more_right = _span_confidence_rows(draft, winners, scores)
        rows += more_rows
        right += more_right
        # The seed questions, short and direct as users ask, weigh in the maps as in the
        # ranker: without them a short question read as a quiz's (seed set, in-sample).
        weights += [SEED_WEIGHT if seed_set else 1.0] * len(more_rows)
    # Logistic alone: an isotonic map's few levels put ~15% of the answers on one step (0.28),
    # so that no threshold could be set between answering all of them and none; the logistic
    # is smooth and as well calibrated held out (fit-half realtimeqa ECE .046 against .041).
    # One map for answers with a date to judge them by, one for those without (span_kind):
    # fitted apart, both kinds of question gained held-out exact match at the threshold.
    span_maps = {}
    for kind in ("span", "span_undated"):
        chosen = [i for i, row in enumerate(rows) if span_kind(row) == kind]
        span_maps[kind] = fit_confidence(
            [rows[i] for i in chosen],
            [right[i] for i in chosen],
            CONFIDENCE_FEATURES,
            isotonic=False,
            weights=[weights[i] for i in chosen],
        )

    verdict_rows = [(f, yes) for q, f, yes in collected.verdicts.get("multihop", [])]
    verdict = fit_verdict(
        [f for f, _ in verdict_rows], [y for _, y in verdict_rows], VERDICT_FEATURES
    )
    conf_rows: list[dict[str, float]] = []
    conf_right: list[bool] = []
    fold_of = folds([q.id for q, _, _ in collected.verdicts.get("multihop", [])], 5)
    for fold in range(5):
        train = [r for r, f in zip(verdict_rows, fold_of, strict=True) if f != fold]
        model = fit_verdict([f for f, _ in train], [y for _, y in train], VERDICT_FEATURES)
        for (features, yes), f in zip(verdict_rows, fold_of, strict=True):
            if f == fold:
                p = model.p_yes(features)
                conf_rows.append(dict(features, p=max(p, 1 - p)))
                conf_right.append((p >= 0.5) == yes)
    for name, found in collected.verdicts.items():
        if name != "multihop":  # unanswerable: any verdict is wrong
            for _, features, _ in found:
                p = verdict.p_yes(features)
                conf_rows.append(dict(features, p=max(p, 1 - p)))
                conf_right.append(False)
    verdict_map = fit_confidence(conf_rows, conf_right, VERDICT_CONFIDENCE, isotonic=False)
    # The seed set is in-sample; every other set's subjects are right or wrong answers (on an
    # unanswerable set, always wrong).
    topic_rows = [
        (features, right)
        for name, found in collected.topics.items()
        if name != "newsqa_seed"
        for _, features, right in found
    ]
    topic_map = fit_confidence(
        [f for f, _ in topic_rows], [r for _, r in topic_rows], TOPIC_FEATURES, isotonic=False
    )
    counts = {k: len(v) for k, v in collected.span_winners.items()}
    topic_counts = {k: len(v) for k, v in collected.topics.items() if v}
    return Calibration(
        ranker=ranker,
        confidence_maps={**span_maps, "verdict": verdict_map, "topic": topic_map},
        verdict=verdict,
        fitted_on=(
            f"ranker: {len(realtimeqa)} RealTime QA questions outside the sample and "
            f"{len(collected.spans.get('newsqa_seed', []))} seed questions (x{SEED_WEIGHT}), "
            f"each with and without its "
            f"date; verdicts: {len(verdict_rows)} MultiHop-RAG tuning-half yes/no questions; "
            f"span confidence: {counts}; topic confidence: {topic_counts}; retrieved passages; "
            f"held-out (3-fold) top-1 exact match of the ranker on its questions: "
            + ", ".join(f"{k} {v:.3f}" for k, v in held_out.items())
        ),
    )


DataOpt = Annotated[Path, typer.Option(help="The shared data folder.")]
IndexOpt = Annotated[Path, typer.Option(help="The eval index.")]
UnansOpt = Annotated[
    Path, typer.Option(help="Output of `newsqa eval unanswerable build` (skipped if absent).")
]


def _sets(data: Path, index: Path, unanswerable: Path, *, report: bool) -> tuple[Sets, QAEngine]:
    from service.config import Settings

    engines = []
    sets = Sets()
    groups = [(index, dev_sets(data, report=report))]
    if (unanswerable / "index").is_dir():
        groups.append((unanswerable / "index", unanswerable_sets(unanswerable, report=report)))
    for index_dir, questions in groups:
        engine = QAEngine(Settings(index_dir=index_dir))
        engine.warm_up()
        opened = engine.index
        if opened is None:
            raise typer.BadParameter(f"no index in {index_dir}")
        engines.append(engine)
        stem = f"hits-{index_dir.name}-{opened.version}-{retrieval_fingerprint(engine.settings)}"
        cache = HitCache(Path("var/calibrate") / f"{stem}.jsonl", opened, _searcher(engine))
        outlets = OutletMatcher(opened.sources()).mentioned
        newest = newest_published(opened)
        for name, qs in questions.items():
            sets.questions[name] = qs
            sets.caches[name] = cache
            sets.outlets[name] = outlets
            sets.newest[name] = newest
    return sets, engines[0]


def _searcher(engine: QAEngine) -> Search:
    """The engine's own search, as /ask runs it (top 10)."""
    return lambda question, as_of: list(engine.retrieve(question, 10, as_of=as_of).hits)


def _reader(engine: QAEngine, calibration: Calibration) -> ExtractiveReader:
    """The engine's own reader (its tagger and word vectors) with the given parameters."""
    reader = engine.reader
    if not isinstance(reader, ExtractiveReader):
        raise typer.BadParameter("calibration fits the built-in reader (NEWSQA_READER=builtin)")
    return reader.with_calibration(calibration)


@app.command("fit")
def fit_command(
    data: DataOpt = Path("../shared/data"),
    index: IndexOpt = Path("var/eval-index"),
    unanswerable: UnansOpt = Path("var/unanswerable"),
    out: Annotated[Path, typer.Option(help="Where the fitted JSON goes.")] = DEFAULT_PATH,
    linear: Annotated[bool, typer.Option(help="A linear ranker instead of trees.")] = False,
) -> None:
    """Fit on the questions outside the reported samples, over their retrieved passages."""
    sets, engine = _sets(data, index, unanswerable, report=False)
    collected = collect(_reader(engine, Calibration()), sets)
    fitted = fit_all(collected, trees=not linear)
    out.write_text(fitted.to_json(), encoding="utf-8")
    typer.echo(f"wrote {out}: {fitted.fitted_on}")


@app.command("report")
def report_command(
    data: DataOpt = Path("../shared/data"),
    index: IndexOpt = Path("var/eval-index"),
    unanswerable: UnansOpt = Path("var/unanswerable"),
    fit_half: Annotated[bool, typer.Option(help="Measure the fit half instead.")] = False,
) -> None:
    """Per set: answered share, exact match, precision and ECE of the committed calibration."""
    from service.reading.calibration import load_calibration

    sets, engine = _sets(data, index, unanswerable, report=not fit_half)
    reader = _reader(engine, load_calibration())
    result = {}
    for name, questions in sets.questions.items():
        confidences, right, answered, exact, theirs = [], [], 0, 0.0, 0.0
        for q in _progress(questions, name):
            hits = sets.caches[name].hits(q.question, q.asked_at)
            answer = reader.read(
                q.question,
                hits,
                as_of=q.asked_at,
                newest_indexed=sets.newest[name],
                outlets=sets.outlets[name],
            )
            said = multihop_metrics.NO_ANSWER_TEXT if answer.abstained else answer.text or ""
            gold = q.answers[0] if q.answers else multihop_metrics.NO_ANSWER_TEXT
            theirs += multihop_metrics.qa_correct(said, gold)
            if answer.abstained:
                continue
            answered += 1
            exact += metrics.exact_match(answer.text or "", q.answers) if q.answers else 0.0
            confidences.append(answer.confidence)
            right.append(is_right(answer.text, q))
        _, ece = metrics.calibration(confidences, right)
        chance = metrics.chance_ece(confidences)
        n = max(1, len(questions))
        result[name] = {
            "questions": len(questions),
            "answered": round(answered / n, 4),
            "exact_match": round(exact / n, 4),
            "precision": round(sum(right) / max(1, answered), 4),
            "multihop_qa_accuracy": round(theirs / n, 4),
            "ece": None if ece is None else round(ece, 4),
            # A perfectly calibrated reader's ECE on these answers, by chance alone (mean).
            "ece_chance": None if chance is None else round(chance.mean, 4),
        }
    typer.echo(json.dumps(result, indent=2))
