"""Records: the tables, the database engine, migrations, and repositories that talk SQL."""
