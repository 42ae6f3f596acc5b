import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Preference

MOBILE = re.compile(r"^1\d{10}$")


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email", "sms", "mobile"]

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].strip().replace(" ", "").replace("-", "")
        if mobile and not MOBILE.match(mobile):
            raise forms.ValidationError(_("请填写 11 位手机号码。"))
        return mobile

    def clean(self):
        data = super().clean()
        if data.get("sms") and not data.get("mobile"):
            self.add_error("mobile", _("接收短信需要填写手机号码。"))
        return data
