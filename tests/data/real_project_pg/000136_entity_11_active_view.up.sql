CREATE VIEW entity_11_active AS
    SELECT id, name, entity_11_slug(name) AS slug, email, status
    FROM entity_11
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
