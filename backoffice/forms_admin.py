"""Forms of the administration pages. They only parse input; roles.services decides what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import DateInput
from roles.models import Role
from roles.powers import ROLE_POWERS, Power


class UnitChoiceField(forms.ModelChoiceField):
    """A unit of the administrator's subtree, shown indented under its parent."""

    def __init__(self, *args, base_depth=0, **kwargs):
        self.base_depth = base_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return "\u2003" * max(obj.depth - self.base_depth, 0) + f"{obj.name} ({obj.code})"


def _units_field(label, units, *, required=True, empty_label=None):
    """``units``: the administrator's units (a query), with ``base_depth``, the depth of the topmost
    (read without running the query, which runs once, when the choices are shown)."""
    base = getattr(units, "base_depth", 1)
    return UnitChoiceField(
        label=label,
        queryset=units,
        required=required,
        empty_label=empty_label or _("Choose a unit"),
        base_depth=base,
    )


class UnitListField(forms.ChoiceField):
    """A unit among ``units``, a list already read (with their levels), shown indented under its
    parent; cleans to the unit."""

    def __init__(self, *args, units, empty_label, **kwargs):
        base = min((u.depth for u in units), default=1)
        self.units = {str(u.pk): u for u in units}
        choices = [("", empty_label)] + [
            (str(u.pk), "\u2003" * (u.depth - base) + f"{u.name} ({u.code})") for u in units
        ]
        super().__init__(*args, choices=choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.units.get(value) if value else None


def level_choices(levels):
    """The levels as choices, from the top down, by their (translated) names."""
    return [(level.code, level.label) for level in sorted(levels, key=lambda lv: (lv.rank, lv.code))]


class UnitCreateForm(forms.Form):
    parent = forms.ChoiceField(label=_("Belongs to"))
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    level = forms.ChoiceField(label=_("Level"))

    def __init__(self, *args, units, levels, **kwargs):
        """``units``: the administrator's units with their levels (a list, read once for the page);
        ``levels``: every level. A new unit goes below the administrator's topmost unit, so only the
        levels ranked below that unit's are offered (roles.services decides the rest)."""
        super().__init__(*args, **kwargs)
        self.fields["parent"] = UnitListField(label=_("Belongs to"), units=units, empty_label=_("Choose a unit"))
        top = min((u.org_level.rank for u in units), default=-1)
        self.fields["level"].choices = level_choices(lv for lv in levels if lv.rank > top)


class StaffFilterForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, required=False)
    name = forms.CharField(label=_("Login or name contains"), required=False, max_length=100)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _units_field(_("Unit"), units, required=False, empty_label=_("All units"))

    def filters(self):
        """The selector's keyword arguments (an invalid form filters nothing)."""
        if not self.is_valid():
            return {}
        return {"unit": self.cleaned_data["unit"], "name": self.cleaned_data["name"].strip()}


class StaffCreateForm(forms.Form):
    username = forms.CharField(label=_("Login"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    role = forms.ChoiceField(label=_("First role"), choices=Role.choices)
    valid_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    valid_to = forms.DateField(label=_("Until"), required=False, widget=DateInput)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _units_field(_("Unit"), units)


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    valid_from = forms.DateField(
        label=_("From"), required=False, widget=DateInput, help_text=_("Leave empty to start today.")
    )
    valid_to = forms.DateField(
        label=_("Until"), required=False, widget=DateInput, help_text=_("Leave empty for no end.")
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _units_field(_("Unit"), units)


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", _("Active")), ("0", _("Inactive"))], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


class DelegationCreateForm(forms.Form):
    delegate = forms.CharField(label=_("Login of the delegate"), max_length=150)
    valid_from = forms.DateField(label=_("From"), widget=DateInput)
    valid_to = forms.DateField(label=_("Until"), widget=DateInput)
    powers = forms.MultipleChoiceField(
        label=_("Powers"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every power of the role."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, role, find_delegate, **kwargs):
        """``find_delegate(login)``: the person of the administrator's subtree with that login, or None."""
        super().__init__(*args, **kwargs)
        self.find_delegate = find_delegate
        self.fields["powers"].choices = [
            (power, label) for power, label in Power.LABELS.items() if power in ROLE_POWERS.get(role, ())
        ]

    def clean_delegate(self):
        person = self.find_delegate(self.cleaned_data["delegate"].strip())
        if person is None:
            raise forms.ValidationError(_("Nobody with this login belongs to your part of the organisation."))
        return person


class AuthorityLimitForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    level = forms.ChoiceField(label=_("Level"))
    amount = forms.DecimalField(
        label=_("Limit"),
        required=False,
        max_digits=14,
        decimal_places=2,
        localize=True,
        help_text=_("Leave empty for no limit."),
    )
    valid_from = forms.DateField(label=_("From"), widget=DateInput)

    def __init__(self, *args, levels, **kwargs):
        """``levels``: every level of the organisation."""
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = level_choices(levels)


class ParameterChangeForm(forms.Form):
    key = forms.ChoiceField(label=_("Parameter"))
    value = forms.DecimalField(label=_("New value"), max_digits=18, decimal_places=6, localize=True)
    valid_from = forms.DateField(label=_("In force from"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The law, decree or decision it follows. Kept in the audit trail."),
    )
    confirmed = forms.BooleanField(
        label=_("I have read what this change does and confirm it"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, keys, confirming=False, **kwargs):
        """``keys``: (key, label) of every parameter; ``confirming``: show the confirmation box."""
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = keys
        if confirming:
            self.fields["confirmed"].widget = forms.CheckboxInput()
