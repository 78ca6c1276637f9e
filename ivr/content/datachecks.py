"""Checks of data/regions.yaml and data/lines.yaml that point at the line of the problem."""

from __future__ import annotations

import re
from pathlib import Path

from ivr.content.yamlsource import Located, Mark, SourceError, read
from ivr.core.lines import LineDataError, load_lines
from ivr.core.regions import NATIONAL, RegionBook, RegionDataError, normalise_area_code


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _path_of(where: str) -> tuple:
    """regions.beijing.rule.tiers[1] as the path ("regions", "beijing", "rule", "tiers", 1)."""
    if where == "top level":
        return ()
    parts: list = []
    for piece in where.split("."):
        name, *indexes = re.split(r"\[(\d+)\]", piece)
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes if i)
    return tuple(parts)


def check_regions(path: Path) -> tuple[list[SourceError], set[str] | None]:
    """Problems in regions.yaml, and the region keys it defines (None when it cannot be read)."""
    try:
        source = read(path, display=_display(path))
    except SourceError as error:
        return [error], None
    regions = source.data.get("regions") if isinstance(source.data, dict) else None
    if not isinstance(regions, dict):
        return _region_book(path, source, []), None
    problems: list[SourceError] = []
    claimed: dict[str, str] = {}
    for key, region in regions.items():
        if not isinstance(region, dict):
            continue
        here = ("regions", key)
        for index, code in enumerate(region.get("area_codes") or []):
            at = here + ("area_codes", index)
            conversion = source.conversions.get(at)
            if conversion is not None:
                problems.append(SourceError(conversion.mark, "converted_value", where=_dotted(at), text=conversion.text,
                                            value=conversion.value))
                continue
            normal = normalise_area_code(str(code))
            if normal in claimed:
                problems.append(SourceError(source.mark(at), "area_code_twice", where=_dotted(here + ("area_codes",)),
                                            code=normal, other=claimed[normal]))
            elif normal:
                claimed[normal] = str(key)
        rule = region.get("rule")
        if not isinstance(rule, dict):
            continue
        if rule.get("form") == "pension_share" and "average_pension" not in rule:
            problems.append(SourceError(source.mark(here + ("rule",)), "pension_needs_average", where=_dotted(here + ("rule",))))
        problems += _tiers(source, here + ("rule", "tiers"), rule.get("tiers"))
    if problems:
        return problems, {str(k) for k in regions if k != NATIONAL}
    return _region_book(path, source, problems), {str(k) for k in regions if k != NATIONAL}


def _tiers(source: Located, at: tuple, tiers) -> list[SourceError]:
    if not isinstance(tiers, list):
        return []
    problems = []
    previous_end: int | None = -1
    for index, tier in enumerate(tiers):
        if not isinstance(tier, dict) or not isinstance(tier.get("from_age"), int):
            return problems
        start = tier["from_age"]
        if index and (previous_end is None or start <= previous_end):
            problems.append(SourceError(source.mark(at + (index,)), "tiers_overlap", where=_dotted(at + (index,)), age=start))
        end = tier.get("to_age")
        previous_end = end if isinstance(end, int) or end is None else previous_end
    return problems


def _region_book(path: Path, source: Located, problems: list) -> list[SourceError]:
    """The loader's own checks, for everything the ones above do not cover."""
    try:
        RegionBook.load(path)
    except RegionDataError as error:
        where = getattr(error, "where", "top level")
        detail = getattr(error, "detail", str(error))
        return problems + [SourceError(source.mark(_path_of(where)), "region_data", detail=f"{where}: {detail}")]
    return problems


def check_lines(path: Path, region_keys: set[str] | None) -> list[SourceError]:
    """Problems in lines.yaml; region names are checked only when regions.yaml could be read."""
    try:
        source = read(path, display=_display(path))
    except SourceError as error:
        return [error]
    data = source.data if isinstance(source.data, dict) else {}
    lines = data.get("lines") if isinstance(data.get("lines"), dict) else {}
    problems: list[SourceError] = []
    owners: dict[str, str] = {}
    for key, line in lines.items():
        if not isinstance(line, dict):
            continue
        here = ("lines", key)
        for index, number in enumerate(line.get("numbers") or []):
            at = here + ("numbers", index)
            conversion = source.conversions.get(at)
            if conversion is not None:
                problems.append(SourceError(conversion.mark, "converted_value", where=_dotted(at), text=conversion.text,
                                            value=conversion.value))
            elif str(number) in owners:
                problems.append(SourceError(source.mark(at), "number_twice", where=_dotted(here + ("numbers",)),
                                            number=number, other=owners[str(number)]))
            else:
                owners[str(number)] = str(key)
        region = line.get("region")
        if region_keys is not None and region is not None and str(region) not in region_keys:
            problems.append(SourceError(source.mark(here + ("region",)), "line_region_unknown", where=_dotted(here + ("region",)),
                                        region=region))
    if "default" in data and str(data["default"]) not in {str(k) for k in lines}:
        problems.append(SourceError(source.mark(("default",)), "line_default_unknown", default=data["default"]))
    if problems:
        return problems
    try:
        load_lines(path, region_keys)
    except LineDataError as error:
        detail = str(error).removeprefix(f"{path}: ")
        where = detail.split(":", 1)[0]
        return [SourceError(source.mark(_path_of(where)) or Mark(_display(path), 1, 1), "lines_data", detail=detail)]
    return []


def _dotted(path: tuple) -> str:
    return ".".join(map(str, path))
