CREATE VIEW entity_23_active AS
    SELECT id, name, entity_23_slug(name) AS slug, email, status
    FROM entity_23
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
