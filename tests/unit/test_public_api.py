"""The public API is what `patrimoine.__all__` names, and each name is there."""

from __future__ import annotations

import patrimoine


def test_all_names_the_public_api() -> None:
    assert sorted(patrimoine.__all__) == [
        "ConfigError",
        "Conflict",
        "Forbidden",
        "InputError",
        "NotFound",
        "PatrimoineError",
        "Platform",
        "open",
    ]
    for name in patrimoine.__all__:
        assert getattr(patrimoine, name) is not None
    public = {
        n for n in dir(patrimoine) if not n.startswith("_") and not isinstance(getattr(patrimoine, n), type(patrimoine))
    }
    assert public <= set(patrimoine.__all__)


def test_errors_form_one_tree_with_exit_codes() -> None:
    for error in (patrimoine.InputError, patrimoine.NotFound, patrimoine.Conflict, patrimoine.Forbidden):
        assert issubclass(error, patrimoine.PatrimoineError)
    codes = {
        e.exit_code for e in (patrimoine.InputError, patrimoine.NotFound, patrimoine.Conflict, patrimoine.Forbidden)
    }
    assert len(codes) == 4 and 0 not in codes
