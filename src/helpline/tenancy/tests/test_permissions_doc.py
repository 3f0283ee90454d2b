"""docs/permissions.md carries the permission matrix exactly as ``MATRIX`` says."""

from __future__ import annotations

from pathlib import Path

from helpline.tenancy.permissions import DESCRIPTIONS, MATRIX, Action, matrix_table

DOC = Path(__file__).resolve().parents[4] / "docs" / "permissions.md"


def test_the_documented_matrix_is_the_matrix() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("-->\n", text.index("<!-- matrix:start")) + len("-->\n")
    end = text.index("<!-- matrix:end -->")
    assert text[start:end] == matrix_table(), (
        "docs/permissions.md is out of step with MATRIX; paste matrix_table():\n" + matrix_table()
    )


def test_every_action_is_described_and_has_a_row() -> None:
    assert set(DESCRIPTIONS) == set(MATRIX) == set(Action)
    assert all(f"`{a.value}`" in matrix_table() for a in Action)
