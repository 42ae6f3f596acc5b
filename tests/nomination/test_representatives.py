"""Representative recommendation (DOMAIN §5.3) through the services and pages: consultation before party
nominees, the parallel vetting opinions with the 政协党组 skipped for new names, the list's sign-off, the committee,
the CPPCC majority, the NPC list days counted back from the election, and upward recommendation."""

import datetime

import pytest
import time_machine

from nomination import chains
from nomination import representatives as reps
from nomination.models import RepresentativeBatch, RepStatus
from tests.factories import UserFactory
from workflows import stages
from workflows.errors import PermissionDeniedError, ServiceError, StaleStateError
from workflows.models import AuditEvent

from .cases import at
from .conftest import in_pool, make_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def autumn_2025():
    with time_machine.travel(at(2025, 9, 15, 9), tick=False):
        yield


@pytest.fixture
def w(cadres):
    cadres.partygroup1 = UserFactory(username="partygroup1", first_name="政协党组", roles=["cppcc_party_group"])
    return cadres


def reload(batch):
    return RepresentativeBatch.objects.get(pk=batch.pk)


def nominated(w, *, body="county_cppcc", renomination=True, **kw):
    batch = reps.batch_create(actor=w.uf1, body=body, term_name="政协同心县第十一届委员会", seats=3,
                              quota_plan="民盟 1 名，无党派 1 名，工商联 1 名。", **kw)
    member = in_pool(w, name="金玉珍", party="minmeng", id_number=make_id_number(sequence=11))  # party1's unit
    non_party = in_pool(w, name="海德胜", party="non_party", unit=w.other_party, id_number=make_id_number(sequence=13))
    reps.nominee_add(actor=w.party1, batch=batch, person=member, nominated_by="", sector="民盟",
                     reason="参政议政能力强。")
    reps.nominee_add(actor=w.uf1, batch=batch, person=non_party, nominated_by="ufwd", sector="无党派人士",
                     reason="无党派代表人士。", is_renomination=renomination)
    return reload(batch)


def vetting(w, **kw):
    batch = nominated(w, **kw)
    reps.consultation_record(actor=w.uf1, batch=batch, held_on=datetime.date(2025, 9, 15), consulted=["parties"],
                             summary="与各民主党派县委协商一致。")
    return reps.vetting_start(actor=w.uf1, batch=batch)


def task(user, batch, slot):
    run = stages.running_chain(batch, slot)
    return run.tasks.filter(status="open", assignee=user).first() if run else None


def approved(w, **kw):
    batch = vetting(w, **kw)
    stages.approve(actor=w.jiwei1, task=task(w.jiwei1, batch, chains.REP_VETTING), comment="均未发现问题线索")
    if task(w.partygroup1, batch, chains.REP_VETTING):
        stages.approve(actor=w.partygroup1, task=task(w.partygroup1, batch, chains.REP_VETTING), comment="同意")
    for nominee in batch.nominees.all():
        reps.nominee_check(actor=w.uf1, nominee=nominee, political=True, integrity=True, image=True)
    batch = reps.opinions_record(actor=w.uf1, batch=reload(batch), summary="征求县人大、政协党组意见，无不同意见。")
    stages.approve(actor=w.uflead1, task=task(w.uflead1, batch, chains.REP_LIST))
    stages.approve(actor=w.orglead1, task=task(w.orglead1, batch, chains.REP_LIST))
    assert reload(batch).status == RepStatus.SUBMITTED
    return reps.committee_record(actor=w.org1, batch=reload(batch), approved=True,
                                 held_on=datetime.date(2025, 9, 20), minutes_ref="县委常委会〔2025〕20次")


def test_a_cppcc_round_runs_to_its_announcement(w):
    batch = approved(w)
    assert batch.status == RepStatus.APPROVED
    with pytest.raises(ServiceError) as error:
        reps.cppcc_adopt(actor=w.uf1, batch=batch, held_on=datetime.date(2025, 9, 25), standing_members=30,
                         votes_for=15)
    assert error.value.code == "not_adopted" and "过半数" in error.value.message
    batch = reps.cppcc_adopt(actor=w.uf1, batch=batch, held_on=datetime.date(2025, 9, 25), standing_members=30,
                             votes_for=16)
    assert set(batch.nominees.values_list("outcome", flat=True)) == {"adopted"}
    batch = reps.cppcc_announce(actor=w.uf1, batch=batch, announced_on=datetime.date(2025, 9, 26))
    assert batch.status == RepStatus.ANNOUNCED
    assert reload(batch).status == RepStatus.ANNOUNCED


