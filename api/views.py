"""Claim endpoints for staff. Each view finds the claim the user may see, checks the input's
types, calls one function of ``cases.services`` and answers with the claim as it now is.
Refusals are domain errors, turned into responses by ``api.errors``."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from cases import services

from . import serializers as s
from .selectors import claim_by_pk, visible_claim

ERROR_MEANINGS = {
    403: _("Not authenticated, or not authorised: not_authorized, four_eyes, authority_limit_exceeded."),
    404: _("No such claim, or not one you may see: not_found."),
    409: _("Not possible in the claim's current state, or the task is someone else's: invalid_transition, conflict."),
    422: _("Invalid input: invalid, with the field at fault."),
}


def _errors(*statuses):
    return {status: OpenApiResponse(s.ErrorSerializer, description=ERROR_MEANINGS[status]) for status in statuses}


def _action(input_serializer, operation_id, summary):
    return extend_schema_view(
        post=extend_schema(
            request=input_serializer,
            responses={200: s.ClaimSerializer, **_errors(403, 404, 409, 422)},
            operation_id=operation_id,
            summary=summary,
            description=_("Answers with the claim after the action."),
            tags=["claims"],
        )
    )


class ClaimView(GenericAPIView):
    serializer_class = s.ClaimSerializer

    def get_claim(self):
        return visible_claim(self.request.user, self.kwargs["reference"])

    def claim_response(self, claim):
        return Response(s.ClaimSerializer(claim, context=self.get_serializer_context()).data)


@extend_schema_view(
    get=extend_schema(
        responses={200: s.ClaimSerializer, **_errors(403, 404)},
        operation_id="claim_detail",
        summary=_("A claim you may see"),
        tags=["claims"],
    )
)
class ClaimDetail(ClaimView):
    def get(self, request, reference):
        return self.claim_response(self.get_claim())


class ClaimAction(ClaimView):
    # Subclasses name their input serializer and the service call in ``act``.
    input_serializer = s.NoInputSerializer

    def get_serializer_class(self):
        return self.input_serializer

    def act(self, claim, actor, data):
        raise NotImplementedError

    def post(self, request, reference):
        claim = self.get_claim()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(claim, request.user, data.validated_data)
        return self.claim_response(claim_by_pk(claim.pk))


@_action(None, "claim_take", _("Take the claim's open task"))
class ClaimTake(ClaimAction):
    def act(self, claim, actor, data):
        services.task_take(case_id=claim.pk, actor=actor)


@_action(None, "claim_release", _("Give the claim's task back to its queue"))
class ClaimRelease(ClaimAction):
    def act(self, claim, actor, data):
        services.task_release(case_id=claim.pk, actor=actor)


@_action(s.RequestInfoSerializer, "claim_request_info", _("Ask the claimant for information"))
class ClaimRequestInfo(ClaimAction):
    input_serializer = s.RequestInfoSerializer

    def act(self, claim, actor, data):
        services.claim_request_info(case_id=claim.pk, actor=actor, question=data["question"])


@_action(s.RecommendSerializer, "claim_recommend", _("Recommend approval or rejection"))
class ClaimRecommend(ClaimAction):
    input_serializer = s.RecommendSerializer

    def act(self, claim, actor, data):
        services.claim_recommend(
            case_id=claim.pk, actor=actor, approve=data["approve"], amount=data.get("amount"), note=data["note"]
        )


@_action(s.DecideSerializer, "claim_decide", _("Approve or reject a recommended claim"))
class ClaimDecide(ClaimAction):
    input_serializer = s.DecideSerializer

    def act(self, claim, actor, data):
        services.claim_decide(case_id=claim.pk, actor=actor, approve=data["approve"], note=data["note"])


@_action(s.ReassignSerializer, "claim_reassign", _("Give the claim's task to another staff member"))
class ClaimReassign(ClaimAction):
    input_serializer = s.ReassignSerializer

    def act(self, claim, actor, data):
        services.task_reassign(case_id=claim.pk, actor=actor, to_user=data["user"])
