"""`ivr serve`'s start banner names the pages a person opens: the start page, the simulator and the dashboard."""

from ivr.cli import pages
from ivr.config import from_environment


def settings(**changed) -> dict:
    return {**from_environment(), "IVR_ENV": "development", **changed}


def test_the_banner_names_the_simulator_and_the_dashboard_when_they_are_on():
    said = pages(settings(IVR_SIMULATOR="1", IVR_OPERATOR_PASSWORD="secret"), "http://127.0.0.1:5000")
    assert said == [
        "Start page on http://127.0.0.1:5000/",
        "Simulator on http://127.0.0.1:5000/simulator (try the menus in a browser)",
        "Operator dashboard on http://127.0.0.1:5000/operator (IVR_OPERATOR_PASSWORD)",
    ]


def test_the_banner_leaves_out_what_is_switched_off():
    said = " ".join(pages(settings(IVR_SIMULATOR="0", IVR_OPERATOR_PASSWORD=""), "http://h:1"))
    assert "/simulator" not in said and "/operator" not in said
