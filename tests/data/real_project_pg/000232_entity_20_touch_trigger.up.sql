ALTER TABLE entity_20 ADD COLUMN updated_at timestamptz;
CREATE FUNCTION entity_20_touch() RETURNS trigger
LANGUAGE plpgsql AS $tg$
BEGIN
    NEW.updated_at := now();  -- stamp it; always
    IF NEW.name LIKE '%$$%' THEN
        RAISE NOTICE 'odd name: %; kept', NEW.name;
    END IF;
    RETURN NEW;
END;
$tg$;
CREATE TRIGGER entity_20_touch BEFORE INSERT OR UPDATE ON entity_20
    FOR EACH ROW EXECUTE FUNCTION entity_20_touch();
