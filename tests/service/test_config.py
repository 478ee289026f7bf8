"""Settings: environment parsing, clear errors for bad values, and the README table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.config import Settings, get_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_point_the_index_at_the_test_directory(tmp_path: Path) -> None:
    # The autouse fixture points NEWSQA_INDEX_DIR at tmp_path; settings must honour it.
    assert get_settings().index_dir == tmp_path / "index"
    assert get_settings().host == "127.0.0.1"
    assert get_settings().port == 8000


def test_api_keys_accept_commas_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_API_KEYS", " k1, k2 ,")
    assert Settings().api_keys == ["k1", "k2"]
    monkeypatch.setenv("NEWSQA_API_KEYS", '["k3"]')
    assert Settings().api_keys == ["k3"]


def test_bad_value_fails_with_the_value_in_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_PORT", "70000")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "port" in str(info.value)
    assert "70000" in str(info.value)


def test_an_unknown_query_precision_names_the_ones_there_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSQA_QUERY_PRECISION", "fp16")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "query_precision" in str(info.value) and "fp16" in str(info.value)
    assert "'float32' or 'int8'" in str(info.value)
    monkeypatch.setenv("NEWSQA_QUERY_PRECISION", "float32")
    assert Settings().query_precision == "float32"


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEWSQA_PORT=8123\n", encoding="utf-8")
    assert Settings().port == 8123


def test_readme_documents_every_setting() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [
        f"NEWSQA_{name.upper()}"
        for name in Settings.model_fields
        if f"`NEWSQA_{name.upper()}`" not in readme
    ]
    assert not missing, f"README configuration table lacks {missing}"


@pytest.mark.parametrize("value", [",", " , ,", " ", "\t", '[""]', '["k1", " "]'])
def test_api_keys_that_name_no_key_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    # Probe finding: NEWSQA_API_KEYS="," parsed to no keys and turned auth off silently.
    monkeypatch.setenv("NEWSQA_API_KEYS", value)
    with pytest.raises(ValidationError, match="NEWSQA_API_KEYS"):
        Settings()


def test_empty_api_keys_mean_no_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSQA_API_KEYS", "")
    assert Settings().api_keys == []
