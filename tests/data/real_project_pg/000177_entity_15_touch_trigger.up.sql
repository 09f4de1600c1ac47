ALTER TABLE entity_15 ADD COLUMN updated_at timestamptz;
CREATE FUNCTION entity_15_touch() RETURNS trigger
LANGUAGE plpgsql AS $tg$
BEGIN
    NEW.updated_at := now();  -- stamp it; always
    IF NEW.name LIKE '%$$%' THEN
        RAISE NOTICE 'odd name: %; kept', NEW.name;
    END IF;
    RETURN NEW;
END;
$tg$;
CREATE TRIGGER entity_15_touch BEFORE INSERT OR UPDATE ON entity_15
    FOR EACH ROW EXECUTE FUNCTION entity_15_touch();
