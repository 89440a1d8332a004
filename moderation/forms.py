from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from moderation.models import Listing, Reason


class NoticeForm(forms.Form):
    """The public notice form (/report/): everything DSA Art. 16(2) asks of a notice."""

    listing = forms.CharField(
        label=_("Listing"),
        max_length=500,
        help_text=_("The listing's web address or its marketplace id."),
    )
    reason = forms.ChoiceField(label=_("What is wrong with it?"), choices=Reason.choices)
    explanation = forms.CharField(
        label=_("Why is it unlawful or infringing?"),
        min_length=20,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Explain clearly what you noticed, so that we can see the problem without further checks."),
    )
    evidence_urls = forms.CharField(
        label=_("Evidence links"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address per line, e.g. the genuine product page or a test purchase report."),
    )
    notifier_name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    notifier_email = forms.EmailField(
        label=_("Your e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    good_faith = forms.BooleanField(
        label=_("I confirm in good faith that the information in this notice is accurate and complete."),
    )

    def clean_listing(self):
        value = self.cleaned_data["listing"].strip()
        listing = Listing.objects.filter(external_id=value).first() or Listing.objects.filter(url=value).first()
        if listing is None:
            raise forms.ValidationError(_("We do not know this listing. Paste its full web address or its id."))
        return listing

    def clean_evidence_urls(self):
        lines = [line.strip() for line in self.cleaned_data["evidence_urls"].splitlines() if line.strip()]
        if len(lines) > 20:
            raise forms.ValidationError(_("At most 20 links, please."))
        validate = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                validate(line)
            except forms.ValidationError:
                raise forms.ValidationError(_("“%(line)s” is not a web address.") % {"line": line[:80]}) from None
        return lines


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Why is the decision wrong?"),
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Add facts we did not know, e.g. your authorization or invoices from the brand's distributor."),
    )


class DecideForm(forms.Form):
    """The decision form on the case screen (console)."""

    action = forms.ChoiceField(label=_("Action"))
    policy = forms.ModelChoiceField(label=_("Policy"), queryset=None, required=False)
    explanation = forms.CharField(
        label=_("Explanation for the seller"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the policy's statement template."),
    )
    ends_at = forms.DateTimeField(label=_("Suspension ends"), required=False, help_text=_("Only for a suspension."))
    territorial_scope = forms.CharField(
        label=_("Territorial scope"),
        required=False,
        help_text=_("Country codes separated by commas; empty = everywhere."),
    )
    unfounded = forms.BooleanField(label=_("Manifestly unfounded notice(s)"), required=False)

    def __init__(self, *args, actions, **kwargs):
        from moderation.models import Policy

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = actions
        self.fields["policy"].queryset = Policy.objects.filter(active=True)

    def clean_territorial_scope(self):
        raw = self.cleaned_data["territorial_scope"]
        codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
        bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
        if bad:
            raise forms.ValidationError(_("Not a country code: %(codes)s") % {"codes": ", ".join(bad)})
        return codes


class BulkDecideForm(forms.Form):
    policy = forms.ModelChoiceField(label=_("Policy"), queryset=None)
    explanation = forms.CharField(
        label=_("Explanation for the sellers"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        from moderation.models import Policy

        super().__init__(*args, **kwargs)
        self.fields["policy"].queryset = Policy.objects.filter(active=True)
