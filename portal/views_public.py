"""The public verification of a receipt: no login; anyone holding a receipt's code sees what the
receipt attests (and whether its digest still holds), nothing more; rate-limited by address."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.context import client_address
from cases.receipts import TooManyLookups, receipt_context, receipt_verify


@require_GET
def verify(request):
    code = request.GET.get("code", "").strip()
    context = {"code": code, "receipt": None, "checked": False}
    status = 200
    if code:
        try:
            found = receipt_verify(code, client_address(request))
        except TooManyLookups as exc:
            context["error"] = str(exc)
            return render(request, "portal/verify.html", context, status=429)
        context["checked"] = True
        if found is not None:
            shown = receipt_context(found)
            context.update(receipt=found, type=shown["type"], kind_label=shown["kind_label"], holds=shown["holds"])
        else:
            status = 404
    return render(request, "portal/verify.html", context, status=status)
