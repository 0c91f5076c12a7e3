"""Benchmarks of the Ånge IoT integration (run `benchmarks/ingest.py`)."""
