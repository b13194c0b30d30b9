from django.shortcuts import get_object_or_404, redirect
from viewflow.workflow.models import Task


def open_case_of_task(request, *args, task_pk=None, **kwargs):
    """A flow task's page is its case's page."""
    task = get_object_or_404(Task.objects.select_related("process__case"), pk=task_pk)
    return redirect("case_detail", reference=task.process.case.reference)
