"""One consistent version of everything operators edit: the script, the region rules and the lines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .lines import LineBook, LineDataError, load_lines
from .regions import RegionBook, RegionDataError
from .script import Script, load_script
from .yamlsource import SourceError


class HotlineError(Exception):
    """The prompts or data cannot be served; the message says where and what, without a traceback."""


@dataclass(frozen=True)
class Hotline:
    script: Script
    regions: RegionBook
    lines: LineBook
    # The content hash of the files it was loaded from (ivr.reload); calls stay on the version they started on.
    version: str = ""


def load_hotline(prompts: Path, data: Path) -> Hotline:
    """Load and cross-check prompts/ and data/; raise HotlineError with a plain message on any problem."""
    try:
        script = load_script(Path(prompts))
        regions = RegionBook.load(Path(data) / "regions.yaml")
        lines = load_lines(Path(data) / "lines.yaml", set(regions.regions))
    except (SourceError, RegionDataError, LineDataError) as exc:
        raise HotlineError(str(exc)) from None
    return Hotline(script, regions, lines)
