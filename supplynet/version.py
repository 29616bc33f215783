"""supplynet's version, in one module every layer may import (``pyproject.toml`` holds
the same string; ``tests/test_version.py`` checks that they agree)."""

__version__ = "0.1.0"
