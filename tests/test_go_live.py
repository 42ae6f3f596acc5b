"""A county goes live from an empty database, without a shell (issue #11 "Done when").

From migrations only (no demo, no factories for domain data, only the superuser ``createsuperuser`` makes), every
step goes through the product's pages over HTTP, as the people would: the superuser names the three administrators;
the system administrator, led by the 系统配置检查 page, sets up the term and its session, the categories, the unit
with its clerk and leader, the accounts (Excel) and next year's holidays; the security administrator gives
the roles on the account pages; the 提案委 staff import the 委员 roster, their register (with contacts, which no
administrator sees); then each person, signed in with their own password (changed at first login), finds
their step in 待办 or 待认领 and follows its link, until the proposal is 办结. Pages are read as a browser reads
them: forms are sent with their own fields (hidden ones and inline management forms included), and the steps are
reached through the links of the pages (the set-up check's, the admin lists', each person's 待办).
"""

import io
import json
import re
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook

from proposals.models import Member, Proposal, ProposalStatus, Term, Topic
from workflows import setup_checks
from workflows.models import AuditEvent, Unit

pytestmark = pytest.mark.django_db

PASSWORD = "Tongxin@2026"  # the superuser's, typed at createsuperuser
INITIAL = "Start#2027go"  # the initial password the system administrator gives imported accounts
OWN = "Mine#2027ok"  # what each person chooses at first login
TITLE = "关于加强农村饮用水安全保障的建议"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- a minimal browser: forms and links read from the page -----------------------------------------------------------


class Form:
    def __init__(self, attrs, scopes):
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        self.scopes = scopes  # the data-testid and id of the form and of the elements around it
        self.fields: list[tuple[str, str]] = []  # what the browser would send, in order
        self.choices: dict[str, list[tuple[str, str]]] = {}  # select/radio/checkbox: (value, label)
        self.buttons: list[dict] = []
        self.text = ""

    def has(self, name: str) -> bool:
        return any(n == name for n, _v in self.fields) or name in self.choices

    def value_of(self, label: str, name: str) -> str:
        """The value of the option of ``name`` whose label contains ``label``."""
        for value, text in self.choices.get(name, []):
            if label in text:
                return value
        raise AssertionError(f"no option “{label}” for {name}: {self.choices.get(name)}")

    def button(self, text: str | dict | None) -> dict | None:
        if text is None or isinstance(text, dict):
            return text
        for button in self.buttons:
            if text == button["text"] or text == button.get("value"):
                return button
        raise AssertionError(f"no button “{text}”: {[b['text'] for b in self.buttons]}")


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[tuple[str, str, tuple]] = []
        self.stack: list[tuple[str, str]] = []  # (tag, scope) of the open elements
        self.form: Form | None = None
        self.select = None  # (name, multiple, options, selected)
        self.option = None
        self.textarea = None
        self.link = None
        self.button = None
        self.title_text = []
        self.in_h1 = False
        self._last_choice = None  # (name, index) of a checkbox or radio whose label text comes next

    def scopes(self):
        return tuple(scope for _tag, scope in self.stack if scope)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        scope = a.get("data-testid") or a.get("id") or ""
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self.stack.append((tag, scope))
        if tag == "h1":
            self.in_h1 = True
        if tag == "form":
            self.form = Form(a, (*self.scopes(),))
            self.forms.append(self.form)
        elif tag == "a" and a.get("href"):
            self.link = [a["href"], "", self.scopes()]
        elif self.form is None:
            return
        elif tag == "input":
            name, kind = a.get("name"), a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self.form.buttons.append({"name": name, "value": a.get("value", ""), "text": a.get("value", ""),
                                          "formaction": a.get("formaction")})
            elif not name or kind in ("button", "reset") or "disabled" in a:
                return
            elif kind in ("checkbox", "radio"):
                self.form.choices.setdefault(name, []).append((a.get("value", "on"), ""))
                self._last_choice = (name, len(self.form.choices[name]) - 1)
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind == "file":
                self.form.choices.setdefault(name, [])
            else:
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self.select = [a["name"], "multiple" in a, [], []]
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "", "selected" in a]
        elif tag == "textarea" and a.get("name"):
            self.textarea = [a["name"], ""]
        elif tag == "button":
            if a.get("type", "submit") == "submit":
                self.button = {"name": a.get("name"), "value": a.get("value", ""), "text": "",
                               "formaction": a.get("formaction")}
                self.form.buttons.append(self.button)

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _scope = self.stack.pop()
            if open_tag == tag:
                break
        if tag == "h1":
            self.in_h1 = False
        if tag == "form":
            self.form = None
        elif tag == "a" and self.link is not None:
            self.links.append((self.link[0], self.link[1].strip(), self.link[2]))
            self.link = None
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            value = text.strip() if value is None else value
            self.select[2].append((value, text.strip()))
            if selected:
                self.select[3].append(value)
            self.option = None
        elif tag == "select" and self.select is not None:
            name, multiple, options, selected = self.select
            self.form.choices[name] = options
            if not selected and not multiple and options:
                selected = [options[0][0]]
            self.form.fields.extend((name, value) for value in selected)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.form.fields.append((self.textarea[0], self.textarea[1].lstrip("\n")))
            self.textarea = None
        elif tag == "button":
            if self.button is not None:
                self.button["text"] = self.button["text"].strip()
            self.button = None

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data
        if self.textarea is not None:
            self.textarea[1] += data
        if self.link is not None:
            self.link[1] += data
        if self.button is not None:
            self.button["text"] += data
        if self.form is not None:
            self.form.text += data
            last = self._last_choice
            if last and data.strip():
                name, index = last
                value, label = self.form.choices[name][index]
                if not label:
                    self.form.choices[name][index] = (value, data.strip())
                    self._last_choice = None
        if self.in_h1:
            self.title_text.append(data)


