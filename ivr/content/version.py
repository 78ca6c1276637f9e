"""Loading one version of everything operators edit (prompts/ and data/) into the bundle a call runs on."""

from __future__ import annotations

from pathlib import Path

from ivr.content.lines import load_lines
from ivr.content.prompts import load_script
from ivr.content.regions import load_regions
from ivr.content.yamlsource import SourceError
from ivr.core.hotline import Hotline


class HotlineError(Exception):
    """The prompts or data cannot be served; the message says where and what, without a traceback."""


def load_hotline(prompts: Path, data: Path) -> Hotline:
    """Load and cross-check prompts/ and data/; raise HotlineError with a plain message on any problem."""
    try:
        script = load_script(Path(prompts))
        regions = load_regions(Path(data) / "regions.yaml")
        lines = load_lines(Path(data) / "lines.yaml", set(regions.regions))
    except SourceError as exc:
        raise HotlineError(str(exc)) from None
    return Hotline(script, regions, lines)
