"""Where a store or stock location is, as both services store it: the sales region, the
city's name and, when known, the GB/T 2260 codes and names of its province, city and
district. Codes are checked against the vendored table; without codes the region and city
are free text as before (an old English region such as `east` is stored as 华东)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from chainkit.china.divisions import DivisionError, Place, cities, name_of, resolve
from chainkit.china.regions import region_or_as_is

CODE_FIELDS: Final = ("province_code", "city_code", "district_code")


@dataclass(frozen=True)
class Located:
    region: str
    city: str
    province_code: str = ""
    province: str = ""
    city_code: str = ""
    district_code: str = ""
    district: str = ""


def located(place: Place, city: str = "") -> Located:
    """A resolved place as stored; `city` stands when the codes stop at the province."""
    return Located(
        region=place.region,
        city=place.city.name if place.city else city,
        province_code=place.province.code,
        province=place.province.name,
        city_code=place.city.code if place.city else "",
        district_code=place.district.code if place.district else "",
        district=place.district.name if place.district else "",
    )


def locate(
    *, region: str, city: str, province_code: str = "", city_code: str = "", district_code: str = ""
) -> Located:
    """The place the codes name (the district's alone is enough), its region derived from
    the province; a region given too must be that one. Without codes: region and city as
    given. Raises DivisionError naming the field at fault."""
    if not (province_code.strip() or city_code.strip() or district_code.strip()):
        return Located(region=region_or_as_is(region), city=city)
    place = resolve(province_code, city_code, district_code)
    given = region_or_as_is(region.strip())
    if given and given != place.region:
        raise DivisionError(
            "region", f"{place.province.name} is in {place.region}, not {region.strip()}"
        )
    return located(place, city)


# Common romanised names of the municipalities, provincial capitals and largest cities,
# as free-text city fields were filled before codes existed ("Shanghai", "Hangzhou").
_ROMANISED: Final = {
    "beijing": "110100",
    "peking": "110100",
    "tianjin": "120100",
    "shanghai": "310100",
    "chongqing": "500100",
    "shijiazhuang": "130100",
    "taiyuan": "140100",
    "hohhot": "150100",
    "huhehaote": "150100",
    "shenyang": "210100",
    "dalian": "210200",
    "changchun": "220100",
    "harbin": "230100",
    "haerbin": "230100",
    "nanjing": "320100",
    "wuxi": "320200",
    "suzhou": "320500",
    "hangzhou": "330100",
    "ningbo": "330200",
    "hefei": "340100",
    "fuzhou": "350100",
    "xiamen": "350200",
    "nanchang": "360100",
    "jinan": "370100",
    "qingdao": "370200",
    "zhengzhou": "410100",
    "wuhan": "420100",
    "changsha": "430100",
    "guangzhou": "440100",
    "canton": "440100",
    "shenzhen": "440300",
    "dongguan": "441900",
    "foshan": "440600",
    "nanning": "450100",
    "haikou": "460100",
    "sanya": "460200",
    "chengdu": "510100",
    "guiyang": "520100",
    "kunming": "530100",
    "lhasa": "540100",
    "lasa": "540100",
    "xian": "610100",
    "xi'an": "610100",
    "lanzhou": "620100",
    "xining": "630100",
    "yinchuan": "640100",
    "urumqi": "650100",
    "wulumuqi": "650100",
}
_MUNICIPALITIES: Final = {"北京": "110100", "天津": "120100", "上海": "310100", "重庆": "500100"}


def city_named(text: str) -> Place | None:
    """The prefecture-level city a free-text city name means, when it means exactly one:
    its name in the table (杭州市, or 杭州), a municipality (上海, 上海市) or a common
    romanised name (Shanghai, Hangzhou); None otherwise (a district, a typo)."""
    name = text.strip()
    if not name:
        return None
    code = _ROMANISED.get(name.lower().removesuffix(" city").replace(" ", ""))
    code = code or _MUNICIPALITIES.get(name.removesuffix("市"))
    if code is None:
        found = [c.code for c in cities() if name in (c.name, c.name.removesuffix("市"))]
        code = found[0] if len(found) == 1 else None
    if code is None or name_of(code) is None:
        return None
    return resolve(city_code=code)
