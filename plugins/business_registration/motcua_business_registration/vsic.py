"""A small vendored extract of the Vietnamese Standard Industrial Classification
(VSIC 2018, Decision 27/2018/QĐ-TTg, level 4 codes) covering the lines household
businesses register most often. A deployment needing another code adds it here; the
schema refuses codes outside this list so typing mistakes are caught at review."""

from __future__ import annotations

VSIC_2018: dict[str, str] = {
    "0118": "Trồng rau, đậu các loại và trồng hoa",
    "1071": "Sản xuất các loại bánh từ bột",
    "1410": "May trang phục (trừ trang phục từ da lông thú)",
    "1811": "In ấn",
    "3100": "Sản xuất giường, tủ, bàn, ghế",
    "4330": "Hoàn thiện công trình xây dựng",
    "4520": "Bảo dưỡng, sửa chữa ô tô và xe có động cơ khác",
    "4542": "Bảo dưỡng và sửa chữa mô tô, xe máy",
    "4631": "Bán buôn gạo, lúa mỳ, hạt ngũ cốc khác, bột mỳ",
    "4711": "Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào chiếm tỷ trọng "
            "lớn trong các cửa hàng kinh doanh tổng hợp",
    "4719": "Bán lẻ khác trong các cửa hàng kinh doanh tổng hợp",
    "4721": "Bán lẻ lương thực trong các cửa hàng chuyên doanh",
    "4722": "Bán lẻ thực phẩm trong các cửa hàng chuyên doanh",
    "4723": "Bán lẻ đồ uống trong các cửa hàng chuyên doanh",
    "4741": "Bán lẻ máy vi tính, thiết bị ngoại vi, phần mềm và thiết bị viễn thông trong "
            "các cửa hàng chuyên doanh",
    "4752": "Bán lẻ đồ ngũ kim, sơn, kính và thiết bị lắp đặt khác trong xây dựng trong "
            "các cửa hàng chuyên doanh",
    "4771": "Bán lẻ hàng may mặc, giày dép, hàng da và giả da trong các cửa hàng chuyên doanh",
    "4772": "Bán lẻ thuốc, dụng cụ y tế, mỹ phẩm và vật phẩm vệ sinh trong các cửa hàng "
            "chuyên doanh",
    "4781": "Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào lưu động hoặc tại chợ",
    "4791": "Bán lẻ theo yêu cầu đặt hàng qua bưu điện hoặc internet",
    "4933": "Vận tải hàng hóa bằng đường bộ",
    "5510": "Dịch vụ lưu trú ngắn ngày",
    "5610": "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động",
    "5621": "Cung cấp dịch vụ ăn uống theo hợp đồng không thường xuyên với khách hàng",
    "5630": "Dịch vụ phục vụ đồ uống",
    "7420": "Hoạt động nhiếp ảnh",
    "8559": "Giáo dục khác chưa được phân vào đâu",
    "9511": "Sửa chữa máy vi tính và thiết bị ngoại vi",
    "9512": "Sửa chữa thiết bị liên lạc",
    "9521": "Sửa chữa thiết bị nghe nhìn điện tử gia dụng",
    "9529": "Sửa chữa xe đạp, đồng hồ, đồ dùng cá nhân và gia đình khác chưa được phân vào đâu",
    "9620": "Giặt là, làm sạch các sản phẩm dệt và lông thú",
    "9631": "Cắt tóc, làm đầu, gội đầu",
}


def describe(code: str) -> str:
    """The VSIC title of ``code`` (empty for an unknown code)."""
    return VSIC_2018.get(code, "")
