"""docker-compose.yml, the Dockerfile and .env.example, checked without a Docker engine."""

from __future__ import annotations

import ast
import copy
import importlib
import json
import re
from pathlib import Path

import click
import jsonschema
import pytest
import yaml
from gunicorn.config import Config as GunicornConfig

from ivr.cli import main as ivr_cli
from ivr.config import SETTINGS

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "compose_spec" / "compose-spec.json").read_text())
SETTING_NAMES = {setting.name for setting in SETTINGS}
# Names read by a program in the image rather than by the app: gunicorn's worker count.
SERVER_NAMES = {"WEB_CONCURRENCY"}
# Names each third-party image reads, by image.
IMAGE_PREFIXES = {"postgres": "POSTGRES_", "ngrok/ngrok": "NGROK_"}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def schema_errors(document: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def app_services(document: dict) -> dict:
    """The services built from this repository's Dockerfile."""
    return {name: service for name, service in document["services"].items() if "build" in service}


def env_example_names() -> tuple[set[str], set[str]]:
    """Names given a value in .env.example, and names only described there (commented out)."""
    active, described = set(), set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=", line):
            active.add(match[1])
        elif match := re.match(r"^#\s*([A-Z][A-Z0-9_]*)=", line):
            described.add(match[1])
    return active, described


def check_ivr_command(args: list[str]) -> None:
    """Resolve `ivr ...` to a click command and parse its options as click would, or fail."""
    command, rest, names = ivr_cli, list(args), ["ivr"]
    while isinstance(command, click.Group):
        assert rest, f"`{' '.join(names)}` needs a subcommand"
        name, rest = rest[0], rest[1:]
        ctx = click.Context(command, info_name=names[-1])
        sub = command.get_command(ctx, name)
        assert sub is not None, f"`{' '.join(names)}` has no subcommand {name!r}"
        command, names = sub, names + [name]
    try:
        command.make_context(" ".join(names), rest)
    except click.UsageError as exc:
        pytest.fail(f"`{' '.join(names + rest)}`: {exc.format_message()}")


def check_gunicorn_command(args: list[str]) -> None:
    """Parse the arguments with gunicorn's own parser; the config file and the app factory must exist."""
    try:
        parsed = GunicornConfig().parser().parse_args(args)
    except SystemExit:
        pytest.fail(f"gunicorn refuses the arguments {args}")
    assert parsed.config, "gunicorn runs without its config file"
    assert (ROOT / parsed.config).is_file(), f"{parsed.config} does not exist"
    assert len(parsed.args) == 1, f"gunicorn needs exactly one app, got {parsed.args}"
    module_name, _, expression = parsed.args[0].partition(":")
    call = ast.parse(expression, mode="eval").body
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and not call.args, \
        f"{parsed.args[0]} is not module:factory()"
    factory = getattr(importlib.import_module(module_name), call.func.id, None)
    assert callable(factory), f"{module_name} has no {call.func.id}"


def check_command(command) -> None:
    args = command if isinstance(command, list) else command.split()
    if args[0] == "ivr":
        check_ivr_command(args[1:])
    elif args[0] == "gunicorn":
        check_gunicorn_command(args[1:])
    else:
        pytest.fail(f"the app image runs neither ivr nor gunicorn: {args}")


def test_compose_file_follows_the_compose_specification():
    assert schema_errors(compose()) == []


def test_schema_check_catches_mistakes():
    document = compose()
    misspelt = copy.deepcopy(document)
    misspelt["services"]["app"]["comand"] = misspelt["services"]["app"].pop("command")
    unknown_condition = copy.deepcopy(document)
    unknown_condition["services"]["app"]["depends_on"]["postgres"]["condition"] = "when_ready"
    assert any("'comand'" in error for error in schema_errors(misspelt))
    assert any("when_ready" in error for error in schema_errors(unknown_condition))


def test_the_app_runs_as_replicas_under_gunicorn_behind_the_proxy():
    services = compose()["services"]
    app = services["app"]
    assert app["command"][0] == "gunicorn"
    assert app["deploy"]["replicas"] >= 2
    assert "app" in services["proxy"]["depends_on"]
    assert {"postgres", "redis"} <= set(app["depends_on"])
    assert services["ngrok"]["profiles"] == ["ngrok"]
    assert "proxy:80" in services["ngrok"]["command"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    port = re.search(r'^bind = "0\.0\.0\.0:(\d+)"$', (ROOT / "deploy" / "gunicorn.conf.py").read_text(), re.M)[1]
    assert f"server app:{port}" in nginx
    assert app["expose"] == [port]


@pytest.mark.parametrize("service", ["setup", "app"])
def test_app_commands_exist_in_the_app(service):
    check_command(app_services(compose())[service]["command"])


def test_command_check_catches_mistakes():
    with pytest.raises(AssertionError, match="no subcommand"):
        check_ivr_command(["load-dmeo"])
    with pytest.raises(pytest.fail.Exception, match="--replase"):
        check_ivr_command(["load-demo", "--replase"])
    with pytest.raises(AssertionError, match="has no create_ap"):
        check_gunicorn_command(["-c", "deploy/gunicorn.conf.py", "ivr:create_ap()"])
    with pytest.raises(AssertionError, match="does not exist"):
        check_gunicorn_command(["-c", "deploy/gunicorn.py", "ivr:create_app()"])


def test_every_environment_name_is_read_by_the_app_or_its_image():
    for name, service in compose()["services"].items():
        names = set(service.get("environment", {}))
        if "build" in service:
            unknown = names - SETTING_NAMES - SERVER_NAMES
        else:
            image = service["image"].split(":")[0]
            prefix = IMAGE_PREFIXES.get(image)
            unknown = {n for n in names if prefix is None or not n.startswith(prefix)}
        assert not unknown, f"service {name} sets names nothing reads: {sorted(unknown)}"


def test_env_example_documents_every_setting_and_every_compose_variable():
    active, described = env_example_names()
    text = (ROOT / "docker-compose.yml").read_text()
    # $${NAME} is a literal for the container's shell, not a compose variable.
    variables = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert variables <= active, f"not in .env.example: {sorted(variables - active)}"
    assert SETTING_NAMES <= active | described, f"settings not in .env.example: {sorted(SETTING_NAMES - active - described)}"
    assert active <= variables, f".env.example sets names compose never passes on: {sorted(active - variables)}"


def test_dockerfile_copies_what_exists_and_runs_what_compose_runs():
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    for line in lines:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which does not exist"
        if line.startswith("CMD "):
            assert json.loads(line[4:]) == compose()["services"]["app"]["command"]
    env_names = set(re.findall(r"\b(IVR_[A-Z_]+)=", "\n".join(lines)))
    assert env_names and env_names <= SETTING_NAMES


def test_mounted_files_exist():
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"service {name} mounts {source}, which does not exist"


def dockerfile_env() -> dict[str, str]:
    """The IVR_ settings the Dockerfile's ENV lines give the image."""
    text = (ROOT / "Dockerfile").read_text()
    return dict(re.findall(r"\b(IVR_[A-Z_]+)=(\S+)", text))


def test_publish_service_publishes_the_edited_files_over_the_image_copies():
    """Edits reach callers without a rebuild: the publish service reads this folder's prompts/ and data/ where the
    image looks for them, and runs `ivr publish` with the arguments an operator adds after `docker compose run`."""
    publish = compose()["services"]["publish"]
    assert publish["profiles"] == ["publish"], "a plain `docker compose up` must not publish"
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in publish["volumes"]}
    image = dockerfile_env()
    assert mounts[image["IVR_PROMPTS"]] == "./prompts"
    assert mounts[image["IVR_DATA"]] == "./data"
    check_ivr_command(publish["entrypoint"][1:] + publish["command"])
    check_ivr_command(publish["entrypoint"][1:] + ["-m", "改了返钱的说法", "--author", "operator"])
    assert publish["depends_on"]["setup"]["condition"] == "service_completed_successfully"
    # The replicas serve what is published in the database, not files of their own.
    assert "volumes" not in compose()["services"]["app"]
