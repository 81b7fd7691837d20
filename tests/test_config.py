"""Parameters: validation at the boundary, dotted paths, TOML round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.config import (
    ConfigError,
    Params,
    dumps_toml,
    iter_specs,
    make_params,
    param_paths,
    parse_assignment,
    spec_for,
)


def test_defaults_validate_and_round_trip_through_toml():
    import tomllib

    p = make_params()
    again = make_params(tomllib.loads(dumps_toml(p.to_dict())))
    assert again == p


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"trust.decya": 0.1}, "did you mean 'trust.decay'"),
        ({"population.shares.vsc": 0.3}, "did you mean 'population.shares.vcs'"),
        ({"trust.decay": 1.5}, "trust.decay = 1.5 is out of range: allowed 0 to 1"),
        ({"population.size": -5}, "population.size = -5 is out of range"),
        ({"population.size": 10.5}, "must be a whole number"),
        ({"trust.decay": "abc"}, "is not a number"),
        ({"programme.enabled": 3}, "must be true or false"),
        ({"churn.reorg_sectors": ["acute", "hospitl"]}, "is not a sector"),
        ({"churn.reorg_weeks": [0]}, "is not a week"),
        ({"invitations.targeted_seniority": [0.1, 0.2]}, "needs 3 values"),
    ],
)
def test_bad_values_are_refused_with_one_line_naming_the_field(overrides, needle):
    with pytest.raises(ConfigError) as err:
        make_params(overrides=overrides)
    msg = str(err.value)
    assert needle in msg
    assert "\n" not in msg


def test_unknown_nested_key_and_bad_event_are_refused():
    with pytest.raises(ConfigError, match=r"unknown parameter 'trust\.speed'"):
        make_params({"trust": {"speed": 1}})
    bad_event = {"programme": {"events": [{"name": "x", "type": "picnic", "week": 3, "capacity": 10}]}}
    with pytest.raises(ConfigError, match="is not an event type"):
        make_params(bad_event)
    with pytest.raises(ConfigError, match="week"):
        make_params({"programme": {"events": [{"name": "x", "type": "party", "week": 0, "capacity": 10}]}})


def test_cross_field_checks():
    with pytest.raises(ConfigError, match="manager_share"):
        make_params(overrides={"population.manager_share": 0.7, "population.senior_share": 0.5})
    with pytest.raises(ConfigError, match="leads"):
        make_params(overrides={"population.size": 10, "population.leads": 11})


def test_every_path_is_settable_and_gettable():
    p = Params()
    paths = param_paths()
    assert len(paths) == len(set(paths)) > 100
    for path in paths:
        info = spec_for(path)
        if info.spec.items == "table":
            continue
        assert p.get(path) == info.default
        make_params(overrides={path: info.default})  # the default itself is always valid


def test_parse_assignment_reads_toml_values():
    assert parse_assignment("trust.decay=0.03") == ("trust.decay", 0.03)
    assert parse_assignment("programme.enabled=false") == ("programme.enabled", False)
    assert parse_assignment("churn.reorg_weeks=[10, 20]") == ("churn.reorg_weeks", [10, 20])
    with pytest.raises(ConfigError, match=r"dotted\.key=value"):
        parse_assignment("trust.decay")


_numeric = [i for i in iter_specs() if isinstance(i.default, float) and i.spec.lo is not None and i.spec.hi is not None]
# Parameters bound by a cross-field check (tested above) are left out of the "any value in range" property.
_CROSS = {
    "trust.floor",
    "trust.working_threshold",
    "population.manager_share",
    "population.senior_share",
    "population.initial_aware",
    "population.initial_practising",
}
_free = [i for i in _numeric if i.path not in _CROSS]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_free), st.floats(0, 1))
def test_any_value_in_range_is_accepted(info, u):
    value = info.spec.lo + u * (min(info.spec.hi, 1e6) - info.spec.lo)
    p = make_params(overrides={info.path: value})
    assert p.get(info.path) == pytest.approx(value)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_numeric), st.floats(1e-6, 1e3))
def test_any_value_out_of_range_is_refused(info, delta):
    with pytest.raises(ConfigError, match=info.path.replace(".", r"\.")):
        make_params(overrides={info.path: info.spec.hi + delta})
    with pytest.raises(ConfigError, match=info.path.replace(".", r"\.")):
        make_params(overrides={info.path: info.spec.lo - delta})


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 80), st.integers(1, 64), st.integers(0, 12), st.integers(0, 3), st.booleans())
def test_every_accepted_small_population_runs(size, localities, leads, seed, one_sector):
    """Whatever the validator accepts runs (one person per locality, a single sector); what it refuses is refused
    with a ConfigError (never a crash, never a runaway allocation)."""
    from simulation.model import LeadershipModel
    from simulation.sectors import SECTORS

    shares = {f"population.shares.{s}": (1.0 if s == "acute" else 0.0) for s in SECTORS} if one_sector else {}
    try:
        p = make_params(
            overrides={
                "population.size": size,
                "population.localities": localities,
                "population.leads": leads,
                **shares,
            }
        )
    except ConfigError as e:
        assert "population." in str(e)
        assert leads > size // localities or localities > size
        return
    m = LeadershipModel(p, seed=seed)
    for _ in range(3):
        m.step()
    assert m.people.is_lead.sum() == leads * localities
