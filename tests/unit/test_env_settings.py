"""calls.settings: the shared rules of settings read from the environment."""

import pytest

from reflex_meet.calls import settings
from reflex_meet.core.problems import ProblemError


class _RefusedError(ProblemError):
    pass


def refused(call, *args, **kwargs):
    with pytest.raises(_RefusedError) as caught:
        call(*args, error=_RefusedError, **kwargs)
    return caught.value.problem


def pair(environ):
    return settings.both_or_neither(
        environ,
        "A_ID",
        "A_TOKEN",
        code="a_incomplete",
        both="use A",
        neither="use B",
        error=_RefusedError,
    )


def test_both_or_neither():
    assert pair({}) is None
    assert pair({"A_ID": "  ", "A_TOKEN": ""}) is None
    assert pair({"A_ID": " x ", "A_TOKEN": "y"}) == ("x", "y")


@pytest.mark.parametrize(
    ("environ", "have", "missing"),
    [({"A_ID": "x"}, "A_ID", "A_TOKEN"), ({"A_TOKEN": "y"}, "A_TOKEN", "A_ID")],
)
def test_only_one_of_a_pair_is_refused_naming_both(environ, have, missing):
    with pytest.raises(_RefusedError) as caught:
        pair(environ)
    assert caught.value.problem.code == "a_incomplete"
    assert caught.value.problem.description == (
        f"{have} is set but {missing} is not: set both to use A, or neither to use B."
    )


def test_parse_seconds():
    kw = {"name": "T_S", "code": "bad_t", "default": 7.0}
    assert settings.parse_seconds("", error=_RefusedError, **kw) == 7.0
    assert settings.parse_seconds("2.5", error=_RefusedError, **kw) == 2.5
    assert settings.parse_seconds("60", error=_RefusedError, whole=True, **kw) == 60
    problem = refused(settings.parse_seconds, "soon", **kw)
    assert (problem.code, problem.description) == (
        "bad_t",
        "T_S must be a number of seconds, got 'soon'.",
    )
    problem = refused(settings.parse_seconds, "1.5", whole=True, **kw)
    assert problem.description == "T_S must be whole seconds, got '1.5'."


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), 301, True, "5"])
def test_seconds_out_of_range(value):
    problem = refused(
        settings.check_seconds, value, name="T_S", code="bad_t", at_most=300
    )
    assert problem.code == "bad_t"
    assert "T_S must be a number of seconds above 0 and at most 300" in (
        problem.description
    )


@pytest.mark.parametrize("value", [59, 121, 60.5, False])
def test_whole_seconds_out_of_range(value):
    problem = refused(
        settings.check_seconds,
        value,
        name="TTL",
        code="bad_ttl",
        at_least=60,
        at_most=120,
    )
    assert "TTL must be whole seconds from 60 to 120" in problem.description


def test_seconds_in_range_pass():
    for value, at_least in ((0.5, None), (300, None), (60, 60), (120, 60)):
        settings.check_seconds(
            value,
            name="T",
            code="c",
            at_most=300 if at_least is None else 120,
            at_least=at_least,
            error=_RefusedError,
        )


def test_ids_and_tokens():
    assert (
        settings.check_id("a_B-9", name="X", code="c", error=_RefusedError) == "a_B-9"
    )
    assert (
        "X must be 1–64 letters"
        in refused(settings.check_id, "a/b", name="X", code="c").description
    )
    problem = refused(settings.check_token, "has secret space", name="T", code="c")
    assert "secret" not in problem.description


@pytest.mark.parametrize(
    ("url", "plain_http", "expected"),
    [
        ("https://api.example/v1/", "loopback", "https://api.example/v1"),
        ("http://127.0.0.1:7880/v1", "loopback", "http://127.0.0.1:7880/v1"),
        ("http://[::1]/v1", "loopback", "http://[::1]/v1"),
        ("http://localhost/v1", "loopback", "http://localhost/v1"),
        ("http://sfu.lan/v1", "any", "http://sfu.lan/v1"),
    ],
)
def test_good_urls(url, plain_http, expected):
    checked = settings.checked_url(
        url, name="U", code="bad_u", plain_http=plain_http, error=_RefusedError
    )
    assert checked == expected


@pytest.mark.parametrize(
    ("url", "code", "fragment"),
    [
        ("ftp://x/v1", "bad_u", "must start with https://"),
        ("https://", "bad_u", "must name a host"),
        ("https://x:99999/v1", "bad_u", "must name a host"),
        ("https://x/v1?a=1", "bad_u", "must not have a query"),
        ("https://x/v 1", "bad_u", "without spaces"),
        ("http://api.example/v1", "insecure_u", "would send the key unencrypted"),
        ("http://localhost.evil/v1", "insecure_u", "plain http://"),
    ],
)
def test_bad_urls(url, code, fragment):
    problem = refused(
        settings.checked_url,
        url,
        name="U",
        code="bad_u",
        insecure_code="insecure_u",
        secret="the key",
    )
    assert problem.code == code
    assert problem.description.startswith("U ")
    assert fragment in problem.description


def test_a_url_with_a_password_is_not_echoed():
    problem = refused(
        settings.checked_url, "https://me:hunter2@x/v1", name="U", code="bad_u"
    )
    assert "hunter2" not in problem.description
