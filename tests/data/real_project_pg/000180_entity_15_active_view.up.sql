CREATE VIEW entity_15_active AS
    SELECT id, name, entity_15_slug(name) AS slug, email, status
    FROM entity_15
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
