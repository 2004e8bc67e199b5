"""Small-number protection for tables of residents by a personal attribute.

Pure Python and numpy, no database: a table of counts in any number of dimensions (hub x
answer, or hub x month x answer) is extended with every margin (the totals over each
dimension and their totals), and then

1. primary suppression hides every cell, margins included, under k (zero too: "fewer than
   k people" includes none, and a published zero next to hidden cells pins them down);
2. complementary suppression hides, in every line of the table (all dimensions fixed but
   one, with that line's total) that has exactly one hidden cell, a second one: the
   smallest visible cell of the line that is not its total (the total when there is none),
   until no such line is left;
3. the audit then checks the whole published table as an attacker would: the published
   cells are linear equations over the true counts, which are also known to be
   non-negative. A hidden cell is exposed when those equations determine it; more cells
   are hidden until none is.

The audit: let u be the hidden base cells (the unknowns; visible base cells are known) and
C the equations the visible margins make over them. A hidden cell with the form v over u is
determined by the equations iff v lies in the row space of C, i.e. is orthogonal to C's
null space. Non-negativity can pin more (x + y = 0 means both are 0), but only through
cells that are forced to zero; if some solution is strictly positive in every unknown, the
solutions near it fill the whole affine space {Cx = b}, so the rank test is exact. The
audit looks for such a solution as the true counts plus a small step along a null-space
direction that is positive on every hidden zero; when it finds none it treats those zeros
as exposed and hides more (hiding is always safe, so the search may be cautious).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# The index that stands for "all" in a dimension: a margin.
TOTAL = -1

Cell = tuple[int, ...]

# Relative size under which a singular value, or a residual, counts as zero. The matrices
# hold only 0 and 1 and have at most a few thousand columns.
_TOLERANCE = 1e-9
# Alternating projections tried when looking for a strictly positive solution.
_PROJECTION_ROUNDS = 500


@dataclass(frozen=True)
class Suppressed:
    """A table with its margins, and which of its cells may not be published."""

    shape: tuple[int, ...]
    values: Mapping[Cell, int]  # every cell, margins included: the true counts
    hidden: frozenset[Cell]

    def published(self, cell: Cell) -> int | None:
        """The count to publish for a cell, or None when it is hidden."""
        return None if cell in self.hidden else self.values[cell]


def all_cells(shape: Sequence[int]) -> list[Cell]:
    """Every cell of the table with its margins, in a fixed order."""
    return list(itertools.product(*[[*range(n), TOTAL] for n in shape]))


def base_cells(cell: Cell, shape: Sequence[int]) -> Iterator[Cell]:
    """The cells without margins that a cell adds up."""
    ranges = [range(n) if i == TOTAL else (i,) for i, n in zip(cell, shape, strict=True)]
    return itertools.product(*ranges)


def with_margins(shape: Sequence[int], counts: Mapping[Cell, int]) -> dict[Cell, int]:
    """Every cell's count, margins included, from the base cells' (missing ones are 0)."""
    for cell, count in counts.items():
        if len(cell) != len(shape) or any(not 0 <= i < n for i, n in zip(cell, shape, strict=True)):
            raise ValueError(f"cell {cell} is outside a table of shape {tuple(shape)}")
        if count < 0:
            raise ValueError(f"cell {cell} has a negative count")
    values = dict.fromkeys(all_cells(shape), 0)
    for cell, count in counts.items():
        for mask in itertools.product((False, True), repeat=len(shape)):
            values[tuple(TOTAL if m else i for i, m in zip(cell, mask, strict=True))] += count
    return values


def lines(shape: Sequence[int]) -> list[list[Cell]]:
    """Every line of the table: one dimension varies, the others are fixed (margins too);
    the line's own total comes last."""
    found = []
    for total in all_cells(shape):
        for dim, index in enumerate(total):
            if index == TOTAL:
                members = [(*total[:dim], i, *total[dim + 1 :]) for i in range(shape[dim])]
                found.append([*members, total])
    return found


def suppress(shape: Sequence[int], counts: Mapping[Cell, int], k: int) -> Suppressed:
    """Hide every cell under k, then enough others that none can be worked out from the
    rest. Deterministic: the same counts always hide the same cells."""
    if k < 1:
        raise ValueError("k must be at least 1")
    shape = tuple(shape)
    values = with_margins(shape, counts)
    hidden = {cell for cell, value in values.items() if value < k}
    table_lines = lines(shape)
    while True:
        _complement(table_lines, values, hidden)
        more = {
            _next_to_hide(cell, shape, values, hidden) for cell in exposed(shape, values, hidden)
        }
        if not more:
            return Suppressed(shape, values, frozenset(hidden))
        hidden |= more


