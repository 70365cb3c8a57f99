"""A land-plot plugin for the desk-field and specialist-search tests: a schema with
required fields, widgets, a public and a private field, indexed fields (a plot number
as a code, the owner's name as text) and a list of objects."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from motcua_sdk import ProcedureSpec, hookimpl, services
from motcua_sdk.fields import meta

CODE = "9.000313"


class NeighbourSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=80),
                         metadata=meta("Neighbour", index="text"))
    side = fields.String(required=True, validate=validate.OneOf(["north", "south"]),
                         metadata=meta("Side", options=[("north", "North"),
                                                        ("south", "South")]))


class PlotSchema(Schema):
    plot_number = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9]{1,4}/[0-9]{1,4}$", error="A plot number looks like 12/345."),
        metadata=meta("Plot number", description="sheet/plot, e.g. 12/345",
                      public=True, index="code"))
    owner_name = fields.String(required=True, validate=validate.Length(min=2, max=120),
                               metadata=meta("Land user", index="text"))
    area = fields.Float(required=True, validate=validate.Range(
        min=0.1, max=1_000_000, error="The area is from 0.1 to 1,000,000 m²."),
        metadata=meta("Area (m²)", public=True))
    land_use = fields.String(required=True, validate=validate.OneOf(["ONT", "LUC"]),
                             metadata=meta("Land use", widget="select",
                                           options=[("ONT", "Rural housing"),
                                                    ("LUC", "Rice land")]))
    surveyed_on = fields.Date(load_default=None, allow_none=True,
                              metadata=meta("Surveyed on"))
    remarks = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=500),
                            metadata=meta("Private remarks", widget="textarea"))
    neighbours = fields.List(fields.Nested(NeighbourSchema), load_default=list,
                             metadata=meta("Neighbours"))

    @validates_schema
    def _rice_land(self, data: dict, **_kwargs) -> None:
        # A rule over several fields: its error belongs to no single input.
        if data.get("land_use") == "LUC" and (data.get("area") or 0) < 500:
            raise ValidationError("Rice land is registered from 500 m².")


bp = Blueprint("plots", __name__, url_prefix="/plots")


@bp.post("/<code>/data")
@services.staff_required("specialist")
def save(code):  # noqa: ANN001, ANN201
    """The plugin's own screen saving the specialist data (through the SDK)."""
    body = request.get_json()
    view = services.update_specialist_data(code, body["data"], expected_version=None)
    return jsonify(version=view.version)


class PlotPlugin:
    MOTCUA_API = ">=0.1"

    @hookimpl
    def motcua_procedures(self):  # noqa: ANN201
        return [ProcedureSpec(
            code=CODE, name="Đăng ký biến động đất đai thử", field="Đất đai",
            level="district", processing_days=5, result_type="Giấy chứng nhận",
            schema=PlotSchema,
            workflow=[{"name": "Thẩm định", "role": "specialist", "days": 2,
                       "unit": "function:finance"},
                      {"name": "Ký", "role": "leader", "days": 1,
                       "unit": "function:finance"}])]

    @hookimpl
    def motcua_blueprints(self):  # noqa: ANN201
        return [bp]

    @hookimpl
    def motcua_public_fields(self, dossier):  # noqa: ANN001, ANN201
        return {"Tình trạng thửa": "Đang xử lý"}


GOOD = {"plot_number": "12/345", "owner_name": "Trần Thị Bình", "area": 120.5,
        "land_use": "ONT", "remarks": "Tranh chấp ranh giới với nhà bên"}
