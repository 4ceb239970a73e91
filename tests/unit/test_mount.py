"""add_pages / install: pages under a prefix, routes beside the host's, theme."""

import pytest
import reflex as rx
from reflex_base.registry import RegistrationContext
from starlette.applications import Starlette

import reflex_meet
from reflex_meet.app import mount
from reflex_meet.app.api import api
from reflex_meet.core import paths
from reflex_meet.core.theme import ThemeError, theme_rule
from reflex_meet.state import registered_app

KNOWN = {"--meet-accent", "--meet-tile-radius", "--meet-font"}


@pytest.fixture(autouse=True)
def _restore_globals():
    # Reflex allows one App per registration context: each test gets a fork.
    token = RegistrationContext.set(RegistrationContext.get().fork())
    yield
    RegistrationContext.reset(token)
    paths.mount_at("")
    registered_app._app = None


def test_page_paths_under_a_prefix_and_at_the_root():
    meet = paths.KitPaths("/meet")
    assert (meet.home, meet.lobby("ab-cd"), meet.meeting("ab-cd"), meet.feedback) == (
        "/meet",
        "/meet/ab-cd",
        "/meet/ab-cd/room",
        "/meet/feedback",
    )
    assert (
        meet.route("") == "/meet" and meet.route("[room]/room") == "/meet/[room]/room"
    )
    assert meet.home_returning_to("/meet/x y") == "/meet?next=/meet/x%20y"
    assert meet.room_suffix("/meet/Ab/room", "Ab") == "/room"
    assert meet.room_suffix("/elsewhere", "Ab") == ""
    root = paths.KitPaths("")
    assert (root.home, root.lobby("r"), root.meeting("r"), root.feedback) == (
        "/",
        "/r",
        "/r/room",
        "/feedback",
    )


@pytest.mark.parametrize(
    "good, canonical",
    [("", ""), ("/", ""), ("/meet/", "/meet"), ("/team/rooms", "/team/rooms")],
)
def test_prefixes_are_normalised(good, canonical):
    assert paths.normalise_prefix(good) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "meet",
        "/Meet",
        "/a b",
        "//x",
        "/_meet",
        "/_event/x",
        "/ping",
        "/x?y",
        "/-x",
        None,
        3,
    ],
)
def test_bad_prefixes_are_refused_with_a_message(bad):
    with pytest.raises(ValueError, match="prefix"):
        paths.normalise_prefix(bad)


def test_theme_overrides_become_one_rule_that_outranks_the_theme():
    rule = theme_rule({"accent": "#0b7285", "--meet-tile-radius": " 4px "}, KNOWN)
    assert rule == ":root:root:root{--meet-accent:#0b7285;--meet-tile-radius:4px}"
    assert theme_rule(None, KNOWN) == "" and theme_rule({}, KNOWN) == ""
    font = theme_rule({"font": '"Inter", system-ui, sans-serif'}, KNOWN)
    assert '--meet-font:"Inter", system-ui, sans-serif' in font


@pytest.mark.parametrize(
    "name", ["colour", "--meet-nope", "--other-accent", "", 7, "Accent"]
)
def test_unknown_theme_variables_are_refused(name):
    with pytest.raises(ThemeError, match="unknown theme variable"):
        theme_rule({name: "red"}, KNOWN)


@pytest.mark.parametrize(
    "value",
    [
        "red;}body{display:none",
        "</style><script>",
        "a\\62",
        "",
        "  ",
        "x" * 201,
        "red /* */",
        5,
        None,
        "a\nb",
    ],
)
def test_theme_values_that_could_break_out_are_refused(value):
    with pytest.raises(ThemeError, match="--meet-accent"):
        theme_rule({"accent": value}, KNOWN)


def test_add_pages_mounts_every_page_and_keeps_the_host_routes():
    host = Starlette()
    app = rx.App(api_transformer=host)
    text = reflex_meet.add_pages(app, prefix="/meet", labels={"app_title": "Team"})
    assert text["app_title"] == "Team"
    assert {"meet", "meet/[room]", "meet/[room]/room", "meet/feedback"} <= set(
        app._unevaluated_pages
    )
    page = app._unevaluated_pages["meet/[room]/room"]
    assert page.on_load == reflex_meet.MEETING_ON_LOAD and page.title == "Team"
    # The host's transformer first, the kit's around it (it only answers
    # under /_meet); a second call adds nothing.
    assert app.api_transformer == [host, api]
    reflex_meet.install(app)
    assert app.api_transformer == [host, api]
    assert registered_app.registered_app() is app
    assert paths.current().meeting("r") == "/meet/r/room"
    assert reflex_meet.THEME_STYLESHEET in app.stylesheets


def test_install_alone_sets_the_paths_theme_and_routes():
    app = rx.App()
    reflex_meet.install(app, prefix="/rooms", theme={"accent": "#123456"})
    assert app.api_transformer is api
    assert paths.current().lobby("r") == "/rooms/r"
    rendered = [str(c.render()) for c in app.head_components]
    # The theme rule, and the script choosing the page's language.
    assert sum("--meet-accent:#123456" in r for r in rendered) == 1
    assert len(rendered) == 2
    assert not app._unevaluated_pages


def test_bad_arguments_change_nothing():
    app = rx.App()
    with pytest.raises(KeyError, match="Unknown label keys: nope"):
        reflex_meet.add_pages(app, labels={"nope": "x"})
    with pytest.raises(ThemeError):
        reflex_meet.add_pages(app, theme={"accent": "red;}"})
    with pytest.raises(ValueError, match="prefix"):
        reflex_meet.add_pages(app, prefix="meet")
    assert app.api_transformer is None and not app._unevaluated_pages
    assert paths.current().home == "/"


def test_the_package_exports_what_the_readme_names():
    for name in reflex_meet.__all__:
        assert getattr(reflex_meet, name) is not None
    with pytest.raises(AttributeError):
        reflex_meet.nothing_here  # noqa: B018
    assert mount.start_up is not None
