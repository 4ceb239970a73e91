"""The theme's CSS variables: all defined in one stylesheet, all documented."""

import re
from pathlib import Path

from reflex_meet.components.layout import THEME_STYLESHEET

ROOT = Path(__file__).resolve().parents[2]
THEME = ROOT / "assets" / THEME_STYLESHEET
USED = re.compile(r"var\((--meet-[a-z0-9-]+)")
DEFINED = re.compile(r"^\s*(--meet-[a-z0-9-]+)\s*:", re.MULTILINE)


def _sources() -> list[Path]:
    files = [THEME, *sorted((ROOT / "assets" / "meet").glob("*.js*"))]
    files += sorted((ROOT / "components").glob("*.py"))
    files += sorted((ROOT / "app").glob("*.py"))
    return files


def test_every_variable_used_is_defined_in_the_theme_stylesheet():
    defined = set(DEFINED.findall(THEME.read_text()))
    for path in _sources():
        missing = set(USED.findall(path.read_text())) - defined
        assert not missing, f"{path.name} uses undefined {sorted(missing)}"


def test_every_defined_variable_is_in_the_readme_table():
    defined = set(DEFINED.findall(THEME.read_text()))
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| Variable | Default | Used for |") :]
    table = table[: table.index("\n\n")]
    documented = set(re.findall(r"`(--meet-[a-z0-9-]+)`", table))
    assert defined - documented == set(), sorted(defined - documented)
    assert documented - defined == set(), sorted(documented - defined)


def test_no_hard_coded_colours_in_the_room_components():
    # Colours of the room's own pieces come from the theme, not inline hex.
    for name in ("participant_tile.py", "participants_panel.py", "room.py"):
        text = (ROOT / "components" / name).read_text()
        assert not re.search(r"#[0-9a-fA-F]{3,6}\b", text), name
    for name in ("chat.jsx", "bug_report.jsx", "stage.jsx"):
        text = (ROOT / "assets" / "meet" / name).read_text()
        assert not re.search(r"[\"']#[0-9a-fA-F]{3,6}[\"']", text), name


def test_the_theme_covers_colours_radii_fonts_and_tile_shape():
    theme = THEME.read_text()
    defined = set(DEFINED.findall(theme))
    assert "--meet-font" in defined
    assert {"--meet-radius", "--meet-radius-small", "--meet-tile-radius"} <= defined
    assert {"--meet-tile-aspect", "--meet-tile-gap"} <= defined
    colours = {name for name in defined if re.search(r"-(bg|fg|accent|danger)", name)}
    assert len(colours) >= 15, sorted(colours)
    # Tile shape: the tile's corners and the grid's aspect ratio and gap come
    # from the variables (the grid reads them in the browser).
    tile_rule = theme[theme.index(".meet-tile {") :]
    tile_rule = tile_rule[: tile_rule.index("}")]
    assert "var(--meet-tile-radius)" in tile_rule
    stage = (ROOT / "assets" / "meet" / "stage.jsx").read_text()
    assert 'getPropertyValue("--meet-tile-aspect")' in stage
    assert 'getPropertyValue("--meet-tile-gap")' in stage