def test_party_nominees_need_consultation_with_the_parties_first(w):
    batch = nominated(w)
    with pytest.raises(ServiceError) as error:
        reps.consultation_record(actor=w.uf1, batch=batch, held_on=datetime.date(2025, 9, 15), consulted=[],
                                 summary="内部研究。")
    assert error.value.code == "consultation_missing" and "民主党派" in error.value.message


def test_the_party_group_is_heard_only_on_re_nominations_and_skipped_visibly_otherwise(w):
    batch = vetting(w, renomination=False)
    run = stages.running_chain(batch, chains.REP_VETTING)
    assert list(run.tasks.values_list("stage__key", flat=True)) == [chains.REP_INTEGRITY]
    assert AuditEvent.objects.filter(subject_id=str(batch.pk), action="chain.stage_skipped",
                                     comment="政协党组意见（连任人选）").exists()


def test_a_nominee_failing_a_check_is_left_off_the_list(w):
    batch = vetting(w)
    stages.approve(actor=w.jiwei1, task=task(w.jiwei1, batch, chains.REP_VETTING), comment="无问题")
    stages.approve(actor=w.partygroup1, task=task(w.partygroup1, batch, chains.REP_VETTING), comment="同意")
    first, second = batch.nominees.order_by("pk")
    with pytest.raises(ServiceError):
        reps.nominee_check(actor=w.uf1, nominee=first, political=True, integrity=True, image=False)
    reps.nominee_check(actor=w.uf1, nominee=first, political=True, integrity=True, image=False, note="社会形象欠佳")
    assert reload(batch).status == RepStatus.VETTING
    reps.nominee_check(actor=w.uf1, nominee=second, political=True, integrity=True, image=True)
    batch = reload(batch)
    assert batch.status == RepStatus.LIST_COMPILED
    assert list(batch.nominees.filter(listed=True)) == [second]


def test_npc_candidate_lists_are_counted_back_from_the_election_day_in_calendar_days(w):
    batch = approved(w, body="county_npc")
    batch = reps.npc_nominate(actor=w.uf1, batch=batch, election_date=datetime.date(2025, 12, 1))
    assert reps.list_deadlines(batch) == {"list": datetime.date(2025, 11, 16), "formal": datetime.date(2025, 11, 24)}
    with pytest.raises(ServiceError) as error:
        reps.npc_publish_list(actor=w.uf1, batch=batch, published_on=datetime.date(2025, 11, 17))
    assert error.value.code == "list_too_late" and "2025-11-16" in error.value.message
    batch = reps.npc_publish_list(actor=w.uf1, batch=batch, published_on=datetime.date(2025, 11, 16))  # a Sunday
    with pytest.raises(ServiceError):
        reps.npc_publish_formal_list(actor=w.uf1, batch=batch, published_on=datetime.date(2025, 11, 25))
    batch = reps.npc_publish_formal_list(actor=w.uf1, batch=batch, published_on=datetime.date(2025, 11, 24))
    elected = batch.nominees.order_by("pk").first()
    batch = reps.npc_results(actor=w.uf1, batch=batch, elected_ids=[elected.pk])
    assert batch.status == RepStatus.ELECTED
    assert sorted(batch.nominees.values_list("outcome", flat=True)) == ["elected", "not_elected"]


def test_prefecture_seats_end_in_a_recorded_upward_recommendation(w):
    batch = approved(w, body="pref_cppcc")
    with pytest.raises(StaleStateError):  # the 州's own CPPCC adopts them, not the county's
        reps.cppcc_adopt(actor=w.uf1, batch=batch, held_on=datetime.date(2025, 9, 25), standing_members=30,
                         votes_for=20)
    batch = reps.upward_send(actor=w.uf1, batch=batch, reference="同统呈〔2025〕4号")
    batch = reps.upward_result(actor=w.uf1, batch=batch, outcome="州政协常委会协商通过 2 人")
    assert batch.status == RepStatus.CLOSED


