import pytest
from django.core.exceptions import ValidationError

from screening.models import SavedScreening, check_reference
from tests.log.conftest import PATIENT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "reference",
    [
        "John Smith",
        "Anna-Maria Jones 2",
        "Zoë Ørsted",
        "O'Brien Kelly 7",
        "John_Smith1",
        "Smith",
        "jsmith",
    ],
)
def test_a_name_like_reference_is_refused(reference):
    with pytest.raises(ValidationError):
        check_reference(reference)


@pytest.mark.parametrize("reference", ["12/03/1961", "ALS 1961-03-12", "1234567890"])
def test_a_birth_date_or_a_long_number_is_refused(reference):
    with pytest.raises(ValidationError):
        check_reference(reference)


@pytest.mark.parametrize("reference", ["ALS-0042", "P17", "leeds 2025 07", "S3/014", "Als 12"])
def test_a_local_code_is_accepted(reference):
    check_reference(reference)


def test_saving_under_a_name_is_refused_with_a_clear_message(clinician, trials):
    response = clinician.post("/log/save/", {**PATIENT, "reference": "John Smith"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "“John Smith” looks like a name." in html
    assert "never a name" in html
    assert 'aria-invalid="true"' in html
    assert 'value="John Smith"' in html  # kept for correcting, with the patient's values
    assert 'value="65"' in html
    assert not SavedScreening.objects.exists()


def test_a_reference_with_other_characters_is_refused(clinician, trials):
    response = clinician.post("/log/save/", {**PATIENT, "reference": "als@0042"})
    assert "letters, digits, spaces and . _ / - only" in response.content.decode()
    assert not SavedScreening.objects.exists()


def test_an_empty_reference_is_refused(clinician, trials):
    response = clinician.post("/log/save/", {**PATIENT, "reference": ""})
    assert "This field is required." in response.content.decode()
    assert not SavedScreening.objects.exists()


HUGE = ("ALS-0042 " * 11_112).strip()  # 100 KB


def test_a_reference_too_long_to_be_one_is_refused_without_being_shown_again(clinician, trials):
    response = clinician.post("/log/save/", {**PATIENT, "reference": HUGE})
    html = response.content.decode()
    assert response.status_code == 200
    assert f"This is {len(HUGE):,} characters long; at most 40 are taken." in html
    assert "ALS-0042 ALS-0042" not in html
    assert 'value="65"' in html  # the patient's values are kept
    assert not SavedScreening.objects.exists()


def test_the_screening_page_does_not_show_a_reference_too_long_to_be_one(clinician, trials):
    response = clinician.post("/", {**PATIENT, "reference": HUGE})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ALS-0042 ALS-0042" not in html
    assert 'id="id_reference" name="reference" value=""' in html


def test_a_reference_of_40_characters_is_shown_again_on_the_screening_page(clinician, trials):
    reference = "ALS-" + "0" * 36
    response = clinician.post("/", {**PATIENT, "reference": reference})
    assert f'value="{reference}"' in response.content.decode()
