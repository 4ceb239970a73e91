"""Configuration and request checks of the AI participant (calls/ai.py)."""

import dataclasses

import pytest

from launch.servers import import_app
from reflex_meet.calls.ai import (
    DEFAULT_INSTRUCTIONS,
    DEFAULT_MODEL_ID,
    DEFAULT_VOICE,
    MAX_INSTRUCTIONS,
    VOICES,
    AiConfig,
    AiConfigError,
    check_request,
    describe_ai,
    load_ai_config,
)
from reflex_meet.core.problems import Problem

TOKEN = "sk-test-0123456789abcdef-TOKEN"
ENDPOINT = "https://api.openai.com/v1/realtime"


def refusal(environ) -> Problem:
    with pytest.raises(AiConfigError) as caught:
        load_ai_config(environ)
    assert TOKEN not in str(caught.value)
    return caught.value.problem


def test_nothing_set_means_no_ai():
    assert load_ai_config({}) is None
    assert (
        load_ai_config({"OPENAI_API_TOKEN": " ", "OPENAI_MODEL_ENDPOINT": ""}) is None
    )
    assert load_ai_config({"OPENAI_MODEL_ID": "some-model"}) is None
    assert "off" in describe_ai(None)


def test_token_and_endpoint_enable_it_with_the_default_model():
    config = load_ai_config(
        {"OPENAI_API_TOKEN": TOKEN, "OPENAI_MODEL_ENDPOINT": ENDPOINT}
    )
    assert config == AiConfig(endpoint=ENDPOINT, token=TOKEN)
    assert config.model_id == DEFAULT_MODEL_ID == "gpt-4o-realtime-preview"
    assert TOKEN not in repr(config)
    assert TOKEN not in describe_ai(config)
    assert describe_ai(config) == f"AI participant: {DEFAULT_MODEL_ID} at {ENDPOINT}"
    other = load_ai_config(
        {
            "OPENAI_API_TOKEN": TOKEN,
            "OPENAI_MODEL_ENDPOINT": "http://127.0.0.1:9999/v1/realtime",
            "OPENAI_MODEL_ID": "gpt-realtime",
            "OPENAI_TIMEOUT_S": "5",
        }
    )
    assert (other.model_id, other.timeout_s) == ("gpt-realtime", 5.0)


@pytest.mark.parametrize(
    ("environ", "code"),
    [
        ({"OPENAI_API_TOKEN": TOKEN}, "ai_config_incomplete"),
        ({"OPENAI_MODEL_ENDPOINT": ENDPOINT}, "ai_config_incomplete"),
        ({"OPENAI_MODEL_ENDPOINT": "ftp://x/y"}, "ai_config_incomplete"),
        (
            {"OPENAI_MODEL_ENDPOINT": "ftp://x/y", "OPENAI_API_TOKEN": TOKEN},
            "ai_config_bad_endpoint",
        ),
        (
            {
                "OPENAI_MODEL_ENDPOINT": "http://api.openai.com/v1/realtime",
                "OPENAI_API_TOKEN": TOKEN,
            },
            "ai_config_insecure_endpoint",
        ),
        (
            {
                "OPENAI_MODEL_ENDPOINT": "https://u:p@api.openai.com/v1",
                "OPENAI_API_TOKEN": TOKEN,
            },
            "ai_config_bad_endpoint",
        ),
        (
            {"OPENAI_MODEL_ENDPOINT": ENDPOINT + "?model=x", "OPENAI_API_TOKEN": TOKEN},
            "ai_config_bad_endpoint",
        ),
        (
            {"OPENAI_MODEL_ENDPOINT": ENDPOINT, "OPENAI_API_TOKEN": "two words"},
            "ai_config_bad_token",
        ),
        (
            {
                "OPENAI_MODEL_ENDPOINT": ENDPOINT,
                "OPENAI_API_TOKEN": TOKEN,
                "OPENAI_MODEL_ID": "a b",
            },
            "ai_config_bad_model",
        ),
        (
            {
                "OPENAI_MODEL_ENDPOINT": ENDPOINT,
                "OPENAI_API_TOKEN": TOKEN,
                "OPENAI_TIMEOUT_S": "soon",
            },
            "ai_config_bad_timeout",
        ),
        (
            {
                "OPENAI_MODEL_ENDPOINT": ENDPOINT,
                "OPENAI_API_TOKEN": TOKEN,
                "OPENAI_TIMEOUT_S": "0",
            },
            "ai_config_bad_timeout",
        ),
    ],
)
def test_bad_or_half_configuration_is_refused(environ, code):
    problem = refusal(environ)
    assert problem.code == code
    assert problem.description


def test_config_is_frozen():
    config = AiConfig(endpoint=ENDPOINT, token=TOKEN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.token = "x"


def test_check_request_defaults_and_refusals():
    assert check_request(None, None) == (DEFAULT_INSTRUCTIONS, DEFAULT_VOICE)
    assert check_request("  Be brief. ", "coral") == ("Be brief.", "coral")
    assert DEFAULT_INSTRUCTIONS == (
        "You are a helpful and concise AI assistant for a video chat application."
    )
    assert VOICES == (
        "alloy",
        "ash",
        "ballad",
        "coral",
        "echo",
        "sage",
        "shimmer",
        "verse",
    )
    for instructions, voice, code in [
        ("x" * (MAX_INSTRUCTIONS + 1), "ash", "ai_instructions_too_long"),
        ("bell\x07", "ash", "ai_instructions_bad_characters"),
        ("lone \ud800", "ash", "ai_instructions_bad_characters"),
        ("hi", "robot", "ai_bad_voice"),
        ({"a": 1}, "ash", "ai_bad_request"),
        ("hi", ["ash"], "ai_bad_request"),
    ]:
        result = check_request(instructions, voice)
        assert isinstance(result, Problem), (instructions, voice)
        assert result.code == code


def test_the_app_refuses_to_start_on_a_bad_ai_configuration_and_logs_a_good_one():
    bad = import_app({"OPENAI_API_TOKEN": TOKEN})
    assert bad.returncode != 0
    assert "AiConfigError" in bad.stderr and "OPENAI_MODEL_ENDPOINT" in bad.stderr
    assert TOKEN not in bad.stderr + bad.stdout
    good = import_app({"OPENAI_API_TOKEN": TOKEN, "OPENAI_MODEL_ENDPOINT": ENDPOINT})
    assert good.returncode == 0, good.stderr
    out = good.stdout + good.stderr
    assert f"AI participant: {DEFAULT_MODEL_ID} at {ENDPOINT}" in out
    assert TOKEN not in out
