import dataclasses

import pytest

from reflex_meet.calls.config import (
    DEFAULT_API_URL,
    DEFAULT_LOCAL_APP_ID,
    DEFAULT_LOCAL_SECRET,
    DEFAULT_LOCAL_URL,
    CallsConfig,
    CallsConfigError,
    describe,
    load_config,
)
from reflex_meet.core.problems import ProblemError

SECRET = "0123456789abcdef-SECRET-fedcba9876543210"


def cloudflare_env(**extra):
    return {"CALLS_APP_ID": "1a2b3c4d5e6f", "CALLS_APP_SECRET": SECRET, **extra}


def refusal(environ):
    with pytest.raises(CallsConfigError) as caught:
        load_config(environ)
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, ProblemError)
    assert SECRET not in str(error)
    return error.problem


# -- defaults ---------------------------------------------------------------


def test_nothing_set_means_local_stand_in_with_defaults():
    config = load_config({})
    assert config == CallsConfig(
        backend="local",
        app_id=DEFAULT_LOCAL_APP_ID,
        app_secret=DEFAULT_LOCAL_SECRET,
        api_url=DEFAULT_LOCAL_URL,
        timeout_s=10.0,
    )
    assert config.api_url == "http://127.0.0.1:7880/v1"
    assert config.app_id == "local"
    assert config.app_secret == "local-dev-secret"


def test_empty_or_blank_id_and_secret_count_as_unset():
    config = load_config({"CALLS_APP_ID": "", "CALLS_APP_SECRET": "  \n"})
    assert config.backend == "local"


def test_local_stand_in_settings_are_read():
    config = load_config(
        {
            "LOCAL_CALLS_URL": "http://calls-standin:9000/v1/",
            "LOCAL_CALLS_APP_ID": "dev_app",
            "LOCAL_CALLS_SECRET": "other-secret",
            # Ignored without id and secret: the stand-in has its own URL.
            "CALLS_API_URL": "https://elsewhere.example/v1",
        }
    )
    assert config.backend == "local"
    # Plain http to another host is fine for the stand-in (a dev secret).
    assert config.api_url == "http://calls-standin:9000/v1"
    assert config.app_id == "dev_app"
    assert config.app_secret == "other-secret"


def test_id_and_secret_mean_cloudflare_with_default_url():
    config = load_config(cloudflare_env())
    assert config.backend == "cloudflare"
    assert config.app_id == "1a2b3c4d5e6f"
    assert config.app_secret == SECRET
    assert config.api_url == DEFAULT_API_URL == "https://rtc.live.cloudflare.com/v1"
    assert config.timeout_s == 10.0


def test_values_are_trimmed_and_trailing_slash_dropped():
    config = load_config(
        {
            "CALLS_APP_ID": " app-1 \n",
            "CALLS_APP_SECRET": f"{SECRET}\n",
            "CALLS_API_URL": "https://rtc.example.com/v1/",
        }
    )
    assert config.app_id == "app-1"
    assert config.app_secret == SECRET
    assert config.api_url == "https://rtc.example.com/v1"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8787/v1",
        "http://127.0.0.1:7880/v1",
        "http://127.1.2.3/v1",
        "http://[::1]:7880/v1",
        "HTTPS://RTC.example.com",
    ],
)
def test_cloudflare_accepts_https_and_loopback_http(url):
    config = load_config(cloudflare_env(CALLS_API_URL=url))
    assert config.api_url == url


def test_timeout_is_read():
    assert load_config(cloudflare_env(CALLS_TIMEOUT_S="2.5")).timeout_s == 2.5
    assert load_config({"CALLS_TIMEOUT_S": "30"}).timeout_s == 30.0


# -- refusals ---------------------------------------------------------------


def test_id_without_secret_is_refused():
    problem = refusal({"CALLS_APP_ID": "abc"})
    assert problem.code == "calls_config_incomplete"
    assert "CALLS_APP_SECRET is not" in problem.description


def test_secret_without_id_is_refused():
    problem = refusal({"CALLS_APP_SECRET": SECRET})
    assert problem.code == "calls_config_incomplete"
    assert "CALLS_APP_ID is not" in problem.description


