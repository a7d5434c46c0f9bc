import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from screening.catalogue import current_catalogue
from screening.engine import PatientError, read_patient, screen
from screening.reports import screening_json


@require_POST
def api_screen(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body)
    except RequestDataTooBig:
        return JsonResponse({"errors": {"body": ["The request body is too large."]}}, status=413)
    except (ValueError, UnicodeDecodeError) as error:
        return JsonResponse({"errors": {"body": [f"The body is not JSON: {error}"]}}, status=400)
    try:
        patient = read_patient(data)
    except PatientError as error:
        return JsonResponse({"errors": error.errors}, status=400)
    catalogue = current_catalogue()
    return JsonResponse(screening_json(patient, screen(catalogue.trials, patient)))
