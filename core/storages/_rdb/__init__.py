"""The relational-database storage: SQLite, PostgreSQL and MySQL/MariaDB via SQLAlchemy.

Importing this package imports SQLAlchemy; ``parzen.storages`` imports it only on first use.
"""

from parzen.storages._rdb.storage import RDBStorage

__all__ = ["RDBStorage"]
