"""Tests of the portfolio area."""
