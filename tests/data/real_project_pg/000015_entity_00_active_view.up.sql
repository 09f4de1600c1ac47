CREATE VIEW entity_00_active AS
    SELECT id, name, entity_00_slug(name) AS slug, email, status
    FROM entity_00
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
