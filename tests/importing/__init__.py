"""Tests of the portfolio CSV import (parsing and validation)."""
