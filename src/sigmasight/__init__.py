"""SigmaSight: explainable, point-in-time portfolio risk analytics."""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    """``__version__`` is read from the installed package's metadata on first use
    (importlib.metadata is slow to import; ``sigmasight --help`` never needs it)."""
    if name != "__version__":
        raise AttributeError(f"module 'sigmasight' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("sigmasight")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
