"""Small-number protection on hand-made and random tables: small cells are hidden, each is
joined by others in its lines, the totals are the true totals, and no hidden cell can be
worked out from what is published, by linear algebra or by trying every possible table."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping

import numpy as np
import pytest

from townhub.demographics.disclosure import (
    TOTAL,
    Cell,
    Suppressed,
    all_cells,
    base_cells,
    exposed,
    lines,
    suppress,
)

K = 10


def _table(rows: list[list[int]]) -> dict[Cell, int]:
    return {(r, c): value for r, row in enumerate(rows) for c, value in enumerate(row)}


def _determined_by_rank(result: Suppressed) -> list[Cell]:
    """Hidden cells whose form lies in the row space of the published cells' forms, over
    every base cell (an attacker's view, written independently of the module's audit)."""
    shape = result.shape
    base = [c for c in all_cells(shape) if TOTAL not in c]
    column = {c: n for n, c in enumerate(base)}

    def form(cell: Cell) -> np.ndarray:
        vector = np.zeros(len(base))
        for b in base_cells(cell, shape):
            vector[column[b]] = 1
        return vector

    published = [form(c) for c in all_cells(shape) if c not in result.hidden]
    known = np.array(published).reshape(len(published), len(base))
    rank = np.linalg.matrix_rank(known) if len(published) else 0
    found = []
    for cell in result.hidden:
        extended = np.vstack([known, form(cell)])
        if np.linalg.matrix_rank(extended) == rank:
            found.append(cell)
    return found


def test_one_small_cell_is_joined_by_another_in_each_of_its_lines() -> None:
    counts = _table([[3, 40, 50], [30, 60, 70], [20, 45, 80]])

    result = suppress((3, 3), counts, K)

    assert (0, 0) in result.hidden
    # Its row and its column each have another hidden cell, and the smallest one offered.
    row = [c for c in result.hidden if c[0] == 0 and c[1] != TOTAL]
    column = [c for c in result.hidden if c[1] == 0 and c[0] != TOTAL]
    assert len(row) >= 2 and len(column) >= 2
    assert (2, 0) in result.hidden  # 20: the smallest other cell of its column
    assert (0, 1) in result.hidden  # 40: the smallest other cell of its row
    for line in lines((3, 3)):
        assert sum(1 for c in line if c in result.hidden) != 1
    assert _determined_by_rank(result) == []


def test_published_totals_are_the_true_totals() -> None:
    counts = _table([[3, 40, 50], [30, 60, 70], [20, 45, 80]])

    result = suppress((3, 3), counts, K)

    assert result.published((TOTAL, TOTAL)) == 398
    assert result.values[(1, TOTAL)] == 160
    assert result.values[(TOTAL, 2)] == 200
    for cell in all_cells((3, 3)):
        value = result.published(cell)
        if value is not None:
            assert value == sum(counts.get(b, 0) for b in base_cells(cell, (3, 3)))


def test_a_table_with_nothing_to_hide_hides_nothing() -> None:
    result = suppress((2, 2), _table([[10, 11], [12, 13]]), K)

    assert result.hidden == frozenset()
    assert result.published((TOTAL, TOTAL)) == 46


def test_zero_is_hidden_like_any_small_count() -> None:
    result = suppress((2, 3), _table([[0, 20, 30], [25, 35, 45]]), K)

    assert (0, 0) in result.hidden
    assert _determined_by_rank(result) == []


def test_a_hub_with_no_answers_does_not_give_the_others_away() -> None:
    # The second row is all zeros: hidden, and then its only partner in each column would
    # equal the column total; non-negativity (x + y = 0 means both 0) is audited too.
    result = suppress((2, 2), _table([[12, 15], [0, 0]]), K)

    assert {(0, 0), (0, 1), (1, 0), (1, 1), (1, TOTAL), (0, TOTAL)} <= result.hidden
    assert exposed((2, 2), result.values, result.hidden) == []
    assert _determined_by_rank(result) == []


def test_an_empty_table_hides_everything() -> None:
    result = suppress((3, 4), {}, K)

    assert result.hidden == frozenset(all_cells((3, 4)))


def test_a_dimension_with_no_categories_has_only_hidden_zero_totals() -> None:
    result = suppress((0, 3), {}, K)

    assert result.hidden == frozenset(all_cells((0, 3)))
    assert all(value == 0 for value in result.values.values())


def test_a_single_hub_hides_the_total_that_equals_its_small_cell() -> None:
    # With one hub, "all hubs" is that hub: its total must be hidden with its cell.
    result = suppress((1, 3), _table([[4, 30, 40]]), K)

    assert (0, 0) in result.hidden and (TOTAL, 0) in result.hidden
    assert _determined_by_rank(result) == []


def test_three_dimensions_with_every_margin() -> None:
    counts = {
        cell: value
        for cell, value in zip(
            itertools.product(range(2), range(3), range(2)),
            [12, 3, 40, 22, 15, 18, 30, 11, 2, 25, 16, 14],
            strict=True,
        )
    }

    result = suppress((2, 3, 2), counts, K)

    assert {(0, 0, 1), (1, 1, 0)} <= result.hidden
    for line in lines((2, 3, 2)):
        assert sum(1 for c in line if c in result.hidden) != 1
    assert _determined_by_rank(result) == []
    assert exposed((2, 3, 2), result.values, result.hidden) == []


def test_the_same_counts_always_hide_the_same_cells() -> None:
    counts = _table([[3, 40, 50, 9], [30, 60, 7, 70], [20, 45, 80, 1]])

    assert suppress((3, 4), counts, K).hidden == suppress((3, 4), dict(counts), K).hidden


def test_refuses_negative_counts_and_cells_outside_the_table() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress((2, 2), {(0, 0): -1}, K)
    with pytest.raises(ValueError, match="outside"):
        suppress((2, 2), {(2, 0): 5}, K)


def _random_counts(rng: random.Random, shape: tuple[int, ...]) -> dict[Cell, int]:
    # Mostly small numbers, some zeros, a few large: the pilot's first months.
    choices = [0, 0, 1, 2, 3, 5, 8, 9, 10, 12, 15, 20, 35, 60]
    return {c: rng.choice(choices) for c in itertools.product(*map(range, shape))}


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_keep_the_invariants(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        dims = rng.choice([2, 2, 3])
        shape = tuple(rng.randint(1, 4 if dims == 3 else 6) for _ in range(dims))
        counts = _random_counts(rng, shape)

        result = suppress(shape, counts, K)

        assert all(c in result.hidden for c, v in result.values.items() if v < K)
        for line in lines(shape):
            assert sum(1 for c in line if c in result.hidden) != 1
        assert exposed(shape, result.values, result.hidden) == []
        assert _determined_by_rank(result) == []


def _possible_tables(result: Suppressed, bound: int) -> Iterator[Mapping[Cell, int]]:
    """Every table of non-negative whole numbers up to `bound` a cell that agrees with
    everything published: what an attacker who tried them all would be left with."""
    shape = result.shape
    base = [c for c in all_cells(shape) if TOTAL not in c]
    unknown = [c for c in base if c in result.hidden]
    known = {c: result.values[c] for c in base if c not in result.hidden}
    checks = [
        (cell, result.values[cell], list(base_cells(cell, shape)))
        for cell in all_cells(shape)
        if TOTAL in cell and cell not in result.hidden
    ]

    def consistent(values: Mapping[Cell, int], complete: bool) -> bool:
        for _, total, members in checks:
            seen = [values.get(m, known.get(m)) for m in members]
            partial = sum(v for v in seen if v is not None)
            if partial > total or ((complete or None not in seen) and partial != total):
                return False
        return True

    def extend(n: int, values: dict[Cell, int]) -> Iterator[Mapping[Cell, int]]:
        if n == len(unknown):
            if consistent(values, complete=True):
                yield {**known, **values}
            return
        for value in range(bound + 1):
            values[unknown[n]] = value
            if consistent(values, complete=False):
                yield from extend(n + 1, values)
            del values[unknown[n]]

    yield from extend(0, {})


@pytest.mark.parametrize("seed", range(4))
def test_trying_every_possible_table_never_pins_a_hidden_cell(seed: int) -> None:
    """The attacker's strongest move on small tables: whole, non-negative numbers only."""
    rng = random.Random(100 + seed)
    k = 4
    for _ in range(25):
        shape = rng.choice([(2, 2), (2, 3), (3, 2)])
        counts = {
            c: rng.choice([0, 0, 1, 2, 3, 4, 5, 7]) for c in itertools.product(*map(range, shape))
        }
        result = suppress(shape, counts, k)
        bound = max(result.values.values()) + 1
        seen: dict[Cell, set[int]] = {c: set() for c in result.hidden}
        for table in _possible_tables(result, bound):
            for cell in result.hidden:
                seen[cell].add(sum(table[b] for b in base_cells(cell, shape)))
        for cell in result.hidden:
            assert result.values[cell] in seen[cell]
            assert len(seen[cell]) >= 2, (shape, counts, cell)