class Page:
    def __init__(self, response, url):
        self.response, self.url = response, url
        self.html = response.content.decode()
        parser = PageParser()
        parser.feed(self.html)
        self.forms, self.links = parser.forms, parser.links
        self.h1 = "".join(parser.title_text).strip()

    def __contains__(self, text):
        return text in self.html

    def form(self, *, has=None, scope=None, button=None) -> Form:
        found = [f for f in self.forms
                 if (has is None or f.has(has)) and (scope is None or scope in f.scopes)
                 and (button is None or any(button in (b["text"], b["value"]) for b in f.buttons))]
        assert found, f"no form (has={has}, scope={scope}, button={button}) on {self.url}: " + repr(
            [(f.action, f.scopes, [n for n, _v in f.fields], [b["text"] for b in f.buttons]) for f in self.forms])
        return found[0]

    def link(self, text=None, *, scope=None, href=None) -> str:
        for target, label, scopes in self.links:
            if ((text is None or text in label) and (scope is None or scope in scopes)
                    and (href is None or re.search(href, target))):
                return target
        raise AssertionError(f"no link {text!r} (scope={scope}, href={href}) on {self.url}")

    def messages(self) -> str:
        return " ".join(re.findall(r'class="[^"]*\bmessage[^"]*"[^>]*>(.*?)</', self.html, re.S))


class Browser:
    """One person's browser: a cookie jar, the pages it requested, and forms submitted as a browser would."""

    requests = 0

    def __init__(self, name: str):
        self.name, self.client, self.page = name, Client(), None

    def _follow(self, response, url):
        while response.status_code in (301, 302, 303):
            url = urljoin(url, response["Location"])
            response = self.client.get(url)
            Browser.requests += 1
        assert response.status_code == 200, f"{self.name}: {url} answered {response.status_code}"
        self.page = Page(response, url)
        return self.page

    def get(self, url: str) -> Page:
        url = urljoin(self.page.url if self.page else "http://testserver/", url)
        Browser.requests += 1
        return self._follow(self.client.get(url), url)

    def submit(self, form: Form, data: dict | None = None, *, button: str | None = None, expect=200) -> Page:
        """Send the form with its own fields, ``data`` typed over them (a list for a multiple choice)."""
        data = data or {}
        payload: dict[str, list] = {}
        for name, value in form.fields:
            if name not in data:
                payload.setdefault(name, []).append(value)
        for name, value in data.items():
            if value is None:
                continue
            payload[name] = value if isinstance(value, list) else [value]
        chosen = form.button(button)
        action = form.action
        if chosen:
            if chosen.get("name"):
                payload[chosen["name"]] = [chosen["value"]]
            action = chosen.get("formaction") or action
        url = urljoin(self.page.url, action or self.page.url)
        Browser.requests += 1
        if form.method == "get":
            response = self.client.get(url, payload)
        else:
            response = self.client.post(url, payload)
        if expect == 200:
            return self._follow(response, url)
        assert response.status_code == expect, (response.status_code, url)
        return response

    def login(self, username: str, password: str) -> Page:
        page = self.get("/accounts/login/")
        return self.submit(page.form(has="password"), {"username": username, "password": password})

    def change_password(self, old: str, new: str) -> Page:
        """The first login: every page sends the person to 修改密码 until they choose their own."""
        page = self.get("/inbox/")
        assert urlsplit(page.url).path == "/accounts/password/", f"{self.name} was not asked to change: {page.url}"
        page = self.submit(page.form(has="new_password1"),
                           {"old_password": old, "new_password1": new, "new_password2": new})
        assert "密码已修改。" in page, page.html[:3000]
        return page


