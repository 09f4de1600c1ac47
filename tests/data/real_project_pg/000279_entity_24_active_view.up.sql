CREATE VIEW entity_24_active AS
    SELECT id, name, entity_24_slug(name) AS slug, email, status
    FROM entity_24
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
