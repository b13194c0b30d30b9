"""Counter intake: a staff member files any request for a person who came to the branch, with the
same form the portal shows (the registry's), as themselves acting for that person.

The person is found by social security number among the people of the branches where the user
works cases (guardian's rows); anyone else is "not found". The filing service checks the
authority again and records the staff member as the actor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cases import catalog, labels
from cases.forms import filing_form
from cases.models import Receipt
from cases.receipts import normalised, pdf_response, receipt_context, receipt_issue, receipt_pdf, submitted_by
from registry.models import Person
from registry.selectors import on_file
from roles.errors import DomainError

WORK = "roles.work_cases"


def _person_at_counter(request, ssn):
    """The person with ``ssn`` if the user works cases at their branch; else None."""
    person = Person.objects.select_related("branch").filter(ssn=(ssn or "").strip()).first()
    if person is None or not request.user.has_perm(WORK, person.branch):
        return None
    return person


@login_required
@require_GET
def counter(request):
    """Find the person by their social security number, then choose the request."""
    ssn = request.GET.get("ssn", "")
    person = _person_at_counter(request, ssn) if ssn else None
    context = {
        "ssn": ssn,
        "person": person,
        "not_found": bool(ssn) and person is None,
        "kinds": labels.filing_kinds(),
        "section": "counter",
    }
    return render(request, "backoffice/counter.html", context, status=404 if context["not_found"] else 200)


@login_required
@require_http_methods(["GET", "POST"])
def counter_file(request, ssn, case_type):
    spec = catalog.TYPES.get(case_type)
    person = _person_at_counter(request, ssn)
    if spec is None or person is None:
        raise Http404(_("No such person in your branches."))
    today = timezone.localdate()
    form = filing_form(spec, request.POST, person=person, asked=request.GET, on=today, files=request.FILES)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                case = form.file(request.user)
                receipt = receipt_issue(
                    case=case, kind=Receipt.Kind.FILED, submitted=submitted_by(form), actor=request.user
                )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("%(type)s %(ref)s was filed for %(name)s. Hand over the printed receipt.")
                % {"type": labels.type_label(case_type), "ref": case.reference, "name": person},
            )
            return redirect(reverse("counter_receipt", kwargs={"code": receipt.code}))
    context = {
        "form": form,
        "person": person,
        "case_type": case_type,
        "label": labels.type_label(case_type),
        "on_file": on_file(person, today),
        "section": "counter",
    }
    return render(
        request, "backoffice/counter_file.html", context, status=400 if form.is_bound and form.errors else 200
    )


def _counter_receipt(request, code):
    """A receipt of a person of the user's branches (else 404)."""
    found = (
        Receipt.objects.select_related("case__owning_unit", "person__branch", "actor")
        .filter(code=normalised(code))
        .first()
    )
    if found is None or not request.user.has_perm(WORK, found.person.branch):
        raise Http404(_("No such receipt in your branches."))
    return found


@login_required
@require_GET
def counter_receipt(request, code):
    """The receipt to print and hand over."""
    found = _counter_receipt(request, code)
    context = {"receipt": found, "section": "counter", **receipt_context(found)}
    return render(request, "backoffice/counter_receipt.html", context)


@login_required
@require_GET
def counter_receipt_pdf(request, code):
    found = _counter_receipt(request, code)
    return pdf_response(receipt_pdf(found, request), found)
