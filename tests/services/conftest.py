from tests.database_fixtures import (  # noqa: F401  (fixtures)
    client,
    clock,
    database_url,
    postgres_template,
    runtime,
    sqlite_template,
)
