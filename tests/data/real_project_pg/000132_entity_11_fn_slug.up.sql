CREATE FUNCTION entity_11_slug(input text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    s text;  -- a comment inside the body; with a semicolon
BEGIN
    s := lower(regexp_replace(input, '[^a-zA-Z0-9]+', '-', 'g'));
    IF s = '' THEN
        RETURN 'n/a; empty';
    END IF;
    RETURN trim(both '-' from s);
END;
$$;
CREATE FUNCTION entity_11_token(n int) RETURNS text
LANGUAGE sql VOLATILE AS $body$
    SELECT encode(gen_random_bytes(n), 'hex'); -- a ';' inside the body
$body$;
