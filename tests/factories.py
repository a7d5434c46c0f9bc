import factory

from trials.models import Criterion, OverallStatus, Phase, Sex, Trial


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial

    nct_id = factory.Sequence(lambda n: f"NCT{90000000 + n:08d}")
    brief_title = factory.Sequence(lambda n: f"Trial number {n} in ALS")
    overall_status = OverallStatus.RECRUITING
    phase = Phase.PHASE2
    conditions = factory.LazyFunction(lambda: ["Amyotrophic Lateral Sclerosis"])
    conditions_search = "amyotrophic lateral sclerosis"
    sex = Sex.ALL


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    trial = factory.SubFactory(TrialFactory)
    kind = Criterion.Kind.INCLUSION
    position = factory.Sequence(lambda n: n + 1)
    text = "FVC at least 70% of predicted"
    rule = "fvc_percent >= 70"
    review_status = Criterion.ReviewStatus.AUTO


def study_json(
    nct_id: str = "NCT01234567",
    criteria: str = "Inclusion Criteria:\n\n* FVC ≥ 70%\n\nExclusion Criteria:\n\n* Gastrostomy",
    **eligibility: object,
) -> dict:
    """A v2 study record as /api/v2/studies/{nctId} returns it, with the fields we read."""
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct_id,
                "briefTitle": f"Study {nct_id}",
                "officialTitle": f"Official title of {nct_id}",
                "acronym": "TEST",
            },
            "statusModule": {
                "overallStatus": "RECRUITING",
                "lastUpdatePostDateStruct": {"date": "2025-06-01", "type": "ACTUAL"},
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Sponsor", "class": "OTHER"}},
            "conditionsModule": {"conditions": ["Amyotrophic Lateral Sclerosis"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": ["PHASE2", "PHASE3"],
                "enrollmentInfo": {"count": 120, "type": "ESTIMATED"},
            },
            "armsInterventionsModule": {"interventions": [{"type": "DRUG", "name": "Drug X"}]},
            "eligibilityModule": {
                "eligibilityCriteria": criteria,
                "healthyVolunteers": False,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "maximumAge": "80 Years",
                **eligibility,
            },
        }
    }
