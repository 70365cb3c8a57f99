"""The specialist data of a construction permit for a detached house (nhà ở riêng lẻ).

Each field carries its desk title (translated through the plugin's catalogue), its
widget, whether the citizen lookup may show it and whether the search indexes it.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from motcua_construction_permit.text import _l
from motcua_sdk.fields import meta


def _positive_number(title: object, **extra) -> fields.Float:  # noqa: ANN003
    return fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False),
                        metadata=meta(title, widget="number", **extra))


class PermitRequestSchema(Schema):
    """What the desk takes in: the parcel, the building and who designed it."""

    class Meta:
        unknown = RAISE

    ward = fields.String(required=True, validate=validate.Length(min=1, max=120),
                         metadata=meta(_l("Ward"), public=True))
    map_sheet = fields.Integer(required=True, validate=validate.Range(min=1),
                               metadata=meta(_l("Map sheet number"), widget="number"))
    parcel_number = fields.Integer(required=True, validate=validate.Range(min=1),
                                   metadata=meta(_l("Parcel number"), widget="number",
                                                 index="code"))
    land_certificate_serial = fields.String(
        required=True, validate=validate.Regexp(r"^[A-Z]{2} ?\d{6}$",
                                                error=_l("A serial like CS 123456.")),
        metadata=meta(_l("Land certificate serial"), index="code"))
    address = fields.String(required=True, validate=validate.Length(min=1, max=200),
                            metadata=meta(_l("Building address"), index="text"))
    footprint_m2 = _positive_number(_l("Building footprint (m²)"))
    floor_area_m2 = _positive_number(_l("Total floor area (m²)"), public=True)
    floors = fields.Integer(required=True, validate=validate.Range(min=1, max=50),
                            metadata=meta(_l("Floors"), widget="number", public=True))
    design_unit = fields.String(load_default="", validate=validate.Length(max=200),
                                metadata=meta(_l("Design unit"),
                                              description=_l("Name and practising certificate")))
