from __future__ import annotations

import math

import pytest

from parzen.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)

ALL = [
    FloatDistribution(-1.5, 2.0),
    FloatDistribution(1e-5, 1.0, log=True),
    FloatDistribution(0.0, 1.0, step=0.25),
    IntDistribution(0, 10),
    IntDistribution(1, 1024, log=True),
    IntDistribution(-3, 9, step=3),
    CategoricalDistribution(["a", 1, 2.5, None, True]),
]


@pytest.mark.parametrize("distribution", ALL, ids=repr)
def test_json_round_trip(distribution):
    restored = json_to_distribution(distribution_to_json(distribution))
    assert restored == distribution
    assert hash(restored) == hash(distribution)


def test_json_of_something_else_is_a_clear_error():
    with pytest.raises(ValueError, match="Not a serialized distribution"):
        json_to_distribution('{"name": "NormalDistribution", "attributes": {}}')


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FloatDistribution(2.0, 1.0), "low must be <= high"),
        (lambda: IntDistribution(5, 1), "low must be <= high"),
        (lambda: FloatDistribution(0.0, 1.0, log=True), "low must be > 0"),
        (lambda: IntDistribution(0, 10, log=True), "low must be >= 1"),
        (lambda: IntDistribution(0.5, 10, log=True), "low must be >= 1"),
        (lambda: IntDistribution(0, math.nan), "finite"),
        (lambda: IntDistribution(0, math.inf), "finite"),
        (lambda: FloatDistribution(0.0, 1.0, step=0.0), "step must be > 0"),
        (lambda: FloatDistribution(0.0, 1.0, step=-0.1), "step must be > 0"),
        (lambda: IntDistribution(0, 10, step=0), "step must be > 0"),
        (lambda: FloatDistribution(0.1, 1.0, step=0.1, log=True), "cannot be combined"),
        (lambda: IntDistribution(1, 10, step=2, log=True), "cannot be combined"),
        (lambda: FloatDistribution(math.nan, 1.0), "finite"),
        (lambda: FloatDistribution(0.0, math.inf), "finite"),
        (lambda: FloatDistribution(-math.inf, 0.0), "finite"),
        (lambda: CategoricalDistribution([]), "at least one"),
    ],
)
def test_bad_bounds_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: CategoricalDistribution("abc"),
        lambda: FloatDistribution("0", 1.0),
        lambda: IntDistribution("0", 10),
        lambda: IntDistribution(0, None),
    ],
)
def test_wrong_types_are_type_errors(make):
    with pytest.raises(TypeError):
        make()


def test_int_bounds_as_floats():
    assert IntDistribution(1, 1e3) == IntDistribution(1, 1000)
    assert isinstance(IntDistribution(1.0, 8.0, log=True).low, int)
    with (
        pytest.warns(UserWarning, match="truncated to 0"),
        pytest.warns(UserWarning, match="to 10"),
    ):
        assert IntDistribution(0.5, 10.7).high == 10
    with pytest.warns(UserWarning, match="truncated"):
        assert IntDistribution(0, 10, step=2.5).step == 2


def test_step_lowers_high_to_the_grid():
    with pytest.warns(UserWarning, match="lowered to 0.9"):
        assert FloatDistribution(0.0, 1.0, step=0.3).high == 0.9
    with pytest.warns(UserWarning, match="lowered to 9"):
        assert IntDistribution(0, 10, step=3).high == 9
    assert FloatDistribution(0.1, 0.3, step=0.1).high == 0.3


@pytest.mark.parametrize(
    ("low", "high", "step"),
    [(0.2, 0.3, 0.1), (0.7, 0.8, 0.1), (1.1, 1.2, 0.1), (0.3, 0.6, 0.3), (1e-3, 2e-3, 1e-3)],
)
def test_two_point_float_grids_are_not_single(low, high, step):
    # In binary floating point high - low < step for each of these; the grid has two points.
    distribution = FloatDistribution(low, high, step=step)
    assert distribution.high == high and not distribution.single()
    assert distribution._contains(low) and distribution._contains(high)


def test_contains_and_single():
    d = FloatDistribution(0.0, 1.0, step=0.25)
    assert d._contains(0.75) and not d._contains(0.8) and not d._contains(1.25)
    assert IntDistribution(3, 3).single()
    with pytest.warns(UserWarning):
        assert FloatDistribution(0.0, 0.2, step=0.5).single()
    assert not CategoricalDistribution([1, 2]).single()


def test_categorical_tells_bool_from_int():
    d = CategoricalDistribution([1, True, 0, False])
    assert [d.to_internal_repr(v) for v in (1, True, 0, False)] == [0.0, 1.0, 2.0, 3.0]
    assert d.to_external_repr(1.0) is True
    with pytest.raises(ValueError, match="not one of the choices"):
        d.to_internal_repr("1")


def test_compatibility_rules():
    check_distribution_compatibility(FloatDistribution(0, 1), FloatDistribution(-5, 5))
    with pytest.raises(ValueError, match="different distribution kind"):
        check_distribution_compatibility(FloatDistribution(0, 1), IntDistribution(0, 1))
    with pytest.raises(ValueError, match="log"):
        check_distribution_compatibility(
            FloatDistribution(0.1, 1), FloatDistribution(0.1, 1, log=True)
        )
    with pytest.raises(ValueError, match="choices"):
        check_distribution_compatibility(
            CategoricalDistribution(["a"]), CategoricalDistribution(["b"])
        )


def test_json_of_choices_keeps_tuples_and_refuses_objects():
    with pytest.warns(UserWarning):
        d = CategoricalDistribution([(64, 64), [1, (2, 3)], {"a": (1,)}, None])
    restored = json_to_distribution(distribution_to_json(d))
    assert restored == d
    assert restored.choices[0] == (64, 64) and isinstance(restored.choices[0], tuple)
    assert isinstance(restored.choices[1][1], tuple) and isinstance(
        restored.choices[2]["a"], tuple
    )
    assert hash(restored) == hash(d)
    with pytest.warns(UserWarning):
        unstorable = CategoricalDistribution([object()])
    with pytest.raises(TypeError, match="cannot be stored"):
        distribution_to_json(unstorable)


def test_unhashable_choices_hash_and_compare():
    with pytest.warns(UserWarning):
        a = CategoricalDistribution([[1, 2], {"k": 1}])
    with pytest.warns(UserWarning):
        b = CategoricalDistribution([[1, 2], {"k": 1}])
    assert a == b and hash(a) == hash(b)
    assert a.to_internal_repr({"k": 1}) == 1.0
    with pytest.warns(UserWarning):
        assert CategoricalDistribution([(True,)]) != CategoricalDistribution([(1,)])


def test_json_errors_are_value_errors():
    for text in ('{"type": "normal", "low": 0}', '{"type": "int", "low": 0}', "[]", "{"):
        with pytest.raises(ValueError, match="Not a serialized distribution"):
            json_to_distribution(text)
