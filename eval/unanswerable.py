"""`newsqa eval unanswerable build`: questions the index cannot answer, made without hand labels.

Two kinds, each split into a half to fit on and a half to report, as the dev sets are:
- gold-removed: answerable dev questions whose gold articles, and every de-duplicated copy of
  them, are deleted from a COPY of the eval index (`indexer.pipeline.run.delete_from_index`, as
  `newsqa index delete` does). Asked again, the right output is an abstention.
- made-up: questions from templates about invented names (organisations, people, products)
  that no article of the corpus contains, checked against every indexed chunk.
Writes `var/unanswerable/index/` and one question file per set (git-ignored: they hold shared
question text); `eval/suites/unanswerable.toml` asks them (`make eval-unanswerable`).
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from eval.datasets import Question, load_questions, read_ids
from eval.splits import select_half
from indexer.protocols import IndexReader

app = typer.Typer(no_args_is_help=True, help="Unanswerable question sets for abstention.")

# Report on questions of the reported samples; fit the confidence on the others.
PER_SET = {"rt": 300, "mh": 100, "madeup": 120}


@dataclass(frozen=True)
class Made:
    name: str  # the file stem: removed-rt-report, madeup-fit, ...
    questions: list[dict[str, object]]


def removed_sets(
    rt: Sequence[Question], rt_sample: set[str], mh: Sequence[Question], seed: int
) -> list[Made]:
    """Four samples of answerable questions: RealTime QA sample / other, MultiHop halves."""
    rng = random.Random(seed)
    pools = {
        "removed-rt-report": [q for q in rt if q.id in rt_sample],
        "removed-rt-fit": [q for q in rt if q.id not in rt_sample],
        "removed-mh-report": select_half(mh, "reported"),
        "removed-mh-fit": select_half(mh, "tuning"),
    }
    out = []
    for name, pool in pools.items():
        size = PER_SET["rt" if "-rt-" in name else "mh"]
        picked = sorted(rng.sample(range(len(pool)), min(size, len(pool))))
        out.append(Made(name, [_unanswerable(pool[i]) for i in picked]))
    return out


def _unanswerable(question: Question) -> dict[str, object]:
    return {
        "id": question.id,
        "question": question.question,
        "answers": [],
        "type": f"removed:{question.type}",
        "asked_at": question.asked_at.isoformat() if question.asked_at else None,
        "gold_ids": [],
        "removed_ids": list(question.gold_ids),
        "removed_answers": list(question.answers),
    }


_SYLLABLES = [
    "va",
    "lor",
    "quin",
    "dar",
    "zel",
    "mo",
    "rix",
    "tha",
    "ven",
    "ko",
    "bru",
    "sel",
    "nix",
    "tor",
    "pha",
    "lin",
    "gar",
    "wen",
    "ost",
    "ul",
    "tre",
    "ska",
    "mir",
    "dov",
    "yan",
    "pel",
    "cor",
    "vish",
    "aum",
    "tek",
    "lo",
    "ri",
    "zan",
    "bex",
    "ur",
]
_ORG_SUFFIX = ("Labs", "AI", "Systems", "Robotics", "Dynamics", "Health", "Analytics", "")
_TEMPLATES = (
    "Who is the chief executive of {org}?",
    "Who founded {org}?",
    "How much did {org} raise in its latest funding round?",
    "Which company acquired {org} this week?",
    "What model did {org} release last week?",
    "When did {org} launch {product}?",
    "Where is {org} based?",
    "How many employees does {org} have?",
    "What did {person} announce at the {event} conference?",
    "Which city will host {event} next year?",
    "What score did {product} reach on the {event} benchmark?",
    "What is the monthly price of {product}?",
    "Who leads the research lab at {org}?",
    "Which chip does {product} run on?",
    "Did {org} release {product} before {org2} announced its own model?",
    "Does {person} still run {org}?",
    "What is the name of the assistant that {org} launched?",
    "How many parameters does {product} have?",
)


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()


def madeup_sets(seed: int, corpus_words: set[str]) -> list[Made]:
    """Template questions about invented names the corpus never mentions (a fit and a report
    half, from different random streams)."""
    out = []
    for half, offset in (("fit", 1), ("report", 2)):
        rng = random.Random(seed * 10 + offset)
        rows: list[dict[str, object]] = []
        while len(rows) < PER_SET["madeup"]:
            invented = [_word(rng) for _ in range(6)]
            if any(w.lower() in corpus_words for w in invented):
                continue  # a made-up word that some article happens to contain
            names = {
                "org": f"{invented[0]} {rng.choice(_ORG_SUFFIX)}".strip(),
                "org2": f"{invented[1]} {rng.choice(_ORG_SUFFIX)}".strip(),
                "person": f"{invented[2]} {invented[3]}",
                "product": f"{invented[4]} {rng.choice(('2', '3.5', 'Pro', 'Max', 'X'))}",
                "event": invented[5].upper()[:6],
            }
            template = _TEMPLATES[len(rows) % len(_TEMPLATES)]
            rows.append(
                {
                    "id": f"madeup-{half}-{len(rows):03d}",
                    "question": template.format(**names),
                    "answers": [],
                    "type": "madeup",
                    "gold_ids": [],
                }
            )
        out.append(Made(f"madeup-{half}", rows))
    return out


def ids_to_delete(index: IndexReader, gold_ids: Iterable[str]) -> list[str]:
    """Every indexed id of each gold story: its canonical article and all of its copies."""
    wanted: dict[str, None] = {}
    for gold in gold_ids:
        canonical = index.canonical_id(gold)
        if canonical is None:
            continue
        wanted.setdefault(canonical, None)
        for copy in index.alternative_sources(canonical):
            wanted.setdefault(copy.id, None)
    return list(wanted)


def _corpus_words(index_dir: Path) -> set[str]:
    """Every word of every indexed article, lower-cased."""
    from indexer.store.reader import open_index

    words: set[str] = set()
    with open_index(index_dir) as store:
        for record in store.article_records():
            words.update(re.findall(r"[a-z]+", record.article.text.lower()))
    return words


@app.command("build")
def build_command(
    source: Annotated[Path, typer.Option(help="The eval index to copy.")] = Path("var/eval-index"),
    out: Annotated[Path, typer.Option(help="Where the copy and the questions go.")] = Path(
        "var/unanswerable"
    ),
    data: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared/data"),
    seed: Annotated[int, typer.Option(help="Seed of the samples and the made-up names.")] = 13,
    if_stale: Annotated[
        bool, typer.Option(help="Do nothing where `out` was built from this index and seed.")
    ] = False,
) -> None:
    """Copy the eval index, delete the chosen questions' gold stories, write the question sets."""
    from indexer.pipeline.run import delete_from_index
    from indexer.store.reader import open_index

    with open_index(source) as store:
        built_from = {"source": str(source), "version": store.version, "seed": seed}
    stamp = out / "built_from.json"
    if if_stale and stamp.is_file() and json.loads(stamp.read_text("utf-8")) == built_from:
        typer.echo(f"{out} is up to date ({built_from})")
        return

    questions = data / "questions"
    raw = {
        json.loads(line)["id"]: json.loads(line)
        for line in (questions / "realtimeqa.jsonl").read_text(encoding="utf-8").splitlines()
    }
    rt = [
        q
        for q in load_questions(questions / "realtimeqa.jsonl", "realtimeqa").questions
        if q.answers and raw[q.id].get("answer_in_evidence")
    ]
    mh = [
        q
        for q in load_questions(questions / "multihop_500.jsonl", "multihop").questions
        if not q.unanswerable
    ]
    sample = set(read_ids(questions / "realtimeqa_sample_1000.ids"))
    made = removed_sets(rt, sample, mh, seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(source, out / "index")
    gold = [str(g) for m in made for row in m.questions for g in row["removed_ids"]]  # type: ignore[attr-defined]
    with open_index(out / "index") as store:
        doomed = ids_to_delete(store, gold)
    summary = delete_from_index(doomed, out / "index")
    typer.echo(f"deleted {summary.articles_deleted} articles ({len(set(gold))} gold stories)")
    made += madeup_sets(seed, _corpus_words(source))
    for m in made:
        path = out / f"{m.name}.jsonl"
        lines = [json.dumps(row, ensure_ascii=False) for row in m.questions]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        typer.echo(f"wrote {path}: {len(m.questions)} questions")
    stamp.write_text(json.dumps(built_from) + "\n", encoding="utf-8")
