import pytest

from screening.engine import (
    ALSFRS_R_ITEMS,
    MEASURES,
    AlsfrsDomain,
    MeasureType,
    UnknownMeasureError,
    measure,
)
from screening.engine.vocabulary import set_member

UNITS = {"", "years", "% of predicted", "points", "months", "days", "points/month", "hours/day"}
UNITS |= {"kg", "kg/m²", "cycles"}
NUMERIC = (MeasureType.NUMBER, MeasureType.INTEGER)


@pytest.mark.parametrize("m", MEASURES.values(), ids=lambda m: m.name)
def test_every_measure_is_well_formed(m):
    assert MEASURES[m.name] is m
    assert m.name.isidentifier()
    assert m.name == m.name.lower()
    assert m.label
    assert m.unit in UNITS
    if m.type in NUMERIC:
        assert m.minimum is not None
        assert m.maximum is None or m.minimum < m.maximum
    if m.type is MeasureType.CATEGORY:
        assert len(m.choices) >= 2
        assert len({c.value for c in m.choices}) == len(m.choices)
    if m.type is MeasureType.BOOLEAN:
        assert [c.value for c in m.choices] == ["yes", "no"]
    if m.derived:
        assert all(name in MEASURES for name in m.derived_from)
        assert not m.question
    else:
        assert m.question.endswith("?")


def test_the_entered_measures_are_exactly_the_patient_keys():
    entered = {name for name, m in MEASURES.items() if not m.derived}
    assert entered == {
        "age", "birth_date", "sex", "pregnant", "breastfeeding", "childbearing_potential",
        "contraception", "el_escorial", "familial", "gene_variants", "onset_region",
        "symptom_onset", "diagnosis_date", "alsfrs_r", "alsfrs_r_items", "fvc_percent",
        "svc_percent", "riluzole", "edaravone", "riluzole_since", "edaravone_since",
        "riluzole_stopped", "edaravone_stopped", "edaravone_cycles", "edaravone_route",
        "gastrostomy", "tracheostomy", "niv", "niv_hours_per_day", "niv_while_awake",
        "norris_bulbar", "norris_limb", "weight_kg", "bmi",
    }  # fmt: skip


def test_each_drug_has_a_since_date_and_a_stop_date_with_the_days_worked_out_from_them():
    for drug in ("riluzole", "edaravone"):
        assert MEASURES[f"{drug}_stable_days"].derived_from == (drug, f"{drug}_since")
        assert MEASURES[f"{drug}_days_since_stopped"].derived_from == (drug, f"{drug}_stopped")
        assert MEASURES[f"{drug}_stopped"].type is MeasureType.DATE
    assert MEASURES["months_onset_to_diagnosis"].derived_from == (
        "symptom_onset",
        "diagnosis_date",
    )


def test_every_alsfrs_item_and_subscore_is_a_derived_measure():
    for item in ALSFRS_R_ITEMS:
        assert MEASURES[item.measure_name].derived_from == ("alsfrs_r_items",)
    for domain in AlsfrsDomain:
        assert MEASURES[f"alsfrs_r_{domain.value}"].maximum == 12


def test_the_scale_has_twelve_items_three_per_domain_with_five_answers_each():
    assert [item.number for item in ALSFRS_R_ITEMS] == list(range(1, 13))
    for domain in AlsfrsDomain:
        assert sum(item.domain is domain for item in ALSFRS_R_ITEMS) == 3
    assert all(len(item.choices()) == 5 for item in ALSFRS_R_ITEMS)


def test_item_five_offers_the_gastrostomy_wording():
    cutting = ALSFRS_R_ITEMS[4]
    assert cutting.choices()[1].label == "3 – Somewhat slow and clumsy, but no help needed"
    assert cutting.choices(gastrostomy=True)[4].label == "0 – Unable to perform any aspect of task"


def test_an_unknown_measure_is_a_clear_error_with_a_suggestion():
    with pytest.raises(UnknownMeasureError, match=r"'fcv_percent' \(did you mean fvc_percent\?\)"):
        measure("fcv_percent")


def test_gene_names_are_spelt_one_way():
    genes = measure("gene_variants")
    assert set_member(genes, "c9orf72") == "C9orf72"
    assert set_member(genes, "ataxin-2") == "ATAXIN-2"
    with pytest.raises(ValueError, match="not a gene name"):
        set_member(genes, "two words")
