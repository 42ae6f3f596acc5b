"""A representative recommendation round (党外代表人士推荐为政协委员), through the UI in Chinese, as every role it
passes (issue #5).

Only the people, units and pool entries are built by the services (as the other browser tests build theirs); every
step of the round is a click or a form in the browser: the 名额与结构方案 by the 统战部干部科 (uf1); a nomination by the
民盟 organisation (party1) in its own name; the UFWD's own nomination of a non-Party figure, re-nominated (连任); the
consultation with the democratic parties and the 工商联; the parallel vetting opinions, the 廉政意见 of the discipline
organ (jiwei1) and the 政协党组意见 on the re-nominated member (partygroup1), each from its request page that shows the
names only; the UFWD's 政治关、廉洁关、形象关 per nominee, which compiles the list; the views sought; the list signed
by the UFWD head (uflead1) and sent up by the Organization Department (orglead1); the county committee's approval
recorded by org1; the CPPCC standing committee's adoption (more than half of all standing members) and the
announcement.

The walk runs at desktop width (1280); the round's page is opened again at phone width (375) by the acting role and
must not scroll sideways. The shorter walk, at phone width, shows the 政协党组 opinion skipped on the timeline when no
nominee is re-nominated.
"""


import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nomination.models import RepresentativeBatch, RepStatus
from tests.browser.conftest import CHROMIUM, NO_CHROMIUM
from tests.browser.roles import assert_in_order, field, timeline
from tests.browser.test_proposal_walk import message
from tests.factories import UserFactory
from tests.nomination.conftest import cadres, in_pool, make_id_number  # noqa: F401
from workflows.models import WorkItem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]

TERM = "政协同心县第十一届委员会"
ROUND = TERM + "县政协委员推荐"
QUOTA = "党外委员 3 名：民盟 1 名，无党派人士 1 名，经济界（工商联）1 名。"
PARTY_REASON = "参政议政能力强，在民盟组织中表现突出。"
UFWD_REASON = "无党派代表人士，上届履职积极。"
CONSULTATION = "与各民主党派县委、县工商联协商一致。"
VIEWS = "征求县政协党组、县人大常委会党组意见，无不同意见。"
MINUTES = "县委常委会〔2026〕20次"


@pytest.fixture
def reps_world(cadres):  # noqa: F811
    """The cadre personas, the 政协党组 and two pool entries: 金玉珍 (民盟, put forward by party1's unit) and
    海德胜 (无党派人士, put forward through the 民建 organisation, so party1 never sees him)."""
    w = cadres
    w.partygroup1 = UserFactory(username="partygroup1", first_name="政协党组", roles=["cppcc_party_group"])
    w.member = in_pool(w, name="金玉珍", party="minmeng", id_number=make_id_number(sequence=11))
    w.non_party = in_pool(w, name="海德胜", party="non_party", unit=w.other_party,
                          id_number=make_id_number(sequence=13))
    return w


# --- moving around --------------------------------------------------------------------------------------------------


def status(page):
    return page.get_by_test_id("rep-status")


def open_rounds(walk, username):
    """党外人才库 → 代表人士推荐."""
    page = walk.login(username)
    page.locator(".mainnav").get_by_role("link", name="党外人才库", exact=True).click()
    page.locator(".subnav").get_by_role("link", name="代表人士推荐", exact=True).click()
    expect(page.locator("h1")).to_have_text("党外代表人士推荐")
    return page


def open_round(walk, username):
    page = open_rounds(walk, username)
    page.get_by_test_id("batches").get_by_role("link", name=ROUND).click()
    expect(page.locator("h1")).to_contain_text(ROUND)
    return page


def from_inbox(walk, username, title):
    """待办 → the row of the step → its page."""
    page = walk.login(username)
    page.get_by_test_id("nav-inbox").click()
    expect(page.locator("h1")).to_contain_text("待办")
    row = page.get_by_test_id("inbox").locator("tbody tr", has_text=title)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    return page


