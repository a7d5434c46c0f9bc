"""The benchmark's `--rules-per-trial` registry: real rules, thresholds redrawn per trial."""

import re
from random import Random

import pytest
from django.db import transaction

from screening import benchmark
from screening.engine import compile_rule, measure
from trials.models import Criterion, Trial

NUMBER = re.compile(r"\b-?[0-9]+(?:\.[0-9]+)?\b")


@pytest.fixture(scope="module")
def templates(django_db_setup, django_db_blocker) -> list[benchmark.Template]:
    # The 74 fixture trials imported and curated once for the module (about a second), then
    # rolled back: the templates are plain values in memory.
    with django_db_blocker.unblock(), transaction.atomic():
        made = benchmark.load_templates(benchmark.fixture_records())
        transaction.set_rollback(True)
    return made


def drawn(templates: list[benchmark.Template], trials: int, seed: int = 1) -> list[list[dict]]:
    pool = benchmark.rule_pool(templates)
    return [
        benchmark.ruled_criteria(templates[n % len(templates)], pool, 15, Random(f"{seed}:{n}"))
        for n in range(trials)
    ]


def shape(kind: str, rule: str) -> tuple[str, str]:
    return kind, NUMBER.sub("N", rule)


def test_every_drawn_rule_compiles_to_a_real_rules_shape_within_its_measures_range(templates):
    shapes = {shape(values["kind"], values["rule"]) for values in benchmark.rule_pool(templates)}
    for criteria in drawn(templates, 40):
        for values in criteria:
            if not values["rule"]:
                continue
            compiled = compile_rule(values["rule"])
            assert compiled.source == values["rule"]
            assert shape(values["kind"], values["rule"]) in shapes
            for name, threshold in compiled.thresholds:
                m = measure(name)
                assert m.minimum is None or threshold >= m.minimum
                assert m.maximum is None or threshold <= m.maximum


def test_each_trial_has_15_ruled_criteria_and_keeps_its_criteria_without_a_rule(templates):
    for number, criteria in enumerate(drawn(templates, len(templates))):
        template = templates[number]
        assert sum(1 for values in criteria if values["rule"]) == 15
        assert [values for values in criteria if not values["rule"]] == [
            values for values in template.criteria if not values["rule"]
        ]
        assert len({values["position"] for values in criteria}) == len(criteria)


def test_rule_texts_are_mostly_distinct_across_trials(templates):
    rules = [values["rule"] for criteria in drawn(templates, 100) for values in criteria]
    rules = [rule for rule in rules if rule]
    assert len(set(rules)) > len(rules) / 2


def test_a_seed_always_draws_the_same_rules_and_another_seed_others(templates):
    assert drawn(templates, 5, seed=7) == drawn(templates, 5, seed=7)
    assert drawn(templates, 5, seed=7) != drawn(templates, 5, seed=8)


@pytest.mark.django_db
def test_the_clone_writes_the_drawn_rules_with_bulk_create(templates):
    benchmark.clone_registry(templates, 3, rules_per_trial=15)

    assert Trial.objects.count() == 3
    assert Criterion.objects.exclude(rule="").count() == 45
    pool = benchmark.rule_pool(templates)
    expected = benchmark.ruled_criteria(templates[0], pool, 15, Random(f"{benchmark.RULE_SEED}:0"))
    first = Trial.objects.order_by("nct_id").first()
    assert list(first.criteria.order_by("position").values_list("rule", flat=True)) == [
        values["rule"] for values in expected
    ]
