"""Support shared by tests, benchmarks and `make prepare`: the manifest of prepared inputs and their
lookups, the fixture compiler, and the C sources of small fixture modules."""
