"""Hypothesis strategies: valid patient records and well-formed rules, built from the vocabulary."""

from datetime import date, timedelta

from hypothesis import strategies as st

from screening.engine import MEASURES, MeasureType
from screening.engine.wording import number
from tests.engine.support import AS_OF

ENTERED = [m for m in MEASURES.values() if not m.derived]
COMPARABLE = [m for m in MEASURES.values() if m.type in (MeasureType.NUMBER, MeasureType.INTEGER)]
OPERATORS = ["<", "<=", ">", ">=", "==", "!="]


def _days_before(as_of: date) -> st.SearchStrategy[date]:
    return st.integers(0, 365 * 80).map(lambda days: as_of - timedelta(days=days))


def _date_text(as_of: date) -> st.SearchStrategy[str]:
    return st.one_of(
        _days_before(as_of).map(date.isoformat),
        _days_before(as_of).map(lambda day: day.strftime("%Y-%m")),
    )


def _value(m) -> st.SearchStrategy[object]:
    match m.type:
        case MeasureType.NUMBER:
            floats = st.floats(m.minimum, m.maximum, allow_nan=False)
            return st.one_of(floats, st.integers(int(m.minimum), int(m.maximum)))
        case MeasureType.INTEGER:
            return st.integers(int(m.minimum), int(m.maximum))
        case MeasureType.BOOLEAN:
            return st.booleans()
        case MeasureType.CATEGORY:
            return st.sampled_from([c.value for c in m.choices])
        case MeasureType.SET:
            names = st.sampled_from([c.value for c in m.choices] + ["ATXN2", "nek1"])
            return st.lists(names, max_size=3)
        case MeasureType.DATE:
            return _date_text(AS_OF)
        case MeasureType.SCORES:
            return st.lists(st.integers(0, 4), min_size=12, max_size=12)
    raise AssertionError(m.type)


def _consistent(data: dict[str, object]) -> dict[str, object]:
    """Drops the combinations the reader rightly refuses."""
    if "birth_date" in data:
        data.pop("age", None)
    if "alsfrs_r_items" in data:
        data["alsfrs_r"] = sum(data["alsfrs_r_items"])
    for drug in ("riluzole", "edaravone"):
        if data.get(drug) != "current":
            data.pop(f"{drug}_since", None)
        if data.get(drug) != "past":
            data.pop(f"{drug}_stopped", None)
    if data.get("edaravone") not in ("current", "past"):
        data.pop("edaravone_route", None)
        if data.get("edaravone") == "never":
            data.pop("edaravone_cycles", None)
    if data.get("niv") is False:
        data.pop("niv_while_awake", None)
    return data


patients = st.fixed_dictionaries({}, optional={m.name: _value(m) for m in ENTERED}).map(_consistent)


def _threshold(m) -> st.SearchStrategy[str]:
    high = m.maximum if m.maximum is not None else 5.0
    if m.type is MeasureType.INTEGER:
        return st.integers(int(m.minimum), int(high)).map(str)
    return st.floats(m.minimum, high, allow_nan=False).map(lambda x: number(round(x, 2)))


def _comparison(m) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda op, t: f"{m.name} {op} {t}", st.sampled_from(OPERATORS), _threshold(m)),
        st.builds(
            lambda a, b: f"{m.name} between {min(a, b, key=float)} and {max(a, b, key=float)}",
            _threshold(m),
            _threshold(m),
        ),
    )


def _category(m) -> st.SearchStrategy[str]:
    values = [c.value for c in m.choices]
    listed = st.lists(st.sampled_from(values), min_size=1, unique=True)
    marks = st.lists(st.booleans(), min_size=len(values), max_size=len(values))
    equality = st.sampled_from(["==", "!="])
    return st.one_of(
        st.builds(lambda op, v: f"{m.name} {op} {v}", equality, st.sampled_from(values)),
        st.builds(
            lambda neg, chosen, mark: (
                f"{m.name} {'not in' if neg else 'in'} {{"
                + ", ".join(
                    v + ("?" if flag else "") for v, flag in zip(chosen, mark, strict=False)
                )
                + "}"
            ),
            st.booleans(),
            listed,
            marks,
        ),
    )


def _atom(m) -> st.SearchStrategy[str]:
    match m.type:
        case MeasureType.NUMBER | MeasureType.INTEGER:
            return _comparison(m)
        case MeasureType.BOOLEAN:
            return st.sampled_from([m.name, f"{m.name} == no", f"{m.name} != yes"])
        case MeasureType.CATEGORY:
            return _category(m)
        case MeasureType.SET:
            genes = st.sampled_from([c.value for c in m.choices])
            neg = st.sampled_from(["in", "not in"])
            return st.builds(lambda g, n: f'"{g}" {n} {m.name}', genes, neg)
    return st.nothing()


atoms = st.sampled_from(list(MEASURES.values())).flatmap(_atom)


def _combined(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) or ({b})", inner, inner),
        inner.map(lambda a: f"not ({a})"),
        st.builds(lambda a, b: f"(if {a} then ({b}))", inner, inner),
    )


rules = st.recursive(atoms, _combined, max_leaves=6)

TOKENS = [
    "(", ")", "{", "}", ",", "?", "and", "or", "not", "if", "then", "in", "between",
    ">=", "<", "==", "!=", "=", "70", "-1", "0.5", '"SOD1"', '"', "yes", "no", "definite",
    "probable?", "fvc_percent", "el_escorial", "gene_variants", "pregnant", "age", "\n", "@",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join)
