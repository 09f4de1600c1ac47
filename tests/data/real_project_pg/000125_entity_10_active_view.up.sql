CREATE VIEW entity_10_active AS
    SELECT id, name, entity_10_slug(name) AS slug, email, status
    FROM entity_10
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