def test_the_committee_may_send_the_list_back(w):
    batch = vetting(w)
    stages.approve(actor=w.jiwei1, task=task(w.jiwei1, batch, chains.REP_VETTING), comment="无")
    stages.approve(actor=w.partygroup1, task=task(w.partygroup1, batch, chains.REP_VETTING), comment="同意")
    for nominee in batch.nominees.all():
        reps.nominee_check(actor=w.uf1, nominee=nominee, political=True, integrity=True, image=True)
    reps.opinions_record(actor=w.uf1, batch=reload(batch), summary="无不同意见。")
    stages.approve(actor=w.uflead1, task=task(w.uflead1, batch, chains.REP_LIST))
    stages.approve(actor=w.orglead1, task=task(w.orglead1, batch, chains.REP_LIST))
    with pytest.raises(PermissionDeniedError):  # the 组织部 records the committee, not the UFWD
        reps.committee_record(actor=w.uf1, batch=reload(batch), approved=True, held_on=datetime.date(2025, 9, 20),
                              minutes_ref="x")
    batch = reps.committee_record(actor=w.org1, batch=reload(batch), approved=False,
                                  held_on=datetime.date(2025, 9, 20), minutes_ref="第20次", note="调整界别结构")
    assert batch.status == RepStatus.LIST_COMPILED
    reps.opinions_record(actor=w.uf1, batch=batch, summary="按县委意见调整后再次征求意见。")
    assert stages.running_chain(batch, chains.REP_LIST) is not None


def test_a_party_organisation_nominates_only_in_its_own_name_and_sees_only_its_nominees(client, w):
    batch = nominated(w)
    other = in_pool(w, name="罗春燕", party="minjian", unit=w.other_party,  # put forward by another party
                    id_number=make_id_number(sequence=15))
    with pytest.raises(PermissionDeniedError):
        reps.nominee_add(actor=w.party1, batch=batch, person=other, nominated_by="", sector="民建", reason="x")
    client.force_login(w.party1)
    page = client.get(f"/nomination/representatives/{batch.pk}/").content.decode()
    assert "金玉珍" in page and "海德胜" not in page and "办理过程" not in page
    client.force_login(w.cppcc_staff)
    assert client.get(f"/nomination/representatives/{batch.pk}/").status_code == 404


def test_the_discipline_organ_and_the_party_group_see_only_names_in_their_requests(client, w):
    batch = vetting(w)
    client.force_login(w.jiwei1)
    page = client.get(f"/nomination/representatives/{batch.pk}/request/").content.decode()
    assert "金玉珍" in page and "海德胜" in page and "纪委监委廉政意见" in page
    assert client.get(f"/nomination/representatives/{batch.pk}/").status_code == 404
    client.force_login(w.partygroup1)
    page = client.get(f"/nomination/representatives/{batch.pk}/request/").content.decode()
    assert "海德胜" in page and "金玉珍" not in page  # only the re-nominated member
    for hidden in ("参政议政能力强", "与各民主党派县委协商一致", "办理过程"):
        assert hidden not in page


def test_the_ufwd_runs_a_round_through_the_pages(client, w):
    client.force_login(w.uf1)
    response = client.post("/nomination/representatives/", {
        "body": "county_cppcc", "term_name": "政协同心县第十一届委员会", "seats": "3", "quota_plan": "民盟 1 名。"})
    batch = RepresentativeBatch.objects.get()
    assert response.status_code == 302 and batch.status == RepStatus.NOMINATION
    person = in_pool(w, name="海德胜", party="non_party", id_number=make_id_number(sequence=17))
    client.post(f"/nomination/representatives/{batch.pk}/step/", {
        "step": "nominee", "nominee-person": person.pk, "nominee-nominated_by": "ufwd", "nominee-sector": "无党派",
        "nominee-reason": "无党派代表人士。"})
    response = client.post(f"/nomination/representatives/{batch.pk}/step/", {
        "step": "consult", "consult-held_on": "2025-09-15", "consult-summary": "协商一致。"})
    assert reload(batch).status == RepStatus.CONSULTATION
    page = client.get(f"/nomination/representatives/{batch.pk}/").content.decode()
    assert "海德胜" in page and 'data-testid="rep-step-vet"' in page
