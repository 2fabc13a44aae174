"""Pydantic v2 models of everything that crosses Kafka; the source of `schemas/`."""
