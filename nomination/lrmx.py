"""The ``.lrmx`` exchange file of the 干部任免审批表 (任免审批表 3.0): write one, read one safely, compare it.

The file is a UTF-8 XML document, one ``<Person>`` with one element per cell of the form. No official schema was
available; the element names and formats follow public code that reads and writes these files, read through the
project's code search in December 2026: a Django project's exporter template (``<Person><XingMing>…<ShenFenZheng>
<ZhaoPian>`` base64 photo, ``<Version>``, family members as ``<JiaTingChengYuan><Item><ChengWei/><XingMing/>
<ChuShengRiQi/><ZhengZhiMianMao/><GongZuoDanWeiJiZhiWu/></Item>``), a Java exporter writing
``CanJiaGongZuoShiJian`` as ``yyyyMM`` and ``QuanRiZhiJiaoYu_*`` as plain labels, and a reader's label table
(``QuanRiZhiJiaoYu_XueLi`` 全日制教育—学历, ``ZaiZhiJiaoYu_*`` 在职教育, ``JiSuanNianLingShiJian`` as ``yyyyMMdd``).

Reading refuses any document type declaration or entity before parsing (the standard library's parser would expand
internal entities: a "billion laughs" file), so ``xml.etree.ElementTree`` parses only plain elements and text.

Only the cells that are fields of the person record are imported (:data:`IMPORTED`); the rest of the form comes
from the record's own lists (简历, 年度考核, 家庭成员) and the case, and is written, never read back.
"""

import base64
import binascii
import datetime
import re
import xml.etree.ElementTree as ET  # nosec B405  # writing only; uploads are read by defusedxml
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as defused
from django.utils.translation import gettext_lazy as _

from workflows import uploads
from workflows.errors import ServiceError, register

from .models import Degree, Education, Person

NAMESPACE = "nomination_files"
register(NAMESPACE, {
    "lrmx_too_big": _("文件过大，.lrmx 文件不能超过 %(limit)s MB。"),
    "lrmx_unsafe": _("文件含有文档类型声明或实体定义，为安全起见不予读取。"),
    "lrmx_invalid": _("不是有效的任免审批表文件（.lrmx）：%(reason)s"),
    "lrmx_wrong_person": _("文件中的身份证号与本人不符，请核对是否选错了文件。"),
    "lrmx_bad_value": _("“%(field)s”的内容“%(value)s”无法识别。"),
    "lrmx_stale": _("预览之后人员信息已有变化，未导入任何数据；请核对下面的最新预览后再确认。"),
    "lrmx_expired": _("这次上传的预览已失效，请重新上传文件。"),
    "photo_size": _("照片“%(name)s”过大，上限为 %(limit)s MB。"),
    "photo_type": _("照片“%(name)s”不是 JPEG 或 PNG 图片。"),
    "attachment_size": _("附件“%(name)s”超过大小上限（%(limit)s MB）。"),
    "attachment_type": _("附件“%(name)s”的类型不允许，仅支持 PDF、Word、Excel、JPEG、PNG。"),
    "attachment_step": _("该环节尚未进行，不能上传附件。"),
})


class FileError(ServiceError):
    namespace = NAMESPACE


MAX_BYTES = 1024 * 1024  # the photo inside is small; the whole file stays in the session until confirmed
VERSION = "3.2.1.16"
ROOT = "Person"

# The cells of the form, in the order of the file.
ELEMENTS = (
    "XingMing", "XingBie", "ChuShengNianYue", "MinZu", "JiGuan", "ChuShengDi", "RuDangShiJian",
    "CanJiaGongZuoShiJian", "JianKangZhuangKuang", "ZhuanYeJiShuZhiWu", "ShuXiZhuanYeYouHeZhuanChang",
    "QuanRiZhiJiaoYu_XueLi", "QuanRiZhiJiaoYu_XueWei", "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi",
    "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "ZaiZhiJiaoYu_XueLi", "ZaiZhiJiaoYu_XueWei",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "XianRenZhiWu", "NiRenZhiWu",
    "NiMianZhiWu", "JianLi", "JiangChengQingKuang", "NianDuKaoHeJieGuo", "RenMianLiYou", "JiaTingChengYuan",
    "ChengBaoDanWei", "JiSuanNianLingShiJian", "TianBiaoShiJian", "TianBiaoRen", "ShenFenZheng", "ZhaoPian",
    "Version",
)
FAMILY_ELEMENTS = ("ChengWei", "XingMing", "ChuShengRiQi", "ZhengZhiMianMao", "GongZuoDanWeiJiZhiWu")

# element -> the person field it fills on import
IMPORTED = {
    "XingMing": "name",
    "MinZu": "ethnicity",
    "JiGuan": "native_place",
    "ChuShengDi": "birth_place",
    "RuDangShiJian": "party_joined_on",
    "CanJiaGongZuoShiJian": "work_started_on",
    "JianKangZhuangKuang": "health",
    "ZhuanYeJiShuZhiWu": "professional_title",
    "ShuXiZhuanYeYouHeZhuanChang": "speciality",
    "QuanRiZhiJiaoYu_XueLi": "education",
    "QuanRiZhiJiaoYu_XueWei": "degree",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "school_major",
    "ZaiZhiJiaoYu_XueLi": "inservice_education",
    "ZaiZhiJiaoYu_XueWei": "inservice_degree",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "inservice_school_major",
    "XianRenZhiWu": "current_post",
    "JiangChengQingKuang": "rewards",
}
MONTH_FIELDS = ("party_joined_on", "work_started_on")