def claim(walk, username, title):
    """待认领 → the row of the round's step → 认领; then 待办 → the row → the round page (issue #10: every step of
    the 统战部 and the 组织部 is found in the worklist, never looked for again under 代表人士推荐)."""
    page = walk.login(username)
    page.get_by_test_id("nav-queue").click()  # 待认领, followed by its count
    expect(page.locator("h1")).to_contain_text("待认领")
    row = page.get_by_test_id("queue").locator("tbody tr", has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(ROUND)
    row.get_by_test_id("claim").click()
    expect(page.get_by_test_id("queue").locator("tbody tr", has_text=title)).to_have_count(0)
    page = from_inbox(walk, username, title)
    expect(page.locator("h1")).to_contain_text(ROUND)
    expect(page.get_by_test_id("holdings")).to_contain_text(title)
    return page


def step(page, name):
    section = page.get_by_test_id(f"rep-step-{name}")
    expect(section).to_be_visible()
    return section


def saved(page):
    expect(message(page)).to_contain_text("已保存。")


def nominate(page, person, sector, reason, *, by=None, unit=None, renomination=False):
    form = page.locator("#step-nominee")
    field(form, "人选").select_option(label=person)
    if by:
        field(form, "推荐方").select_option(label=by)
    if unit:
        field(form, "推荐单位").select_option(label=unit)
    field(form, "界别/选区").fill(sector)
    if renomination:
        field(form, "连任").check()
    field(form, "推荐理由").fill(reason)
    form.get_by_role("button", name="推荐", exact=True).click()
    saved(page)


def nominee_row(page, name):
    return page.get_by_test_id("nominees").locator("tbody tr", has_text=name)


def approve(page, stage, phrase):
    """同意 on the role's task in the list's chain panel, the comment picked from the 常用语 list."""
    actions = page.locator("[data-testid=chain-representative-list] [data-testid=chain-actions]")
    expect(actions.locator("h3")).to_have_text(f"我的待办：{stage}")
    # tongxin.js (deferred) copies the phrase into the comment: the page must have loaded it first.
    page.wait_for_load_state("load")
    actions.get_by_label("常用语").select_option(phrase)
    expect(actions.locator("textarea[name=comment]")).to_have_value(phrase)
    actions.get_by_role("button", name="同意", exact=True).click()
    expect(message(page)).to_contain_text("已同意。")


def answer_request(walk, username, stage, opinion, *, names, hidden_names=()):
    """An outside organisation answers from its request page, which shows the names and nothing of the vetting."""
    page = from_inbox(walk, username, stage)
    expect(page.locator("h1")).to_have_text(f"{ROUND} · 征求意见")
    listed = page.get_by_test_id("rep-request-names")
    for name in names:
        expect(listed).to_contain_text(name)
    for name in hidden_names:
        expect(listed).not_to_contain_text(name)
    main = page.locator("main")
    for material in (PARTY_REASON, UFWD_REASON, CONSULTATION, QUOTA, "推荐理由", "三关审核", "办理过程", "协商"):
        expect(main).not_to_contain_text(material)
    expect(page.get_by_test_id("timeline")).to_have_count(0)
    answer = page.get_by_test_id("request-answer")
    expect(answer.locator("h2")).to_have_text(f"请提出{stage}")
    answer.get_by_label("意见").fill(opinion)
    walk.fits_on_phone(username, f"征求意见 ({username})")
    walk.shot(page, f"{username}-request")
    answer.get_by_role("button", name="提交意见").click()
    expect(message(page)).to_contain_text("已同意。")
    expect(page.get_by_test_id("request-answer")).to_have_count(0)
    expect(page.locator("section", has_text="本单位的答复")).to_contain_text(f"{stage} · ")
    expect(page.locator("section", has_text="本单位的答复")).to_contain_text(opinion)
    return page


def round_started(walk, today, *, renomination):
    """uf1 opens the round with its quota plan; party1 nominates 金玉珍 in its own name; uf1 nominates 海德胜;
    uf1 records the consultation and starts the vetting."""
    page = open_rounds(walk, "uf1")
    expect(page.get_by_test_id("batches")).to_contain_text("暂无。")
    page.locator("summary", has_text="新的推荐（名额与结构方案）").click()
    field(page, "推荐对象").select_option(label="县政协委员")
    field(page, "届次").fill(TERM)
    field(page, "党外名额").fill("3")
    field(page, "名额与结构方案").fill(QUOTA)
    walk.fits_on_phone("uf1", "代表人士推荐 (uf1)")
    walk.shot(page, "uf1-quota-plan")
    page.get_by_role("button", name="开始推荐提名").click()
    expect(message(page)).to_contain_text("已开始推荐提名。")
    expect(page.locator("h1")).to_contain_text(ROUND)
    expect(status(page)).to_have_text("推荐提名")
    expect(page.locator("dl.fields")).to_contain_text(QUOTA)

    # the democratic-party organisation nominates in its own name, and sees only the people it put forward
    page = open_round(walk, "party1")
    expect(page.locator("h2", has_text="本单位推荐的人选")).to_be_visible()
    form = page.locator("#step-nominee")
    expect(field(form, "推荐方")).to_have_count(0)
    people = field(form, "人选").locator("option").all_inner_texts()
    assert "金玉珍" in people and "海德胜" not in people, people
    nominate(page, "金玉珍", "中国民主同盟", PARTY_REASON, unit="民盟同心县委员会")
    expect(nominee_row(page, "金玉珍")).to_contain_text("民主党派（民盟同心县委员会）")
    expect(page.get_by_test_id("timeline")).to_have_count(0)
    walk.fits_on_phone("party1", "代表人士推荐 (party1)")
    walk.shot(page, "party1-nominated")

    # the UFWD nominates a non-Party figure itself
    page = open_round(walk, "uf1")
    nominate(page, "海德胜", "无党派人士", UFWD_REASON, by="统战部", renomination=renomination)
    expect(nominee_row(page, "金玉珍")).to_contain_text("新任")
    expect(nominee_row(page, "海德胜")).to_contain_text("统战部")
    expect(nominee_row(page, "海德胜")).to_contain_text("连任" if renomination else "新任")

    # consultation with the democratic parties and the 工商联 before the party nominee goes forward
    page = claim(walk, "uf1", "与民主党派、工商联协商")
    form = step(page, "consult")
    field(form, "协商日期").fill(today)
    form.get_by_label("民主党派", exact=True).check()
    form.get_by_label("工商联", exact=True).check()
    field(form, "协商情况").fill(CONSULTATION)
    walk.fits_on_phone("uf1", "代表人士推荐 (uf1, 协商)")
    form.get_by_role("button", name="记录与民主党派、工商联的协商").click()
    saved(page)
    expect(status(page)).to_have_text("协商")
    expect(page.locator("dl.fields")).to_contain_text(f"{today} · {CONSULTATION}")

    page = claim(walk, "uf1", "开始审核把关")
    step(page, "vet").get_by_role("button", name="开始审核把关（征求廉政意见等）").click()
    saved(page)
    expect(status(page)).to_have_text("审核把关")
    vetting = page.get_by_test_id("chain-representative-vetting")
    expect(vetting).to_contain_text("纪委监委廉政意见")
    expect(vetting).to_contain_text("政协党组意见（连任人选）")
    return page


# --- the walks ---------------------------------------------------------------------------------------------------


def test_a_cppcc_round_from_the_quota_plan_to_its_announcement(desktop, reps_world):
    walk, w = desktop, reps_world
    today = timezone.localdate().isoformat()

    page = round_started(walk, today, renomination=True)
    walk.fits_on_phone("uf1", "代表人士推荐 (uf1, 审核把关)")
    walk.shot(page, "uf1-vetting-started")

    # --- the parallel opinions: the discipline organ on every name, the 政协党组 on the re-nominated member only
    page = answer_request(walk, "jiwei1", "纪委监委廉政意见", "均未发现影响推荐的问题线索",
                          names=("金玉珍", "海德胜"))
    response = page.goto(f"/nomination/representatives/{RepresentativeBatch.objects.get().pk}/")
    assert response.status == 404  # the round's page itself stays closed to the discipline organ
    answer_request(walk, "partygroup1", "政协党组意见（连任人选）", "同意继续提名",
                   names=("海德胜",), hidden_names=("金玉珍",))

    # --- the UFWD's 政治关、廉洁关、形象关 per nominee compile the list
    claim(walk, "uf1", "政治关、廉洁关、形象关审核：金玉珍")
    page = claim(walk, "uf1", "政治关、廉洁关、形象关审核：海德胜")
    vetting = page.get_by_test_id("chain-representative-vetting")
    expect(vetting).to_contain_text("已通过")
    expect(vetting).to_contain_text("白振东 · 同意：均未发现影响推荐的问题线索")
    expect(vetting).to_contain_text("政协党组 · 同意：同意继续提名")
    for name in ("金玉珍", "海德胜"):
        check = page.locator("section", has=page.locator("summary", has_text=f"{name}：政治关、廉洁关、形象关"))
        for gate in ("政治关", "廉洁关", "形象关"):
            expect(field(check, gate)).to_be_checked()
        check.get_by_role("button", name="保存审核结果").click()
        saved(page)
        expect(nominee_row(page, name)).to_contain_text("通过")
    expect(status(page)).to_have_text("统战部汇总建议名单")
    for name in ("金玉珍", "海德胜"):
        expect(nominee_row(page, name)).to_contain_text("列入建议名单")

    # --- the views sought on the list, which then goes to the UFWD head and the Organization Department
    page = claim(walk, "uf1", "征求有关方面意见并报送")
    form = step(page, "opinions")
    field(form, "征求意见情况").fill(VIEWS)
    walk.fits_on_phone("uf1", "代表人士推荐 (uf1, 汇总建议名单)")
    walk.shot(page, "uf1-list-compiled")
    form.get_by_role("button", name="征求有关方面意见并报送").click()
    saved(page)
    expect(status(page)).to_have_text("征求有关方面意见")
    expect(page.locator("dl.fields")).to_contain_text(VIEWS)

    page = from_inbox(walk, "uflead1", "统战部部长签发")
    expect(page.locator("h1")).to_contain_text(ROUND)
    approve(page, "统战部部长签发", "同意报送")
    expect(status(page)).to_have_text("征求有关方面意见")
    page = from_inbox(walk, "orglead1", "组织部报县委审定")
    walk.fits_on_phone("orglead1", "代表人士推荐 (orglead1, 报县委审定)")
    approve(page, "组织部报县委审定", "同意报县委审定")
    expect(status(page)).to_have_text("组织部报县委审定")
    signoff = page.get_by_test_id("chain-representative-list")
    expect(signoff).to_contain_text("丁学文 · 同意：同意报送")
    expect(signoff).to_contain_text("高志远 · 同意：同意报县委审定")
    expect(page.get_by_test_id("rep-step-committee")).to_have_count(0)  # the leader submits; org1 records
    walk.shot(page, "orglead1-submitted")

    # --- the county committee's approval, recorded by the Organization Department
    page = claim(walk, "org1", "记录县委审定")
    expect(page.get_by_test_id("rep-step-opinions")).to_have_count(0)
    form = step(page, "committee")
    form.get_by_label("通过", exact=True).check()
    field(form, "会议日期").fill(today)
    field(form, "会议纪要").fill(MINUTES)
    walk.fits_on_phone("org1", "代表人士推荐 (org1, 县委审定)")
    form.get_by_role("button", name="记录县委审定").click()
    saved(page)
    expect(status(page)).to_have_text("县委审定通过")
    expect(page.locator("dl.fields")).to_contain_text(f"{today} · {MINUTES}")
    expect(page.get_by_test_id("rep-step-adopt")).to_have_count(0)  # the statutory steps are the UFWD's

    # --- the statutory procedure: the CPPCC standing committee adopts by more than half of all its members
    page = claim(walk, "uf1", "政协常委会协商通过")
    form = step(page, "adopt")
    field(form, "政协常委会会议日期").fill(today)
    field(form, "常务委员总数").fill("30")
    field(form, "赞成票").fill("15")
    form.get_by_role("button", name="政协常委会协商通过").click()
    form = step(page, "adopt")
    expect(form.locator(".error-summary")).to_contain_text("提交的内容有误，请按提示修改。")
    expect(form).to_contain_text("过半数")
    expect(status(page)).to_have_text("县委审定通过")
    field(form, "赞成票").fill("16")
    form.get_by_role("button", name="政协常委会协商通过").click()
    saved(page)
    expect(status(page)).to_have_text("政协常委会协商通过")
    expect(page.locator("dl.fields")).to_contain_text(f"{today} · 16/30")

    page = claim(walk, "uf1", "公布")
    form = step(page, "announce")
    field(form, "日期").fill(today)
    form.get_by_role("button", name="公布", exact=True).click()
    saved(page)
    expect(status(page)).to_have_text("公布")
    expect(page.locator("dl.fields dt", has_text="公布").locator("xpath=following-sibling::dd[1]")).to_have_text(today)
    for name in ("金玉珍", "海德胜"):
        expect(nominee_row(page, name)).to_contain_text("协商通过")
    expect(page.locator("[data-testid^=rep-step-]")).to_have_count(0)  # nothing left to do

    # --- the round's timeline lists each step, in order
    assert_in_order(timeline(page), [
        "制定名额与结构方案", "开始推荐提名", "推荐人选", "推荐人选", "与民主党派、工商联协商", "开始审核把关",
        "廉政意见、政协党组意见已收齐", "政治关、廉洁关、形象关审核", "政治关、廉洁关、形象关审核",
        "统战部汇总建议名单", "征求有关方面意见，报送审核", "组织部报县委审定", "县委审定通过",
        "政协常委会协商通过", "公布"])
    assert "按规则跳过环节" not in timeline(page)  # a member is re-nominated: the 政协党组 was asked
    line = page.get_by_test_id("timeline")
    for said in ("金玉珍（民主党派）", "海德胜（统战部）", CONSULTATION, VIEWS):
        expect(line).to_contain_text(said)
    walk.fits_on_phone("uf1", "代表人士推荐 (uf1, 公布)")
    walk.shot(page, "uf1-announced")

    batch = RepresentativeBatch.objects.get()
    assert batch.status == RepStatus.ANNOUNCED
    # every step of the round was done from the worklist: nothing of it is left open in anyone's list
    assert not WorkItem.objects.filter(case_id=str(batch.pk), case_type__model="representativebatch",
                                       state=WorkItem.State.OPEN).exists()
    assert (batch.standing_members, batch.votes_for, batch.committee_ref) == (30, 16, MINUTES)
    assert batch.consultation_with == ["acfic", "parties"]
    assert set(batch.nominees.values_list("person", "nominated_by", "is_renomination", "outcome")) == {
        (w.member.pk, "party", False, "adopted"), (w.non_party.pk, "ufwd", True, "adopted")}
    assert batch.nominees.get(person=w.member).nominating_unit == w.party_unit


def test_the_party_group_opinion_is_skipped_on_the_timeline_without_a_re_nomination(phone, reps_world):
    """At phone width: the round's pages fit, and with no re-nominated member the 政协党组 is never asked."""
    walk = phone
    today = timezone.localdate().isoformat()

    page = round_started(walk, today, renomination=False)
    skipped = page.get_by_test_id("timeline").locator("li", has=page.get_by_text("按规则跳过环节", exact=True))
    expect(skipped).to_have_count(1)
    expect(skipped).to_contain_text("政协党组意见（连任人选）")
    walk.assert_fits(page, "代表人士推荐 (uf1, 审核把关)")
    walk.shot(page, "uf1-party-group-skipped")

    group = walk.login("partygroup1")
    group.get_by_test_id("nav-inbox").click()
    expect(group.get_by_test_id("inbox")).to_contain_text("暂无待办。")

    answer_request(walk, "jiwei1", "纪委监委廉政意见", "均未发现影响推荐的问题线索", names=("金玉珍", "海德胜"))
    page = open_round(walk, "uf1")
    vetting = page.get_by_test_id("chain-representative-vetting")
    expect(vetting).to_contain_text("已通过")
    # once the discipline organ has answered, the finished chain's diagram shows the stage skipped
    box = vetting.get_by_test_id("stage-box").filter(has_text="政协党组意见（连任人选）")
    expect(box).to_contain_text("已跳过")
    assert_in_order(timeline(page), ["开始审核把关", "按规则跳过环节", "廉政意见、政协党组意见已收齐"])
    walk.assert_fits(page, "代表人士推荐 (uf1, 征求意见已收齐)")
