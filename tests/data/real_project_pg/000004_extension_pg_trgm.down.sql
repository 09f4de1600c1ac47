DROP EXTENSION "pg_trgm";
