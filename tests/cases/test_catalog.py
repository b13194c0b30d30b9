"""The registry of case types: every type declares every piece, and the rest of the application
reads its declaration. A type that lacks a piece fails here."""

from pathlib import Path

from django import forms as django_forms
from django.conf import settings
from django.utils.module_loading import import_string
from django_fsm import FSMFieldMixin

from backoffice import charts, views
from cases import catalog, deadlines, forms, labels, seeding
from cases.models import CASE_MODELS, CaseType

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "backoffice" / "types"
# What the person concerned may do on a case of every type, online or at a counter.
PERSON_SERVICES = ("withdraw",)


def model_states(model):
    return set(model.States.values)


def transitions(model):
    field = next(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))
    return {t.name for t in field.get_all_transitions(model)}


def test_every_case_type_is_declared_once():
    assert set(catalog.TYPES) == set(CaseType.values)
    assert all(spec.case_type == key for key, spec in catalog.TYPES.items())


def test_every_declaration_has_every_piece():
    for case_type, spec in catalog.TYPES.items():
        model, flow = spec.model, spec.flow
        assert model is CASE_MODELS[case_type], case_type
        # Its states are labelled, in the one module of labels.
        assert model_states(model) <= set(labels.state_labels(case_type)), case_type
        # Every transition has a label, and every human step of its flow a title and a queue.
        for name in transitions(model):
            assert name in labels.TRANSITION_LABELS, (case_type, name)
        assert set(labels.step_titles(flow)) == set(flow.QUEUE_PERMISSIONS), case_type
        # Its services: a withdrawal for the person, and the file/request entry point.
        for service in PERSON_SERVICES:
            assert callable(spec.service(service)), (case_type, service)
        # A deadline policy the deadline job knows.
        assert spec.deadline in catalog.POLICIES, case_type
        assert deadlines.RULES[case_type].escalation == spec.deadline
        # Demo scenarios leaving cases in real states (grievances are also escalated).
        assert set(spec.demo) - {"escalated"} <= model_states(model), case_type
        # Step checks only for steps of its flow.
        assert set(spec.step_checks) <= set(flow.QUEUE_PERMISSIONS), case_type
        # Its actions, each with a form and one service call; the form that files it; the demo's builder.
        assert spec.actions and views.ACTIONS[case_type] is spec.actions, case_type
        for slug, action in spec.actions.items():
            assert issubclass(action.form_class, django_forms.Form) and callable(action.run), (case_type, slug)
        assert issubclass(spec.filing, forms.FilingForm), case_type
        assert callable(import_string(spec.demo_builder)), case_type
        # The pages: a details panel, a flow chart.
        assert (TEMPLATES / f"{case_type}.html").exists(), case_type
        assert case_type in charts.case_types(), case_type


def test_the_demo_and_the_deadline_job_read_the_registry(monkeypatch):
    built = []
    monkeypatch.setattr(catalog.CaseTypeSpec, "build_demo", lambda spec, cast: built.append(spec.case_type) or 1)
    assert seeding.ensure_cases(cast=None) == dict.fromkeys(catalog.TYPES, 1)  # each type's own builder
    assert built == list(catalog.TYPES)
    assert {t: r.escalation for t, r in deadlines.RULES.items()} == {
        t: spec.deadline for t, spec in catalog.TYPES.items()
    }


def test_every_decision_step_has_its_check():
    """A step whose queue decides (or sits as a commission) has a check of its own: four eyes or
    membership. Only the grievance's answer, whose priority decides who may give it, has none."""
    for case_type, spec in catalog.TYPES.items():
        deciding = {
            node
            for node, perm in spec.flow.QUEUE_PERMISSIONS.items()
            if perm in ("roles.decide_cases", "roles.medical_cases")
        }
        if case_type == CaseType.GRIEVANCE:
            continue
        assert deciding == set(spec.step_checks), case_type
