"""The minimum a proposal walk needs, created with production settings (DEBUG off), for deploy/multinode/check.py.

Run as ``manage.py shell -c "exec(open('deploy/multinode/seed.py').read())"``. It prints one JSON line with the ids
the walk needs. ``seed_demo`` is not used: it refuses to run without DEBUG (it creates accounts with the published
demo password) and loads 200 nomination people in about 40 s, which the walk does not need. This is the persona set of
tests/personas.py (the test factories, so the dev extra must be installed): a current term, one member, 提案委 staff
and its head, 督查室, one handling unit with its clerk (经办人) and 分管领导. The review and reply chains, roles,
calendar and deadline rules come from the migrations. Every account has an e-mail address, so each notification of
the walk is also an e-mail delivery in the outbox.
"""

import json

from proposals import roles
from tests.factories import MemberFactory, TermFactory, TopicFactory, UnitFactory, UnitMembershipFactory, UserFactory
from workflows.models import UnitMembership

term = TermFactory()
topic = TopicFactory()
education = UnitFactory(name="县教育局")
MemberFactory(term=term, user=UserFactory(username="member1", first_name="李明华", roles=[roles.MEMBER]))
UserFactory(username="staff1", first_name="陈晓静", roles=[roles.STAFF])
UserFactory(username="stafflead1", first_name="郑主任", roles=[roles.STAFF_HEAD])
UserFactory(username="office1", first_name="刘振东", roles=[roles.SUPERVISION_OFFICE])
UnitMembershipFactory(unit=education, user=UserFactory(username="unit1", first_name="赵老师", roles=[roles.UNIT_HANDLER]))
UnitMembershipFactory(unit=education, user=UserFactory(username="unitlead1", first_name="孙局长", roles=[roles.UNIT_LEADER]),
                      role=UnitMembership.Role.LEADER)
print(json.dumps({"unit": education.pk, "topic": topic.pk, "term": term.pk}))