def _month(value: datetime.date | None) -> str:
    return value.strftime("%Y%m") if value else ""


def _parse_month(text: str) -> datetime.date | None:
    digits = re.sub(r"\D", "", text or "")
    if not digits:
        return None
    if len(digits) < 6:
        raise ValueError(text)
    return datetime.date(int(digits[:4]), int(digits[4:6]), 1)


def current_post_text(person: Person) -> str:
    """现任职务 as the form writes it: the unit, then the post."""
    return "%s%s" % (person.work_unit, person.current_post)


# --- writing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """What the form says about one person, cell by cell (strings), with the family rows and the photo."""

    cells: dict
    family: list
    photo: bytes | None = None


def export_cells(person: Person) -> dict:
    """The cells an import compares (the person record's own fields), as the file writes them."""
    return {
        "XingMing": person.name,
        "MinZu": person.ethnicity,
        "JiGuan": person.native_place,
        "ChuShengDi": person.birth_place,
        "RuDangShiJian": _month(person.party_joined_on),
        "CanJiaGongZuoShiJian": _month(person.work_started_on),
        "JianKangZhuangKuang": person.health,
        "ZhuanYeJiShuZhiWu": person.professional_title,
        "ShuXiZhuanYeYouHeZhuanChang": person.speciality,
        "QuanRiZhiJiaoYu_XueLi": person.get_education_display() if person.education else "",
        "QuanRiZhiJiaoYu_XueWei": person.get_degree_display() if person.degree else "",
        "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": person.school_major,
        # 在职教育 is free text on the record, written and read back as it stands.
        "ZaiZhiJiaoYu_XueLi": person.inservice_education,
        "ZaiZhiJiaoYu_XueWei": person.inservice_degree,
        "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": person.inservice_school_major,
        "XianRenZhiWu": current_post_text(person),
        "JiangChengQingKuang": person.rewards,
    }


def build(sheet: Sheet) -> bytes:
    """The UTF-8 XML of one form."""
    root = ET.Element(ROOT)
    for name in ELEMENTS:
        element = ET.SubElement(root, name)
        if name == "JiaTingChengYuan":
            for member in sheet.family:
                item = ET.SubElement(element, "Item")
                for key in FAMILY_ELEMENTS:
                    ET.SubElement(item, key).text = str(member.get(key, "") or "")
        elif name == "ZhaoPian":
            element.text = base64.b64encode(sheet.photo).decode("ascii") if sheet.photo else ""
        elif name == "Version":
            element.text = VERSION
        else:
            element.text = str(sheet.cells.get(name, "") or "")
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


# --- reading ------------------------------------------------------------------------------------------------------


def parse(content: bytes) -> Sheet:
    """Read an uploaded file: refuse it when too large, when it declares a DTD or an entity, or is not a form."""
    if len(content) > MAX_BYTES:
        raise FileError("lrmx_too_big", params={"limit": MAX_BYTES // 2**20})
    try:
        # defusedxml refuses any DTD, entity or external reference before expat expands it (billion laughs, XXE).
        root = defused.fromstring(content, forbid_dtd=True)
    except DefusedXmlException:
        raise FileError("lrmx_unsafe") from None
    except ET.ParseError as error:
        raise FileError("lrmx_invalid", params={"reason": str(error)}) from None
    if root.tag != ROOT:
        raise FileError("lrmx_invalid", params={"reason": _("根元素应为 Person。")})
    cells = {child.tag: (child.text or "").strip() for child in root if child.tag not in ("JiaTingChengYuan",)}
    family = [{key: (item.findtext(key) or "").strip() for key in FAMILY_ELEMENTS}
              for item in root.findall("JiaTingChengYuan/Item")]
    photo = None
    if cells.get("ZhaoPian"):
        try:
            photo = base64.b64decode(cells.pop("ZhaoPian"), validate=False)
        except (binascii.Error, ValueError):
            raise FileError("lrmx_invalid", params={"reason": _("照片不是有效的 Base64 编码。")}) from None
    return Sheet(cells=cells, family=family, photo=photo)


def photo_type(photo: bytes) -> str | None:
    """JPEG or PNG by content, else None."""
    import filetype

    kind = filetype.guess(photo[:8192])
    return kind.mime if kind and kind.mime in uploads.IMAGES else None


def values_from(sheet: Sheet, person: Person) -> tuple[dict, list]:
    """The person fields the file would set ({field: value}) and the cells it could not read ([(label, text)])."""
    values, problems = {}, []
    labels = {str(label): value for value, label in Education.choices}
    degrees = {str(label): value for value, label in Degree.choices}
    degrees.update({"%s学位" % label: value for label, value in list(degrees.items()) if value})
    for element, name in IMPORTED.items():
        if element not in sheet.cells:
            continue
        text = sheet.cells[element]
        try:
            if name in MONTH_FIELDS:
                value = _parse_month(text)
            elif name == "education":
                value = labels[text] if text else person.education
            elif name == "degree":
                value = degrees[text] if text else ""
            elif name == "current_post":
                value = text[len(person.work_unit):] if person.work_unit and text.startswith(person.work_unit) \
                    else text
            else:
                value = text
        except (KeyError, ValueError):
            problems.append((Person._meta.get_field(name).verbose_name, text))
            continue
        values[name] = value
    return values, problems


def same(name: str, old, new) -> bool:
    """Whether the file's value equals the record's, as precisely as the file can say it (months for dates)."""
    if name in MONTH_FIELDS:
        return _month(old) == _month(new)
    return (old or "") == (new or "")
