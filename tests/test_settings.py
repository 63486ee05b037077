from pathlib import Path

import pytest

from profile_qa.errors import ConfigError
from profile_qa.settings import load_settings


def test_defaults_work_without_any_configuration() -> None:
    s = load_settings(env={})
    assert s.generator == "extractive"
    assert (s.articles_dir / "000_55cfba9dcf3082ae.txt").is_file()


def test_environment_overrides_config_file_and_overrides_win(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('top_k = 3\nindex_type = "hnsw"\n', encoding="utf-8")
    s = load_settings(cfg, env={"PROFILE_QA_TOP_K": "7"})
    assert (s.top_k, s.index_type) == (7, "hnsw")
    assert load_settings(cfg, env={"PROFILE_QA_TOP_K": "7"}, top_k=2).top_k == 2


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PROFILE_QA_INDEX_TYPE": "annoy"}, "index_type must be one of"),
        ({"PROFILE_QA_TOP_K": "many"}, "setting top_k"),
        ({"PROFILE_QA_TOPK": "3"}, "unknown environment variable PROFILE_QA_TOPK"),
        ({"PROFILE_QA_GENERATOR": "llm"}, "needs llm_base_url"),
        ({"PROFILE_QA_STORE": "sqlite"}, "store must be one of faiss, pgvector"),
        ({"PROFILE_QA_STORE": "pgvector"}, "needs database_url"),
        ({"PROFILE_QA_HNSW_EF_SEARCH": "5000"}, "hnsw_ef_search must be between 1 and 1000"),
    ],
)
def test_bad_values_name_the_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_allowed_origins_parse_from_a_comma_list() -> None:
    s = load_settings(env={"PROFILE_QA_ALLOWED_ORIGINS": "https://www.miit.gov.cn, https://a.b"})
    assert s.allowed_origins == ("https://www.miit.gov.cn", "https://a.b")


def test_the_database_password_stays_out_of_the_settings_repr() -> None:
    s = load_settings(
        env={"PROFILE_QA_STORE": "pgvector", "PROFILE_QA_DATABASE_URL": "postgresql://qa:pw1@db/x"}
    )
    assert s.database_url.endswith("@db/x") and "pw1" not in repr(s)


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("https://www.miit.gov.cn/", "did you mean https://www.miit.gov.cn\\?"),
        ("https://www.miit.gov.cn/news", "did you mean https://www.miit.gov.cn\\?"),
        ("https://a.cn; script-src *", "no ';'"),
        ("www.miit.gov.cn", "scheme://host\\[:port\\]"),
        ("ftp://files.miit.gov.cn", "http or https"),
    ],
)
def test_allowed_origins_must_be_bare_origins(origin: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env={}, allowed_origins=(origin,))


@pytest.mark.parametrize(
    "origin", ["https://www.miit.gov.cn", "http://127.0.0.1:8080", "http://[::1]:7860"]
)
def test_good_origins_are_accepted(origin: str) -> None:
    assert load_settings(env={}, allowed_origins=(origin,)).allowed_origins == (origin,)


def test_trusted_proxies_are_addresses_or_networks() -> None:
    s = load_settings(env={"PROFILE_QA_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1"})
    assert s.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert load_settings(env={}).trusted_proxies == ()  # default: no proxy is believed
    with pytest.raises(ConfigError, match=r"trusted_proxies entry 'proxy\.local'"):
        load_settings(env={"PROFILE_QA_TRUSTED_PROXIES": "proxy.local"})
