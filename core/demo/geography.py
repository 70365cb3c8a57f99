"""The demo province's units, from the real 2025 administrative map (``vietnam-provinces``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from motcua.core.errors import ValidationError
from motcua.core.models import Unit
from motcua.core.text import fold
from motcua.core.units import abbreviate, create_unit

DEFAULT_PROVINCE = "Tây Ninh"
COMMUNE_COUNT = 6

# (code suffix, name, kind, function, receives dossiers, abbreviation in SMS replies)
PROVINCIAL_UNITS = (
    ("01", "Trung tâm Phục vụ hành chính công {p}", "office", None, True, "TTPVHCC"),
    ("02", "Sở Tài chính {p}", "department", "finance", False, "So Tai chinh"),
    ("03", "Sở Tư pháp {p}", "department", "justice", False, "So Tu phap"),
    ("04", "Sở Nông nghiệp và Môi trường {p}", "department", "land", False, "So NN&MT"),
    ("05", "Sở Xây dựng {p}", "department", "construction", False, "So Xay dung"),
    ("06", "Thuế {p}", "agency", "tax", False, "Thue tinh"),
)
COMMUNE_UNITS = (
    ("01", "Bộ phận Một cửa {w}", "office", None, True, "BP1C"),
    ("02", "Phòng Kinh tế {w}", "department", "construction", False, "P.Kinh te"),
    ("03", "Văn phòng HĐND-UBND {w}", "department", "justice", False, "VP HDND-UBND"),
)


@dataclass
class Commune:
    unit: Unit
    desk: Unit
    economy: Unit
    office: Unit
    slug: str


@dataclass
class Geography:
    province: Unit
    centre: Unit
    departments: dict[str, Unit]
    communes: list[Commune] = field(default_factory=list)


def bare_name(name: str) -> str:
    """``Tỉnh Tây Ninh`` / ``Thành phố Huế`` without the division word."""
    for prefix in ("Thành phố ", "Thành Phố ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def find_province(name: str | None) -> Province:
    """The province whose name matches ``name`` ignoring case and diacritics."""
    name = (name or DEFAULT_PROVINCE).strip()
    wanted = fold(bare_name(name.title())).strip()
    provinces = list(Province.iter_all())
    for province in provinces:
        if wanted and wanted in (fold(bare_name(province.name)), fold(province.name)):
            return province
    raise ValidationError(
        f"Unknown province {name!r}: give one of the 34 provinces' names, e.g. "
        + ", ".join(bare_name(p.name) for p in provinces[:4]) + ".", field="province")


def _lower_first(name: str) -> str:
    """``Phường Ninh Thạnh`` -> ``phường Ninh Thạnh`` (inside a unit's name)."""
    return name[:1].lower() + name[1:]


def province_unit_code(province: Province) -> str:
    return f"H{province.code.value:02d}"


def province_label(province: Province) -> str:
    """``tỉnh Tây Ninh`` or ``thành phố Huế``: how unit names refer to the province."""
    kind = "thành phố" if province.name.startswith("Thành phố") else "tỉnh"
    return f"{kind} {bare_name(province.name)}"


def build_geography(session: Session, province: Province, rng: random.Random) -> Geography:
    """Create the province, its centre, departments, tax office and a few communes."""
    code = province_unit_code(province)
    label = province_label(province)
    top = create_unit(session, code=code, name=f"UBND {label}", kind="province",
                      admin_code=str(province.code.value),
                      abbreviation=abbreviate(f"UBND {label}"))
    units = {}
    for suffix, name, kind, function, receives, short in PROVINCIAL_UNITS:
        units[function or "centre"] = create_unit(
            session, code=f"{code}.{suffix}", name=name.format(p=label), kind=kind,
            parent=top, receives_dossiers=receives, function=function, abbreviation=short)
    wards = sorted((w for w in Ward.iter_all() if w.province_code == province.code),
                   key=lambda w: w.code.value)
    chosen = sorted(rng.sample(wards, min(COMMUNE_COUNT, len(wards))),
                    key=lambda w: w.code.value)
    geography = Geography(province=top, centre=units.pop("centre"), departments=units)
    for ward in chosen:
        ward_code = f"X{province.code.value:02d}.{ward.code.value:05d}"
        commune_name = f"UBND {_lower_first(ward.name)}"
        commune = create_unit(session, code=ward_code, name=commune_name, kind="commune",
                              parent=top, admin_code=str(ward.code.value),
                              abbreviation=abbreviate(commune_name))
        parts = [
            create_unit(session, code=f"{ward_code}.{suffix}",
                        name=name.format(w=_lower_first(ward.name)), kind=kind, parent=commune,
                        receives_dossiers=receives, function=function, abbreviation=short)
            for suffix, name, kind, function, receives, short in COMMUNE_UNITS
        ]
        slug = ward.codename.split("_", 1)[-1].replace("_", "")
        geography.communes.append(Commune(commune, *parts, slug=slug))
    session.flush()
    return geography
