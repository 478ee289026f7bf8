"""Reading JSONL, Markdown/text, HTML and feed files and folders; every bad input is reported."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from indexer.errors import IngestError
from indexer.sources.read import derive_article_id, iter_sources, read_sources
from indexer.types import IngestProblem, IngestReport

FIXTURES = Path(__file__).parent / "fixtures" / "mixed"


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _one_problem(report: IngestReport) -> str:
    assert report.articles == ()
    assert len(report.problems) == 1, report.problems
    return str(report.problems[0])


def test_folder_reads_every_format_in_sorted_order() -> None:
    report = read_sources([FIXTURES])
    assert report.problems == ()
    origins = [a.origin for a in report.articles]
    assert origins == [
        f"{FIXTURES}/articles.jsonl:1",
        f"{FIXTURES}/articles.jsonl:2",
        f"{FIXTURES}/articles.jsonl:4",
        f"{FIXTURES}/brief.txt",
        f"{FIXTURES}/feeds/lab.atom#1",
        f"{FIXTURES}/feeds/lab.rss#1",
        f"{FIXTURES}/feeds/lab.rss#2",
        f"{FIXTURES}/notes.md",
        f"{FIXTURES}/page.html",
    ]
    assert read_sources([FIXTURES]) == report  # deterministic


def test_iter_sources_streams_what_read_sources_returns(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.jsonl", '{"text": 1}\n')
    records = list(iter_sources([FIXTURES / "articles.jsonl", bad]))
    report = read_sources([FIXTURES / "articles.jsonl", bad])
    assert [r for r in records if isinstance(r, IngestProblem)] == list(report.problems)
    assert [r for r in records if not isinstance(r, IngestProblem)] == list(report.articles)
    assert len(report.problems) == 1


def test_text_and_fields_come_out_cleaned(tmp_path: Path) -> None:
    record = (
        '{"id": "c1", "title": "  \u201cQuiet\u201d\u00a0servers ", "text": "It\u2019s here.'
        '\\n\\n\\nAdvertisement\\n\\nSoft\u00adware   ships\u200b today."}'
    )
    (article,) = read_sources([_write(tmp_path / "c.jsonl", record)]).articles
    assert article.title == '"Quiet" servers'
    assert article.text == "It's here.\n\nSoftware ships today."


def test_jsonl_fields_dates_and_partial() -> None:
    articles = {a.id: a for a in read_sources([FIXTURES / "articles.jsonl"]).articles}
    first = articles["fx-001"]
    assert first.title == "Harbour city tests driverless ferries"
    assert first.published_at == date(2025, 2, 3)
    assert first.text.count("\n\n") == 1
    second = articles["fx-002"]
    # A datetime becomes the date as written, not shifted to UTC.
    assert (second.title, second.published_at, second.partial) == (None, date(2025, 2, 10), True)


def test_missing_id_is_derived_from_the_normalised_url() -> None:
    report = read_sources([FIXTURES / "articles.jsonl"])
    third = report.articles[2]
    assert third.id == derive_article_id("https://ledger.example/robots?page=2", "")
    assert third.id.startswith("url-") and len(third.id) == 4 + 16
    assert third.published_at is None


def test_derive_article_id_rules() -> None:
    base = derive_article_id("https://news.example/a?x=1", "text")
    assert derive_article_id("HTTPS://NEWS.example/a?x=1&utm_medium=rss#comments", "") == base
    assert derive_article_id("https://news.example/a?x=2", "text") != base
    by_text = derive_article_id(None, "Some text.")
    assert by_text.startswith("sha-") and by_text == derive_article_id("  ", "Some text.")
    assert by_text != derive_article_id(None, "Other text.")


def test_markdown_front_matter_and_markup_removed() -> None:
    (article,) = read_sources([FIXTURES / "notes.md"]).articles
    assert article.title == "Open model tops translation benchmark"
    assert article.author == "Rhea Tan, Omar Field"
    assert article.published_at == date(2025, 3, 14)
    assert article.text.startswith("An open-weights model from a university lab scored first on")
    assert "**" not in article.text and "](" not in article.text and "# " not in article.text
    assert "thirty languages." in article.text
    assert "Advertisement" not in article.text
    assert article.text.endswith("Its authors released the evaluation code.")


def test_markdown_heading_becomes_title_when_front_matter_has_none(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.md", "# Quiet fans for servers\n\nA fan maker cut noise in half.\n")
    (article,) = read_sources([path]).articles
    assert (article.title, article.text) == (
        "Quiet fans for servers",
        "A fan maker cut noise in half.",
    )
    assert article.id.startswith("sha-")


def test_front_matter_numbers_and_date_alias(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "n.txt", "---\ntitle: 1984\ndate: 2025-06-01\n---\nA novel, reissued.\n"
    )
    (article,) = read_sources([path]).articles
    assert (article.title, article.published_at) == ("1984", date(2025, 6, 1))


def test_text_file_keeps_given_id_and_line_breaks() -> None:
    (article,) = read_sources([FIXTURES / "brief.txt"]).articles
    assert article.id == "fx-brief-7"
    assert article.published_at == date(2025, 1, 20)
    assert article.text.count("\n") == 1


def test_html_main_text_and_metadata() -> None:
    (article,) = read_sources([FIXTURES / "page.html"]).articles
    assert article.title == "Satellite startup maps glaciers weekly"
    assert (article.author, article.source) == ("Lena Frost", "Polar Post")
    assert article.url == "https://polarpost.example/glaciers"
    assert article.published_at == date(2025, 4, 2)
    assert article.text == (
        "A small satellite company now publishes a map of every Alpine glacier once a week.\n\n"
        "Its radar sensors see through cloud, which optical cameras cannot do."
    )


def test_html_without_metadata_gets_no_date_from_its_body(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Chip plant</title></head><body><article><p>On 3 March 2021 the "
        "firm said its chips, first shipped in 2019, would be made until 2030.</p>"
        "</article></body></html>"
    )
    (article,) = read_sources([_write(tmp_path / "plain.html", html)]).articles
    assert article.title == "Chip plant"
    assert (article.published_at, article.url, article.author) == (None, None, None)
    assert article.text.startswith("On 3 March 2021")


def test_html_in_a_declared_charset_is_decoded(tmp_path: Path) -> None:
    html = (
        '<html><head><meta charset="iso-8859-1"><title>Caf\xe9 robots</title></head><body>'
        "<article><p>A caf\xe9 in Porto serves coffee made by a robot barista every morning.</p>"
        "</article></body></html>"
    )
    path = _write(tmp_path / "latin.html", html.encode("latin-1"))
    (article,) = read_sources([path]).articles
    assert "caf\u00e9 in Porto" in article.text


def test_missing_path_raises_with_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    with pytest.raises(IngestError) as raised:
        read_sources([FIXTURES, missing])
    assert str(missing) in str(raised.value)


def test_bad_jsonl_lines_are_reported_and_the_rest_read(tmp_path: Path) -> None:
    lines = [
        '{"id": "ok-1", "text": "A valid article about quiet servers."}',
        '{"id": "bad-json", "text": "unterminated',
        "[1, 2, 3]",
        '{"id": "no-text", "title": "Nothing here"}',
        '{"id": "empty-text", "text": "   "}',
        '{"id": "bad-date", "text": "Dated badly.", "published_at": "last Tuesday"}',
        '{"id": "bad-title", "text": "Typed badly.", "title": 42}',
        '{"id": "bad-partial", "text": "Partly.", "partial": "yes"}',
        '{"id": "ok-2", "text": "Another valid article."}',
    ]
    path = _write(tmp_path / "mixed.jsonl", "\n".join(lines) + "\n")
    report = read_sources([path])
    assert [a.id for a in report.articles] == ["ok-1", "ok-2"]
    reasons = {p.line: p.reason for p in report.problems}
    assert all(p.path == str(path) for p in report.problems)
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "malformed JSON" in reasons[2]
    assert "expected a JSON object" in reasons[3]
    assert "text" in reasons[4] and "text" in reasons[5]
    assert "'last Tuesday'" in reasons[6]
    assert "'title'" in reasons[7]
    assert "'partial'" in reasons[8]


def test_bad_encoding_in_one_jsonl_line_skips_only_that_line(tmp_path: Path) -> None:
    data = b'{"text": "Fine line."}\n{"text": "caf\xe9 in latin-1"}\n{"text": "Also fine."}\n'
    report = read_sources([_write(tmp_path / "enc.jsonl", data)])
    assert [a.text for a in report.articles] == ["Fine line.", "Also fine."]
    (problem,) = report.problems
    assert problem.line == 2 and "0xe9" in problem.reason


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.jsonl", b"", "empty file"),
        ("blank.md", b"  \n\n ", "empty file"),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin.md", "Caf\xe9 robots open.".encode("latin-1"), "not valid utf-8"),
        ("bad.html", b"<html><body><p>caf\xe9 opens</p></body></html>", "not valid utf-8"),
        ("report.pdf", b"%PDF-1.4 some text", "unknown file extension '.pdf'"),
        ("Makefile", b"all:\n", "unknown file extension '(none)'"),
        ("broken.md", b"---\ntitle: [unclosed\n---\nBody text.\n", "invalid YAML front matter"),
        ("undated.md", b"---\npublished_at: soon\n---\nBody.\n", "'soon'"),
        ("boiler.txt", b"Advertisement\n\nShare\n", "empty after cleaning"),
        ("chrome.html", b"<html><body><nav></nav></body></html>", "no main text"),
        ("notafeed.xml", b"<config><item>1</item></config>", "not a readable RSS/Atom feed"),
        ("garbage.rss", b"this is not xml at all", "not a readable RSS/Atom feed"),
    ],
)
def test_bad_files_are_reported_and_skipped(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = _write(tmp_path / name, content)
    message = _one_problem(read_sources([path]))
    assert message.startswith(str(path))
    assert expected.lower() in message.lower()


def test_folder_skips_hidden_files_and_reports_unknown_ones(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "brief.txt", tmp_path / "b.txt")
    _write(tmp_path / ".hidden" / "x.jsonl", '{"text": "hidden"}')
    _write(tmp_path / ".DS_Store", b"\x00\x01")
    _write(tmp_path / "sub" / "photo.jpg", b"\xff\xd8\xff")
    report = read_sources([tmp_path])
    assert [a.id for a in report.articles] == ["fx-brief-7"]
    assert [p.path for p in report.problems] == [str(tmp_path / "sub" / "photo.jpg")]


def test_same_file_twice_is_read_once_and_repeated_ids_are_problems(tmp_path: Path) -> None:
    copy = shutil.copy(FIXTURES / "brief.txt", tmp_path / "copy.txt")
    report = read_sources([FIXTURES / "brief.txt", FIXTURES, copy])
    ids = [a.id for a in report.articles]
    assert len(ids) == len(set(ids)) == 9
    (problem,) = report.problems
    assert problem.path == str(copy)
    assert "duplicate article id 'fx-brief-7'" in problem.reason


@pytest.mark.shared
def test_shared_corpus_loads_without_problems(shared_data_dir: Path) -> None:
    report = read_sources([shared_data_dir / "corpus"])
    assert [str(p) for p in report.problems] == []
    assert len(report.articles) > 5000
    assert len({a.id for a in report.articles}) == len(report.articles)
    # Cleaning reached the stored text.
    assert not any("\u00a0" in a.text or "\u201c" in a.text for a in report.articles)
