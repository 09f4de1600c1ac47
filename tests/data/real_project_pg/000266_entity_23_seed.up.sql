DO $$
DECLARE
    k int;
BEGIN
    FOR k IN 1..5 LOOP
        INSERT INTO entity_23 (name, email, attrs, path)
        VALUES ('seed ' || k || '; row', 'Seed' || k || '@Example.com',
                hstore('k', k::text), text2ltree('root.seed' || k));
    END LOOP;
    IF (SELECT count(*) FROM entity_23) <> 5 THEN
        RAISE EXCEPTION 'seed of entity_23 went wrong; count %', (SELECT count(*) FROM entity_23);
    END IF;
END
$$;
