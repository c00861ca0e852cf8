"""Alembic migrations of the relational storage's schema (``parzen storage upgrade``)."""
