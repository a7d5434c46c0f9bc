"""Keep patient values out of error reports and tell the login throttle who is asking."""

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

HIDDEN = "(hidden: may hold patient values)"


class PatientSafeReporterFilter(SafeExceptionReporterFilter):
    """Error reports (the e-mail to ADMINS, the DEBUG page) show no request data, no locals.

    Any POST may be a screening, and the engine's frames hold the patient in their locals, so
    marking single views `@sensitive_variables` would miss some; hide them all, always. The
    traceback's file, line and code, which are what a developer needs, stay.
    """

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, str]:
        if request is None:
            return {}
        return dict.fromkeys(request.POST, HIDDEN)

    def get_traceback_frame_variables(self, request, tb_frame) -> list[tuple[str, str]]:
        return [(name, HIDDEN) for name in tb_frame.f_locals]


def client_ip_behind_proxy(request: HttpRequest) -> str:
    """The address our own TLS proxy saw: the last entry it appended to X-Forwarded-For.

    Earlier entries come from the client and can be forged to dodge the login throttle.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR", "")
