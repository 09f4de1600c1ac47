CREATE FUNCTION app_digest(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT encode(digest(v, 'sha256'), 'hex') $$;
SELECT app_digest('x;y');
