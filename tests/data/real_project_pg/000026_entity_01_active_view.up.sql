CREATE VIEW entity_01_active AS
    SELECT id, name, entity_01_slug(name) AS slug, email, status
    FROM entity_01
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
