"""Shapes of the claim API. Input serializers check types only; the rules are in cases.services."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import BenefitClaim
from workflows import routing


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable code: not_authorized, four_eyes, invalid_transition..."))
    message = serializers.CharField(help_text=_("Readable message in the request's language."))
    field = serializers.CharField(required=False, help_text=_("The input field at fault, if any."))


class PersonSerializer(serializers.Serializer):
    ssn = serializers.CharField()
    name = serializers.CharField(source="full_name")


class TaskSerializer(serializers.Serializer):
    step = serializers.CharField(help_text=_("review or decide"))
    status = serializers.CharField(help_text=_("NEW: in the queue; ASSIGNED: taken by its owner."))
    owner = serializers.CharField(allow_null=True)


class ClaimSerializer(serializers.ModelSerializer):
    owning_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deciding_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person = PersonSerializer(read_only=True)
    recommended_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    recommended_on_behalf_of = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_on_behalf_of = serializers.SlugRelatedField(slug_field="username", read_only=True)
    task = serializers.SerializerMethodField(help_text=_("The open task of the claim, if any."))

    class Meta:
        model = BenefitClaim
        fields = [
            "reference",
            "benefit_type",
            "state",
            "channel",
            "person",
            "owning_unit",
            "event_date",
            "submitted_at",
            "due_date",
            "assessment",
            "info_request",
            "info_due_date",
            "recommendation",
            "recommended_amount",
            "recommended_instalments",
            "recommendation_note",
            "recommended_by",
            "recommended_on_behalf_of",
            "deciding_unit",
            "decided_by",
            "decided_on_behalf_of",
            "decided_at",
            "decision_note",
            "approved_amount",
            "task",
        ]
        read_only_fields = fields

    @extend_schema_field(TaskSerializer(allow_null=True))
    def get_task(self, claim):
        task = routing.open_task(claim) if claim.process_id else None
        if task is None:
            return None
        owner = None
        if task.owner_id is not None:
            owner = get_user_model().objects.filter(pk=task.owner_id).values_list("username", flat=True).first()
        return {"step": task.flow_task.name, "status": task.status, "owner": owner}


class NoInputSerializer(serializers.Serializer):
    pass


class RequestInfoSerializer(serializers.Serializer):
    question = serializers.CharField(allow_blank=True, trim_whitespace=True)


class RecommendSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Monthly or one-off amount; omitted: the assessed amount."),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReassignSerializer(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        help_text=_("Login of the staff member who gets the task."),
    )
