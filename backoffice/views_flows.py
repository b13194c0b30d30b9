"""Flow pictures: every case type's flow, and one type's flow, as server-drawn diagrams.

The pictures show code, not cases: they read no row. The layout of each type is computed once per
process by ``backoffice.charts``; the templates only draw it.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import charts


@login_required
@require_GET
def flow_index(request):
    flows = [{"case_type": case_type, "title": charts.chart_for(case_type).title} for case_type in charts.case_types()]
    return render(request, "backoffice/flows/index.html", {"flows": flows, "section": "flows"})


@login_required
@require_GET
def flow_detail(request, case_type):
    if case_type not in charts.case_types():
        raise Http404
    chart = charts.chart_for(case_type)
    return render(
        request,
        "backoffice/flows/detail.html",
        {"case_type": case_type, "title": chart.title, "section": "flows"},
    )