@pytest.mark.parametrize(
    "url",
    [
        "ftp://rtc.example.com/v1",
        "rtc.live.cloudflare.com/v1",
        "ws://rtc.example.com/v1",
        "https://",
        "https:///v1",
        "https://rtc.example.com:99999/v1",
        "https://rtc.example.com:abc/v1",
        "https://rtc.example.com/v1?x=1",
        "https://rtc.example.com/v1?",
        "https://rtc.example.com/v1#top",
        "https://rtc.example.com/v 1",
        "https://rtc.example.com/v1\n",
    ],
)
def test_bad_urls_are_refused(url):
    # A trailing newline is trimmed from the environment; test the field too.
    if url.endswith("\n"):
        with pytest.raises(CallsConfigError) as caught:
            CallsConfig("cloudflare", "app", SECRET, api_url=url)
        assert caught.value.problem.code == "calls_config_bad_url"
        return
    problem = refusal(cloudflare_env(CALLS_API_URL=url))
    assert problem.code == "calls_config_bad_url"
    assert "CALLS_API_URL" in problem.description


def test_bad_local_url_names_the_local_variable():
    problem = refusal({"LOCAL_CALLS_URL": "127.0.0.1:7880"})
    assert problem.code == "calls_config_bad_url"
    assert "LOCAL_CALLS_URL" in problem.description


def test_credentials_in_url_are_refused_without_echoing_them():
    problem = refusal(
        cloudflare_env(CALLS_API_URL="https://me:hunter2@rtc.example.com")
    )
    assert problem.code == "calls_config_bad_url"
    assert "hunter2" not in problem.description


@pytest.mark.parametrize(
    "url",
    [
        "http://rtc.live.cloudflare.com/v1",
        "http://10.0.0.5/v1",
        "http://localhost.evil",
    ],
)
def test_cloudflare_over_plain_http_to_other_hosts_is_refused(url):
    problem = refusal(cloudflare_env(CALLS_API_URL=url))
    assert problem.code == "calls_config_insecure_url"
    assert "https://" in problem.description


@pytest.mark.parametrize(
    "app_id", ["a/b", "../x", "app id", "x" * 65, "é", "app.1", "a?b", "a%2Fb"]
)
def test_bad_app_ids_are_refused(app_id):
    problem = refusal(cloudflare_env(CALLS_APP_ID=app_id))
    assert problem.code == "calls_config_bad_app_id"
    assert "CALLS_APP_ID" in problem.description


def test_app_id_of_64_characters_is_accepted():
    assert load_config(cloudflare_env(CALLS_APP_ID="A_-9" * 16)).app_id == "A_-9" * 16


def test_bad_local_app_id_is_refused():
    problem = refusal({"LOCAL_CALLS_APP_ID": "a/b"})
    assert problem.code == "calls_config_bad_app_id"
    assert "LOCAL_CALLS_APP_ID" in problem.description


def test_secret_with_inner_space_is_refused_without_echoing_it():
    with pytest.raises(CallsConfigError) as caught:
        load_config(cloudflare_env(CALLS_APP_SECRET="abc def-hidden"))
    assert caught.value.problem.code == "calls_config_bad_secret"
    assert "hidden" not in str(caught.value)


@pytest.mark.parametrize("raw", ["abc", "0", "-1", "nan", "inf", "1000"])
def test_bad_timeouts_are_refused(raw):
    problem = refusal(cloudflare_env(CALLS_TIMEOUT_S=raw))
    assert problem.code == "calls_config_bad_timeout"


def test_direct_construction_is_validated_too():
    with pytest.raises(CallsConfigError) as caught:
        CallsConfig(backend="aws", app_id="a", app_secret="s")  # type: ignore[arg-type]
    assert caught.value.problem.code == "calls_config_bad_backend"
    with pytest.raises(CallsConfigError) as caught:
        CallsConfig(backend="cloudflare", app_id="a", app_secret="")
    assert caught.value.problem.code == "calls_config_no_secret"
    with pytest.raises(CallsConfigError):
        CallsConfig(backend="cloudflare", app_id="a", app_secret="s", timeout_s=True)


def test_config_is_frozen():
    config = load_config({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.app_secret = "x"  # type: ignore[misc]


# -- never show the secret --------------------------------------------------


def test_secret_is_not_in_repr_or_str():
    config = load_config(cloudflare_env())
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    assert "1a2b3c4d5e6f" in repr(config)


def test_describe_cloudflare():
    config = load_config(cloudflare_env())
    line = describe(config)
    assert line == (
        "Calls backend: Cloudflare (app 1a2b…, https://rtc.live.cloudflare.com/v1)"
    )
    assert SECRET not in line


def test_describe_short_app_id_is_shown_whole():
    config = load_config(cloudflare_env(CALLS_APP_ID="abc"))
    assert describe(config).startswith("Calls backend: Cloudflare (app abc, ")


def test_describe_local():
    config = load_config({})
    line = describe(config)
    assert line == "Calls backend: local stand-in at http://127.0.0.1:7880/v1"
    assert "local-dev-secret" not in line
    assert "local-dev-secret" not in repr(config)
