"""Wiring: embedded services, Ray start-up, migrations and the `bankflow` CLI."""
