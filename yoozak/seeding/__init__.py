"""Test data and imports: Moroccan fakes, CSV importers and their commands."""
