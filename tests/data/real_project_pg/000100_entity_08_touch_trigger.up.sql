ALTER TABLE entity_08 ADD COLUMN updated_at timestamptz;
CREATE FUNCTION entity_08_touch() RETURNS trigger
LANGUAGE plpgsql AS $tg$
BEGIN
    NEW.updated_at := now();  -- stamp it; always
    IF NEW.name LIKE '%$$%' THEN
        RAISE NOTICE 'odd name: %; kept', NEW.name;
    END IF;
    RETURN NEW;
END;
$tg$;
CREATE TRIGGER entity_08_touch BEFORE INSERT OR UPDATE ON entity_08
    FOR EACH ROW EXECUTE FUNCTION entity_08_touch();
