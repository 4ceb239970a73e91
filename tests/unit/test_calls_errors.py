import pytest

from reflex_meet.calls.errors import (
    CallsConfigError,
    CallsError,
    CallsHTTPError,
    CallsInvalidRequestError,
    CallsTrackError,
    is_retryable,
)
from reflex_meet.core.calls_wire import AnsweredTrack, TracksAnswer
from reflex_meet.core.problems import Problem, ProblemError


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (425, "session_error"),
        (429, None),
        (408, None),
        (500, "internal_error"),
        (500, "backend_error"),
        (502, None),
        (503, None),
        (504, None),
        (400, "retryable_transient_error"),
        (200, "temporarily_unavailable_error"),
        (None, "transport_unavailable_error"),
    ],
)
def test_retryable(status, code):
    assert is_retryable(status, code)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "invalid_params"),
        (400, "backend_error"),
        (401, "unauthorized"),
        (404, "not_found"),
        (406, None),
        (410, "session_error"),
        (413, "payload_too_large"),
        (501, None),
        (None, None),
    ],
)
def test_not_retryable(status, code):
    assert not is_retryable(status, code)


def test_http_error_uses_the_api_code_and_description():
    error = CallsHTTPError.from_answer(
        404, {"errorCode": "not_found", "errorDescription": "Session not found"}
    )
    assert error.problem == Problem("not_found", "Session not found")
    assert error.status == 404
    assert not error.retryable
    assert error.payload == {
        "errorCode": "not_found",
        "errorDescription": "Session not found",
    }
    assert isinstance(error, CallsError)
    assert isinstance(error, ProblemError)
    assert str(error) == "not_found: Session not found"


def test_http_error_without_a_body_falls_back_to_the_status():
    error = CallsHTTPError.from_answer(503, None, retry_after=2.0)
    assert error.problem.code == "http_503"
    assert "503" in error.problem.description
    assert error.retryable
    assert error.retry_after == 2.0
    assert "http_503" in repr(error)


def test_http_error_ignores_non_string_codes():
    error = CallsHTTPError.from_answer(400, {"errorCode": 7, "errorDescription": []})
    assert error.problem.code == "http_400"


def test_track_error_lists_failed_tracks_and_keeps_the_response():
    response = TracksAnswer(
        tracks=(
            AnsweredTrack(location="local", mid="0", track_name="mic"),
            AnsweredTrack(
                location="local",
                mid="1",
                track_name="cam",
                error_code="repeated_local_track_error",
                error_description="Track name already in use",
            ),
        )
    )
    error = CallsTrackError(response)
    assert error.failed == (response.tracks[1],)
    assert error.response is response
    assert error.status == 200
    assert not error.retryable
    assert error.problem.code == "repeated_local_track_error"
    assert error.problem.description == (
        "1 of 2 tracks failed: cam: repeated_local_track_error "
        "(Track name already in use)."
    )


def test_track_error_with_mixed_codes():
    response = TracksAnswer(
        tracks=(
            AnsweredTrack(mid="0", error_code="retryable_transient_error"),
            AnsweredTrack(mid="1", error_code="not_found_track_error"),
        )
    )
    error = CallsTrackError(response)
    assert error.problem.code == "track_error"
    assert "mid 0: retryable_transient_error" in error.problem.description
    assert not error.retryable


def test_track_error_retryable_when_all_failures_are():
    response = TracksAnswer(
        tracks=(AnsweredTrack(mid="0", error_code="retryable_transient_error"),)
    )
    assert CallsTrackError(response).retryable


def test_invalid_request_and_config_errors_are_value_errors():
    error = CallsInvalidRequestError.because("bad id")
    assert isinstance(error, ValueError)
    assert error.problem == Problem("invalid_params", "bad id")
    assert error.status is None
    config_error = CallsConfigError(Problem("calls_config_bad_url", "bad"))
    assert isinstance(config_error, ValueError)
    assert isinstance(config_error, ProblemError)
