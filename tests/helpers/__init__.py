"""Test helpers: deterministic fakes and builders shared by the unit tests."""
