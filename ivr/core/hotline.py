"""One consistent version of everything operators edit: the script, the region rules and the lines."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.core.lines import LineBook
from ivr.core.regions import RegionBook
from ivr.core.script import Script


@dataclass(frozen=True)
class Hotline:
    script: Script
    regions: RegionBook
    lines: LineBook
    # The content hash of the files it was loaded from (ivr.content.versions); calls stay on the version they started on.
    version: str = ""
