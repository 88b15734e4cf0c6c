from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Organization
from atiende.cmdb.models import SERVICE_CLASSES, ConfigurationItem
from atiende.tickets.models import Category

from .models import BODY_MAX, COMMENT_MAX, TITLE_MAX, Audience, Language


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 18, "class": "kb-editor"}),
        help_text=_(
            "Markdown: **bold**, *italic*, lists with -, headings with #, links [text](url)."
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separated by commas."), max_length=1000
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services and configuration items"),
        queryset=ConfigurationItem.objects.filter(ci_class__in=SERVICE_CLASSES).order_by("name"),
        required=False,
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.all(), required=False
    )
    review_on = forms.DateField(
        label=_("Review date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def action_arguments(self, *, creating: bool) -> dict:
        data = self.cleaned_data
        out = {
            "title": data["title"],
            "body": data["body"],
            "audience": data["audience"],
            "organization_id": data["organization"].pk if data["organization"] else None,
            "category_id": data["category"].pk if data["category"] else None,
            "tags": [t.strip() for t in (data["tags"] or "").split(",") if t.strip()],
            "item_ids": [item.pk for item in data["services"]],
            "review_on": data["review_on"],
        }
        if creating:
            out["language"] = data["language"]
        return out


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(
        label=_("Tell us more (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
