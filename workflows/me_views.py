"""A user's own settings for the approval actions: 委托 and 常用语; and 工作交接 for administrators."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import access, stages
from .errors import ServiceError
from .models import Delegation, UserPhrase


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(label=gettext_lazy("受托人"), queryset=get_user_model().objects.none())
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=gettext_lazy("事由"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        field.queryset = get_user_model().objects.filter(is_active=True).exclude(pk=user.pk).order_by("username")
        field.label_from_instance = lambda u: f"{u.get_full_name() or u.get_username()}（{u.get_username()}）"


class PhraseForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("常用语"), max_length=200)


class HandoverForm(forms.Form):
    departing = forms.ModelChoiceField(label=gettext_lazy("离岗人员"), queryset=get_user_model().objects.none())
    successor = forms.ModelChoiceField(label=gettext_lazy("接替人员"), queryset=get_user_model().objects.none())
    comment = forms.CharField(label=gettext_lazy("说明"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        for name in ("departing", "successor"):
            self.fields[name].queryset = users
            self.fields[name].label_from_instance = lambda u: f"{u.get_full_name() or u.get_username()}（{u.get_username()}）"


@access.rule(access.AUTHENTICATED)
@login_required
def my_settings(request, delegation_form=None, phrase_form=None):
    user = request.user
    today = timezone.localdate()
    if request.method == "POST" and "delegate" in request.POST:
        delegation_form = DelegationForm(request.POST, user=user)
        if delegation_form.is_valid():
            data = delegation_form.cleaned_data
            try:
                stages.delegation_create(actor=user, principal=user, delegate=data["delegate"],
                                         starts_on=data["starts_on"], ends_on=data["ends_on"], reason=data["reason"])
            except ServiceError as error:
                delegation_form.add_error(error.field if error.field in delegation_form.fields else None, error.message)
            else:
                messages.success(request, _("委托已设置。"))
                return redirect("workflows:my_settings")
    if request.method == "POST" and "text" in request.POST:
        phrase_form = PhraseForm(request.POST)
        if phrase_form.is_valid():
            stages.phrase_add(actor=user, text=phrase_form.cleaned_data["text"])
            messages.success(request, _("常用语已添加。"))
            return redirect("workflows:my_settings")
    return render(request, "workflows/my_settings.html", {
        "given": Delegation.objects.filter(principal=user, ends_on__gte=today).select_related("delegate"),
        "received": Delegation.objects.filter(delegate=user, ends_on__gte=today).select_related("principal"),
        "phrases": UserPhrase.objects.filter(user=user),
        "delegation_form": delegation_form or DelegationForm(user=user),
        "phrase_form": phrase_form or PhraseForm(),
    })


@access.rule(access.OBJECT)
@require_POST
@login_required
def delegation_end(request, pk):
    delegation = Delegation.objects.filter(pk=pk, principal=request.user).first()
    if delegation is None:
        raise access.deny(request, subject=delegation, reason="delegation")
    stages.delegation_end(actor=request.user, delegation=delegation)
    messages.success(request, _("委托已结束。"))
    return redirect("workflows:my_settings")


@access.rule(access.OBJECT)
@require_POST
@login_required
def phrase_remove(request, pk):
    phrase = UserPhrase.objects.filter(pk=pk, user=request.user).first()
    if phrase is None:
        raise access.deny(request, subject=phrase, reason="phrase")
    phrase.delete()
    return redirect("workflows:my_settings")


@access.rule(access.ROLE)
@login_required
def handover(request):
    """工作交接: an administrator moves a departing person's open tasks, roles, units and grants to a successor."""
    if not request.user.is_superuser:
        raise access.deny(request, reason="handover")
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = stages.handover(actor=request.user, departing=data["departing"], successor=data["successor"],
                                    comment=data["comment"])
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("已移交 %(count)s 项待办，原账号已停用，历史记录保留。") % {"count": moved})
            return redirect("workflows:handover")
    return render(request, "workflows/handover.html", {"form": form})
