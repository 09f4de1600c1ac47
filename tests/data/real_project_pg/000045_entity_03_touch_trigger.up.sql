ALTER TABLE entity_03 ADD COLUMN updated_at timestamptz;
CREATE FUNCTION entity_03_touch() RETURNS trigger
LANGUAGE plpgsql AS $tg$
BEGIN
    NEW.updated_at := now();  -- stamp it; always
    IF NEW.name LIKE '%$$%' THEN
        RAISE NOTICE 'odd name: %; kept', NEW.name;
    END IF;
    RETURN NEW;
END;
$tg$;
CREATE TRIGGER entity_03_touch BEFORE INSERT OR UPDATE ON entity_03
    FOR EACH ROW EXECUTE FUNCTION entity_03_touch();
