"""``python -m ingestion bi-role --name NAME``: a read-only PostgreSQL role for BI tools.

The role logs in and is a member of the warehouse's BI group
(``postgres_publisher.bi_group_role``); every privilege is the group's:
CONNECT on the database, USAGE on the ``published`` schema and SELECT on its
tables -- nothing on ``raw``, the candidate ``marts``, the build schemas or the
kept old versions. Each publish moves the group's grants to the new published
schema inside its own transaction, so roles made once keep reading across
publishes. ``default_transaction_read_only`` is on for the role as a second
fence; privileges are the first (the role may turn the setting off, it still
cannot write).

The password comes from an environment variable (never an argument: argument
lists are visible to every user of the machine) and is sent to the server only
as a SCRAM-SHA-256 verifier, so it is not in any statement a server log could keep.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from ingestion.config import BI_ROLE_PASSWORD_SETTING, PostgresWarehouse
from ingestion.identifiers import checked_identifier
from ingestion.publish.postgres_publisher import (
    PUBLISHED_SCHEMA,
    bi_group_role,
    grant_published,
)
from ingestion.warehouse_postgres import connect_postgres

DEFAULT_PASSWORD_ENV = BI_ROLE_PASSWORD_SETTING
SCRAM_ITERATIONS = 4096  # PostgreSQL's own default (scram_iterations)


@dataclass(frozen=True)
class BiRole:
    name: str
    group: str
    database: str
    with_password: bool
    created: bool  # False: an existing role was updated

    def as_dict(self) -> dict[str, object]:
        return {
            "role": self.name,
            "member_of": self.group,
            "database": self.database,
            "schema": PUBLISHED_SCHEMA,
            "password": "set" if self.with_password else "none (log in as the server allows)",
            "created": self.created,
        }


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677)."""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def ensure_bi_role(warehouse: PostgresWarehouse, name: str, password: str | None) -> BiRole:
    """Create or update the login role ``name`` as a read-only BI role (see module doc)."""
    name = checked_identifier(name)
    group = bi_group_role(warehouse)
    if name == group:
        raise ValueError(f"--name {name!r} is the BI group's own name; choose another")
    connection = connect_postgres(warehouse)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_roles where rolname = %s", [group])
            if cursor.fetchone() is None:
                cursor.execute(f'create role "{group}" nologin')
            cursor.execute(f'grant connect on database "{_database(warehouse)}" to "{group}"')
            cursor.execute("select 1 from pg_namespace where nspname = %s", [PUBLISHED_SCHEMA])
            if cursor.fetchone() is not None:
                grant_published(cursor, group)
            cursor.execute("select 1 from pg_roles where rolname = %s", [name])
            created = cursor.fetchone() is None
            verb = "create" if created else "alter"
            # Never a superuser, never able to create roles or databases, whatever it was.
            cursor.execute(
                f'{verb} role "{name}" login inherit nosuperuser nocreatedb nocreaterole'
                " noreplication nobypassrls"
            )
            if password:
                cursor.execute(f'alter role "{name}" password %s', [scram_verifier(password)])
            elif not created:
                cursor.execute(f'alter role "{name}" password null')
            cursor.execute(f'grant "{group}" to "{name}"')
            cursor.execute(f'alter role "{name}" set default_transaction_read_only = on')
        connection.commit()
    finally:
        connection.close()
    return BiRole(name, group, warehouse.dbname, bool(password), created)


def _database(warehouse: PostgresWarehouse) -> str:
    if '"' in warehouse.dbname:
        raise ValueError(f"database name {warehouse.dbname!r} has a double quote")
    return warehouse.dbname
