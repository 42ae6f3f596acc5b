"""factory_boy factories shared by the test tree (Chinese names via Faker zh_CN)."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from proposals.models import Member, Term, Topic
from workflows.models import Unit, UnitMembership


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("Tongxin@2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for code in extracted or ():
            self.groups.add(Group.objects.get(name=code))


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"县第{n}局")
    kind = Unit.Kind.HANDLING


class UnitMembershipFactory(DjangoModelFactory):
    class Meta:
        model = UnitMembership

    unit = factory.SubFactory(UnitFactory)
    user = factory.SubFactory(UserFactory)
    role = UnitMembership.Role.HANDLER


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("number",)

    number = 10
    name = "政协同心县第十届委员会"
    starts_on = datetime.date(2022, 1, 10)
    ends_on = datetime.date(2027, 1, 9)
    is_current = True


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member

    term = factory.SubFactory(TermFactory)
    user = factory.SubFactory(UserFactory, roles=["cppcc_member"])
    name = factory.LazyAttribute(lambda m: m.user.first_name)
    sector = "无党派人士"
    group = "第一组"
    affiliation = Member.Affiliation.NON_PARTY
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")
    address = factory.Sequence(lambda n: f"同心县民主路{n}号")


class TopicFactory(DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("name",)

    name = "教科文卫"
