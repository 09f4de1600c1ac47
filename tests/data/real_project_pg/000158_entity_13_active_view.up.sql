CREATE VIEW entity_13_active AS
    SELECT id, name, entity_13_slug(name) AS slug, email, status
    FROM entity_13
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