def _order(cell: Cell, values: Mapping[Cell, int]) -> tuple[int, int, Cell]:
    # Smallest first; of equal counts the one with fewer margins, then the first in order.
    return (values[cell], sum(1 for i in cell if i == TOTAL), cell)


def _complement(
    table_lines: Iterable[list[Cell]], values: Mapping[Cell, int], hidden: set[Cell]
) -> None:
    """Hide a second cell in every line with exactly one hidden cell, until none is left."""
    changed = True
    while changed:
        changed = False
        for line in table_lines:
            if sum(1 for cell in line if cell in hidden) != 1:
                continue
            members = [cell for cell in line[:-1] if cell not in hidden]
            if members:
                hidden.add(min(members, key=lambda c: _order(c, values)))
            elif line[-1] not in hidden:
                hidden.add(line[-1])
            else:
                continue  # a line of no categories: only its total, hidden already
            changed = True


def _next_to_hide(
    cell: Cell, shape: tuple[int, ...], values: Mapping[Cell, int], hidden: set[Cell]
) -> Cell:
    """Another cell to hide so that an exposed one is no longer determined: a visible base
    cell in a line through it or through the base cells it adds up, else any visible cell
    of those lines, else the smallest visible cell of the table."""
    near: set[Cell] = set()
    for start in [cell, *base_cells(cell, shape)]:
        for dim in range(len(shape)):
            for i in [*range(shape[dim]), TOTAL]:
                near.add((*start[:dim], i, *start[dim + 1 :]))
    visible = [c for c in near if c not in hidden]
    base = [c for c in visible if TOTAL not in c]
    pool = base or visible or [c for c in values if c not in hidden]
    return min(pool, key=lambda c: _order(c, values))


def exposed(shape: Sequence[int], values: Mapping[Cell, int], hidden: Iterable[Cell]) -> list[Cell]:
    """The hidden cells that the published ones determine, given that counts are never
    negative (see the module's docstring)."""
    shape = tuple(shape)
    hidden = set(hidden)
    unknowns = sorted(cell for cell in hidden if TOTAL not in cell)
    column = {cell: n for n, cell in enumerate(unknowns)}

    def form(cell: Cell) -> np.ndarray:
        vector = np.zeros(len(unknowns))
        for base in base_cells(cell, shape):
            if base in column:
                vector[column[base]] = 1.0
        return vector

    equations = [
        form(cell)
        for cell in values
        if cell not in hidden
        and TOTAL in cell
        and any(b in column for b in base_cells(cell, shape))
    ]
    null = _null_space(np.array(equations).reshape(len(equations), len(unknowns)))
    found = [
        cell
        for cell in sorted(hidden)
        # A total over no categories at all is 0 by its shape: there is no one behind it.
        if any(True for _ in base_cells(cell, shape))
        and np.linalg.norm(null @ form(cell)) < _TOLERANCE
    ]
    zeros = [column[cell] for cell in unknowns if values[cell] == 0]
    pinned = _pinned_zeros(null, zeros)
    return sorted({*found, *(unknowns[n] for n in pinned)})


def _null_space(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the null space, one vector a row."""
    rows, columns = matrix.shape
    if rows == 0 or columns == 0:
        return np.eye(columns)
    _, singular, right = np.linalg.svd(matrix)
    rank = int(np.sum(singular > _TOLERANCE * max(1.0, float(singular.max(initial=0.0)))))
    return np.asarray(right[rank:])


def _pinned_zeros(null: np.ndarray, zeros: list[int]) -> list[int]:
    """The hidden zeros (column numbers) that no null-space direction makes positive
    together with all the others; empty when a strictly positive solution exists."""
    if not zeros:
        return []
    if null.shape[0] == 0:
        return zeros
    target = np.zeros(null.shape[1])
    target[zeros] = 1.0
    direction = null.T @ (null @ target)
    for _ in range(_PROJECTION_ROUNDS):
        if direction[zeros].min() > _TOLERANCE:
            return []
        # Alternate between "at least 1 on every hidden zero" and the null space: convex
        # sets, so this converges to a point of both when they meet.
        lifted = direction.copy()
        lifted[zeros] = np.maximum(lifted[zeros], 1.0)
        direction = null.T @ (null @ lifted)
    return [n for n in zeros if direction[n] <= _TOLERANCE]
