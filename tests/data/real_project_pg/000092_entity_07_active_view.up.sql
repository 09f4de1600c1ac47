CREATE VIEW entity_07_active AS
    SELECT id, name, entity_07_slug(name) AS slug, email, status
    FROM entity_07
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
