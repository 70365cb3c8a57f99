"""The test data's land plugin, standing for the land plugin until it exists: one land
transfer procedure received at the city's desk."""

from __future__ import annotations

from marshmallow import Schema, fields

from motcua_sdk import DocumentSpec, ProcedureSpec, hookimpl

# Stands for the land plugin's "registration of a transfer of land use rights".
LAND_TRANSFER = "1.999801"


class TransferSchema(Schema):
    parcel_number = fields.String(load_default=None)


class LandPlugin:
    """The test data's land plugin: one procedure, received at the city's desk."""

    MOTCUA_API = ">=0.1,<0.2"

    @hookimpl
    def motcua_procedures(self):
        return [ProcedureSpec(
            code=LAND_TRANSFER, name="Đăng ký biến động: chuyển nhượng quyền sử dụng đất",
            field="Đất đai", level="district", processing_days=10, fee=0,
            result_type="Giấy chứng nhận quyền sử dụng đất (cập nhật biến động)",
            documents=[DocumentSpec("Hợp đồng chuyển nhượng quyền sử dụng đất")],
            schema=TransferSchema,
            workflow=[{"name": "Thẩm định, chuyển thông tin thuế", "role": "specialist",
                       "days": 8, "unit": "function:finance"},
                      {"name": "Ký", "role": "leader", "days": 2, "unit": "function:finance"}],
        )]
