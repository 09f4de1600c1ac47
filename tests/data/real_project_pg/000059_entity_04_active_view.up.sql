CREATE VIEW entity_04_active AS
    SELECT id, name, entity_04_slug(name) AS slug, email, status
    FROM entity_04
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
