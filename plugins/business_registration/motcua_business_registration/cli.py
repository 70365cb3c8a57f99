"""``motcua business_registration export``: the register as CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys

import click
from sqlalchemy import select

from motcua_business_registration.models import STATUSES, Household
from motcua_sdk import services

COLUMNS = ("registration_number", "business_name", "address", "area_code", "status",
           "registered_on", "vsic", "capital", "workers", "owner_name", "change_count")


def rows(session, *, area: str | None = None, status: str | None = None) -> list[dict]:  # noqa: ANN001
    """Register rows in number order (the owner's citizen ID is left out on purpose)."""
    query = select(Household).order_by(Household.registration_number)
    if area:
        query = query.where((Household.area_code == area)
                            | Household.area_code.like(f"{area}.%"))
    if status:
        query = query.where(Household.status == status)
    return [{
        "registration_number": h.registration_number, "business_name": h.business_name,
        "address": h.address, "area_code": h.area_code, "status": h.status,
        "registered_on": h.registered_on.isoformat(),
        "vsic": " ".join(line["vsic"] for line in h.business_lines),
        "capital": h.capital, "workers": h.workers, "owner_name": h.owner_name,
        "change_count": h.change_count,
    } for h in session.scalars(query)]


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--area", help="Only this district (agency code, e.g. H99.01) or province.")
@click.option("--status", type=click.Choice(STATUSES), help="Only households in this status.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
def export(fmt: str, area: str | None, status: str | None, output: str | None) -> None:
    """Export the household business register (CSV or JSON)."""
    found = rows(services.session(), area=area, status=status)
    stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
    try:
        if fmt == "json":
            json.dump(found, stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        else:
            writer = csv.DictWriter(stream, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(found)
    finally:
        if output:
            stream.close()
    if output:
        click.echo(f"{len(found)} household businesses written to {output}.", err=True)
