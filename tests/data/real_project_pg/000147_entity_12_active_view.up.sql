CREATE VIEW entity_12_active AS
    SELECT id, name, entity_12_slug(name) AS slug, email, status
    FROM entity_12
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
