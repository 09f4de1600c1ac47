CREATE VIEW entity_25_active AS
    SELECT id, name, entity_25_slug(name) AS slug, email, status
    FROM entity_25
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
