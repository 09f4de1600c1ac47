CREATE VIEW entity_29_active AS
    SELECT id, name, entity_29_slug(name) AS slug, email, status
    FROM entity_29
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
