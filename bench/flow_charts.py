"""Cost of the flow pictures: the layout of each case type and its first drawing (once per process
and language), then the drawing of a case's position on its page (every request). No database.

    .venv/bin/python bench/flow_charts.py

Test settings: the drawing reads no row, and the test settings need no collected static files.
"""

import os
import time
from types import SimpleNamespace

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings_test")

from _setup import django_setup, timed  # noqa: E402

django_setup()

from django.template import Context, Template  # noqa: E402
from django.utils import translation  # noqa: E402

from backoffice import charts  # noqa: E402
from backoffice.templatetags.flow_charts import diagram_svg  # noqa: E402
from cases.models import CASE_MODELS  # noqa: E402
from workflows.flow_classes import FLOW_CLASSES  # noqa: E402


def main():
    tag = Template("{% load flow_charts %}{% case_flow_chart case %}")
    print(f"{'case type':<22} {'layout ms':>9} {'first page ms':>13} {'next pages ms (median/worst)':>29} {'KiB':>5}")
    for case_type in charts.case_types():
        start = time.perf_counter()
        chart = charts.layout(case_type)
        layout_ms = (time.perf_counter() - start) * 1000
        # A state in the middle of the flow; the protected field is set once, when built.
        case = CASE_MODELS[case_type](
            pk=1, case_type=case_type, reference="X-1", state=chart.nodes[len(chart.nodes) // 2].key
        )
        task = SimpleNamespace(flow_task=getattr(FLOW_CLASSES[case_type], chart.steps[0].name))
        context = {"case": case, "task": task}
        with translation.override("en"):
            diagram_svg.cache_clear()
            start = time.perf_counter()
            tag.render(Context(context))
            first_ms = (time.perf_counter() - start) * 1000
            median, worst, html = timed(lambda context=context: tag.render(Context(context)), 200)
        print(
            f"{case_type:<22} {layout_ms:>9.1f} {first_ms:>13.1f} {median:>19.2f} / {worst:>7.2f} {len(html) / 1024:>5.1f}"
        )


if __name__ == "__main__":
    main()
