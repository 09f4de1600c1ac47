CREATE VIEW entity_17_active AS
    SELECT id, name, entity_17_slug(name) AS slug, email, status
    FROM entity_17
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