def workbook(headers, rows, name) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


def page_part(page: Page, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"(.*?)</ol>', page.html, re.S)
    assert match, testid
    return match.group(1)


def findings(page: Page, section: str) -> str:
    match = re.search(rf'data-testid="{section}"(.*?)</section>', page.html, re.S)
    return match.group(1) if match else ""


def saved(page: Page, what: str):
    """Django admin's own success message after a save."""
    assert "messagelist" in page and what in page.messages(), (what, page.url, page.messages(),
                                                                  re.findall(r'errorlist[^>]*>(.*?)</ul', page.html))


# --- the walk -----------------------------------------------------------------------------------------------------


def test_a_county_goes_live_from_an_empty_database_through_the_pages_only(django_user_model):
    started = time.monotonic()
    today = timezone.localdate()
    assert not Proposal.objects.exists() and django_user_model.objects.count() == 0
    # createsuperuser: the only row written outside the pages
    root_pk = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD).pk
    Browser.requests = 0

    # --- 1. the superuser names the three administrators (三员分立) -----------------------------------------------
    root = Browser("root")
    root.login("root", PASSWORD)
    for username, name, role in (("xtgly", "孙系统", "sys_admin"), ("aqgly", "钱安全", "sec_admin"),
                                 ("sjgly", "李审计", "audit_admin")):
        page = root.get("/admin/auth/user/add/")
        page = root.submit(page.form(has="username"), {"username": username, "password1": INITIAL,
                                                       "password2": INITIAL, "usable_password": "true"},
                           button="保存并继续编辑")
        form = page.form(has="groups")
        page = root.submit(form, {"first_name": name, "groups": [form.value_of(role_text(role), "groups")]},
                           button="保存")
        saved(page, username)
        assert django_user_model.objects.get(username=username).groups.get().name == role
    # the 系统配置检查 lists the gaps of an empty database
    check = root.get("/setup/check/")
    blocking = findings(check, "setup-blocking")
    for gap in ("尚未设置本届政协", "尚未设置承办单位"):
        assert gap in blocking, blocking
    assert "尚未设置提案类别" in findings(check, "setup-warnings")

    # --- 2. the system administrator sets the county up ------------------------------------------------------------
    sys_admin = Browser("xtgly")
    sys_admin.login("xtgly", INITIAL)
    sys_admin.change_password(INITIAL, OWN)
    check = sys_admin.get("/setup/check/")
    assert "尚未设置本届政协" in findings(check, "setup-blocking")
    # 届次 with its first 会次 (the inline row a browser adds with “添加另一个”)
    page = sys_admin.get(check.link("尚未设置本届政协"))
    page = sys_admin.get(page.link(href=r"/admin/proposals/term/add/"))
    year = today.year
    page = sys_admin.submit(page.form(has="number"), {
        "number": "11", "name": "政协同心县第十一届委员会", "starts_on": f"{year - 1}-01-10",
        "ends_on": f"{year + 4}-01-09", "is_current": "on", "sessions-TOTAL_FORMS": "1",
        "sessions-0-number": "2", "sessions-0-opens_on": f"{year}-01-12", "sessions-0-closes_on": f"{year}-01-15",
        "sessions-0-submission_opens_on": f"{year - 1}-12-20", "sessions-0-submission_closes_on": f"{year}-01-14",
    }, button="保存")
    saved(page, "政协同心县第十一届委员会")
    check = sys_admin.get("/setup/check/")
    assert "本届尚无委员名单" in findings(check, "setup-blocking")
    assert "尚未设置本届政协" not in findings(check, "setup-blocking")
    # 提案类别 (答复类别 A–D come with the installation; the page lists them)
    page = sys_admin.get(sys_admin.get(check.link("尚未设置提案类别")).link(href=r"/admin/proposals/topic/add/"))
    saved(sys_admin.submit(page.form(has="name"), {"name": "农业农村", "order": "1"}, button="保存"), "农业农村")
    page = sys_admin.get("/admin/proposals/outcomecategory/")
    assert "所提问题已经解决或基本解决" in page
    # the handling unit
    page = sys_admin.get(sys_admin.get(check.link("尚未设置承办单位")).link(href=r"/admin/workflows/unit/add/"))
    form = page.form(has="name")
    page = sys_admin.submit(form, {"name": "县水利局", "short_name": "水利局",
                                   "kind": form.value_of("承办", "kind")}, button="保存")
    saved(page, "县水利局")
    assert "县水利局 缺少经办人、分管领导" in findings(sys_admin.get("/setup/check/"), "setup-blocking")
    # accounts by Excel: names, e-mail, units and posts; the roles are the security administrator's to give
    page = sys_admin.get("/admin/auth/user/")
    page = sys_admin.get(page.link(href=r"/admin/auth/user/import/"))
    sheet = workbook(["账号", "姓名", "邮箱", "单位", "单位职务"], [
        ["tawy1", "赵工作", "zhao@example.org", "", ""],
        ["tafzr", "郑主任", "zheng@example.org", "", ""],
        ["dcs1", "刘督查", "liu@example.org", "", ""],
        ["jb1", "周经办", "zhou@example.org", "县水利局", "经办人"],
        ["fg1", "吴分管", "wu@example.org", "", ""],
    ], "账号.xlsx")
    page = sys_admin.submit(page.form(has="initial_password"), {"file": sheet, "initial_password": INITIAL})
    assert "新增 5 条，变更 0 条，未变 0 条" in page, page.html[-4000:]
    page = sys_admin.submit(page.form(has="token"), button="确认导入")
    assert "导入完成" in page.messages(), page.messages()
    # the leader joins the unit on the unit's page, picked with the account search (select2's own request)
    unit_page = sys_admin.get("/admin/workflows/unit/")
    page = sys_admin.get(unit_page.link("县水利局"))
    found = sys_admin.client.get("/admin/autocomplete/", {"term": "fg1", "app_label": "workflows",
                                                          "model_name": "unitmembership", "field_name": "user"})
    Browser.requests += 1
    leader_id = found.json()["results"][0]["id"]
    form = page.form(has="memberships-TOTAL_FORMS")
    page = sys_admin.submit(form, {"memberships-TOTAL_FORMS": "2", "memberships-1-user": leader_id,
                                   "memberships-1-role": "leader"}, button="保存")
    saved(page, "县水利局")
    # the calendar: the years the check asks for (from 1 November, next year's); 元旦 here, the rest the same way
    asked = re.findall(r"(\d{4}) 年节假日安排尚未录入", findings(sys_admin.get("/setup/check/"), "setup-blocking"))
    if setup_checks.next_year_due(today):
        assert str(year + 1) in asked, asked
    for missing in asked:
        page = sys_admin.get("/admin/workflows/calendarday/add/")
        form = page.form(has="date")
        page = sys_admin.submit(form, {"date": f"{missing}-01-01", "kind": form.value_of("节假日", "kind"),
                                       "name": "元旦", "source": "国务院办公厅通知"}, button="保存")
        saved(page, missing)
        page = sys_admin.get("/admin/workflows/calendaryear/add/")
        page = sys_admin.submit(page.form(has="year"), {"year": missing, "source": "国务院办公厅通知"}, button="保存")
        saved(page, missing)
    # the 委员 roster holds contact details: not the system administrator's page (三员分立)
    assert sys_admin.client.get("/admin/proposals/member/").status_code == 403
    Browser.requests += 1

    # --- 3. the security administrator gives the roles on the account pages ----------------------------------------
    sec_admin = Browser("aqgly")
    sec_admin.login("aqgly", INITIAL)
    sec_admin.change_password(INITIAL, OWN)
    for username, role in (("tawy1", "proposal_staff"), ("tafzr", "proposal_head"), ("dcs1", "supervision_office"),
                           ("jb1", "unit_handler"), ("fg1", "unit_leader")):
        page = sec_admin.get("/admin/auth/user/?q=" + username)
        page = sec_admin.get(page.link(username, href=r"/admin/auth/user/\d+/change/"))
        form = page.form(has="groups")
        assert not form.has("first_name") and not form.has("password")  # only the roles are theirs
        page = sec_admin.submit(form, {"groups": [form.value_of(role_text(role), "groups")]}, button="保存")
        saved(page, username)

    # --- the 提案委 staff import the 委员 roster, their register, with the members' accounts --------------------------
    staff = Browser("tawy1")
    staff.login("tawy1", INITIAL)
    staff.change_password(INITIAL, OWN)
    page = staff.get("/admin/proposals/member/")
    page = staff.get(page.link(href=r"/admin/proposals/member/import/"))
    form = page.form(has="initial_password")
    sheet = workbook(["姓名", "界别", "组别", "政治面貌", "电话", "账号"], [
        ["李明华", "农业界", "第二组", "无党派人士", "13800000001", "wy11001"],
        ["王秀英", "医卫界", "第三组", "九三学社", "13900000002", "wy11002"],
    ], "委员名册.xlsx")
    page = staff.submit(form, {"file": sheet, "initial_password": INITIAL})
    assert "新增 2 条，变更 0 条，未变 0 条" in page, page.html[-4000:]
    page = staff.submit(page.form(has="token"), button="确认导入")
    assert "导入完成" in page.messages(), page.messages()
    assert set(django_user_model.objects.get(username="wy11001").groups.values_list("name", flat=True)) == {
        "cppcc_member"}

    # at the end of set-up, the proposal-related gaps are gone
    check = sys_admin.get("/setup/check/")
    blocking = findings(check, "setup-blocking")
    for gap in ("尚未设置本届政协", "本届尚无委员名单", "本届尚未设置会次", "尚未设置答复类别", "尚未设置承办单位",
                "县水利局 缺少", "节假日安排尚未录入"):
        assert gap not in blocking, blocking
    assert "尚未设置提案类别" not in findings(check, "setup-warnings")

    # --- 4. the people, each with their own password --------------------------------------------------------------
    people = {"tawy1": staff}
    for username in ("wy11001", "tafzr", "dcs1", "jb1", "fg1"):
        people[username] = Browser(username)
        people[username].login(username, INITIAL)
        people[username].change_password(INITIAL, OWN)
    member, head, office, clerk, leader = (people[u] for u in ("wy11001", "tafzr", "dcs1", "jb1", "fg1"))
    steps = []

    # the member drafts and submits
    page = member.get("/proposals/mine/")
    page = member.get(page.link("撰写新提案"))
    form = page.form(has="title")
    page = member.submit(form, {
        "kind": "member", "title": TITLE, "topic": form.value_of("农业农村", "topic"),
        "reasons": "部分村组供水设施老化，水质检测覆盖不全。", "suggestions": "一是更新改造管网；二是建立水质定期检测制度。",
        "no_secret_confirmed": "on"}, button="提交")
    assert "提案已提交。" in page.messages(), page.messages() + page.html[-3000:]
    proposal = Proposal.objects.get(title=TITLE)
    steps.append("提交")

    # 初审 by the 提案委 staff, 审定 立案 by its head
    page = next_step(staff, steps, "初审")
    page = staff.submit(page.form(scope="chain-actions", button="同意"), {"comment": "建议立案"}, button="同意")
    assert "已同意。" in page.messages(), page.messages()
    page = next_step(head, steps, "审定")
    page = head.submit(page.form(scope="review-box"), {"decision": "accept", "comment": "符合立案标准，同意立案。"})
    assert "已立案。" in page.messages(), page.messages()
    # 交办 by 督查室 to the unit
    page = next_step(office, steps, "交办")
    form = page.form(scope="assign-box")
    page = office.submit(form, {"mode": "sole", "lead_units": [form.value_of("县水利局", "lead_units")],
                                "comment": "请认真办理。"})
    assert "交办" in page.messages(), page.messages()
    # the unit's clerk 签收, then drafts and submits the 答复
    page = next_step(clerk, steps, "签收")
    page = clerk.submit(page.form(scope="receive-box"))
    assert "签收" in page.messages(), page.messages()
    page = next_step(clerk, steps, "答复")
    form = page.form(scope="reply-box")
    page = clerk.submit(form, {
        "reference_number": "同水函〔%s〕1号" % year, "category": form.value_of("B", "category"),
        "body": "经研究，已将管网改造列入明年计划。", "summary": "列入计划逐步解决。",
        "contact_person": "周经办", "contact_phone": "0000-1234"}, button="送会签签发")
    assert "答复" in page.messages(), page.messages()
    # the reply chain as published by default: 会办单位会签 (skipped: no co-handling unit), 分管领导签发, 督查室审核
    page = next_step(leader, steps, "签发")
    page = leader.submit(page.form(scope="chain-actions", button="同意"), {"comment": "同意签发"}, button="同意")
    assert "已同意。" in page.messages(), page.messages()
    page = next_step(office, steps, "审核")
    page = office.submit(page.form(scope="chain-actions", button="同意"), {"comment": "审核通过"}, button="同意")
    assert "已同意。" in page.messages(), page.messages()
    # the member evaluates (满意), the staff 办结
    page = next_step(member, steps, "评价")
    form = page.form(scope="evaluation-box")
    satisfied = form.value_of("满意", "result_rating")
    page = member.submit(form, {"work_rating": satisfied, "result_rating": satisfied, "comment": "办理认真。"})
    assert "评价" in page.messages(), page.messages()
    page = next_step(staff, steps, "办结")
    page = staff.submit(page.form(button="办结"), {"comment": "答复满意，办结。"}, button="办结")
    assert "提案已办结。" in page.messages(), page.messages()

    # --- the final state, on the page and on file -------------------------------------------------------------------
    assert re.search(r'data-testid="proposal-status"[^>]*>\s*已办结', page.html), page.html[:2000]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONCLUDED and proposal.serial is not None
    timeline = [
        (label, actor.strip()) for label, actor in re.findall(
            r"<strong>(.*?)</strong>\s*·\s*([^<\n]*)", page_part(page, "timeline"))]
    wanted = [("提交提案", "李明华"), ("同意", "赵工作"), ("作出决定", "郑主任"), ("立案", "郑主任"),
              ("交办", "刘督查"), ("承办单位签收", "周经办"), ("答复函送会签签发", "周经办"), ("同意", "吴分管"),
              ("同意", "刘督查"), ("答复函发出", "刘督查"), ("提案者评价", "李明华"), ("办结", "赵工作")]
    rest = iter(timeline)
    assert all(row in rest for row in wanted), timeline  # in this order, each by the person who did it
    # every step was someone's 待办 and nothing is left open for anyone
    for person in people.values():
        assert "暂无待办。" in person.get("/inbox/"), person.name
        assert not [t for _h, t, scopes in person.get("/queue/").links if "work-item" in scopes], person.name
    # no shell and no factory: every account, term, unit, category and member was made by a page, and audited
    made_by_pages = {
        (e.subject_type.model, e.subject_id)
        for e in AuditEvent.objects.filter(action__in=("admin.added", "setup.imported")).select_related("subject_type")
    }
    for model in (django_user_model, Term, Topic, Unit, Member):
        rows = model.objects.exclude(pk=root_pk) if model is django_user_model else model.objects.all()
        for pk in rows.values_list("pk", flat=True):
            assert (model._meta.model_name, str(pk)) in made_by_pages, (model, pk)
    assert (Term.objects.count(), Unit.objects.count(), Member.objects.count()) == (1, 1, 2)
    assert django_user_model.objects.count() == 1 + 3 + 5 + 2

    # the audit administrator reads the set-up on the audit log
    auditor = Browser("sjgly")
    auditor.login("sjgly", INITIAL)
    auditor.change_password(INITIAL, OWN)
    log = auditor.get("/admin/workflows/auditevent/?q=导入")
    rows = " ".join(re.sub(r"<[^>]+>", " ", log.html[log.html.find("result_list"):]).split())
    assert "setup.import_applied 完成 Excel 导入 - xtgly" in rows, rows
    assert "setup.import_applied 完成 Excel 导入 政协同心县第十一届委员会 tawy1" in rows, rows

    figures = {"test": "go_live", "pages_requested": Browser.requests, "steps_walked": len(steps),
               "people": len(people) + 3, "seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(figures, ensure_ascii=False))


def next_step(person: Browser, steps: list, expected: str) -> Page:
    """Claim what the person's roles hold in 待认领, then follow the one item of their 待办."""
    queue = person.get("/queue/")
    for form in queue.forms:
        for button in form.buttons:
            if button.get("formaction") and "/claim/" in button["formaction"]:
                person.submit(form, button=button)
    inbox = person.get("/inbox/")
    items = [(href, text) for href, text, scopes in inbox.links if "work-item" in scopes and text]
    assert items, f"{person.name}'s 待办 is empty, waiting for “{expected}”"
    titles = [text for _href, text in items]
    assert any(expected in t for t in titles), (person.name, expected, titles)
    steps.append(f"{person.name}:{expected}")
    href = next(h for h, t in items if expected in t)
    return person.get(href)


def role_text(code: str) -> str:
    from workflows.roles import label

    return str(label(code))
