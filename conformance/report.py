"""Writing a run's report: ``report.json`` for machines and ``report.html`` for people."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from motcua.conformance.runner import Report

TEMPLATES = Path(__file__).parent / "templates"


def write_report(report: Report, folder: Path) -> tuple[Path, Path]:
    """Write both files into ``folder`` (created); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    data = report.as_json()
    json_path = folder / "report.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                         encoding="utf-8")
    environment = Environment(loader=FileSystemLoader(TEMPLATES),
                              autoescape=select_autoescape(["html"]))
    html_path = folder / "report.html"
    html_path.write_text(environment.get_template("report.html").render(report=data),
                         encoding="utf-8")
    return json_path, html_path
