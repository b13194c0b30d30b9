"""Who may be registered as an insured person's dependant."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .benefits import age_on

WHOLLY_DISABLED_PERCENT = 100


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def dependant_eligibility(
    *, relationship, dependant_birth_date, on, insured_sex, wholly_disabled, supported, insured_elsewhere, p
):
    """A father of ``dependant.father_min_age`` or older, a mother of ``dependant.mother_min_age`` or
    older, the husband of an insured woman older than ``dependant.husband_min_age``, a child under
    ``dependant.child_max_age``, or anyone a medical commission declared wholly disabled; in every
    case supported by the insured person and not insured elsewhere."""
    if not supported:
        return Eligibility(False, _("The person is not supported by the insured person."))
    if insured_elsewhere:
        return Eligibility(False, _("The person is insured elsewhere."))
    if wholly_disabled:
        return Eligibility(True, _("Declared wholly disabled by a medical commission."))
    age = age_on(dependant_birth_date, on)
    rules = {
        "father": (age >= int(p["dependant.father_min_age"]), "dependant.father_min_age"),
        "mother": (age >= int(p["dependant.mother_min_age"]), "dependant.mother_min_age"),
        "child": (age < int(p["dependant.child_max_age"]), "dependant.child_max_age"),
        "spouse": (insured_sex == "F" and age > int(p["dependant.husband_min_age"]), "dependant.husband_min_age"),
    }
    ok, key = rules.get(relationship, (False, None))
    if ok:
        return Eligibility(True, _("Meets the age condition."))
    if key is None:
        return Eligibility(False, _("This relationship does not give a right to dependant's cover."))
    return Eligibility(False, _("The age condition (%(age)s) is not met.") % {"age": int(p[key])})
