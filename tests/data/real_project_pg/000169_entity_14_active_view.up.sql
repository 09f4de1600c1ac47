CREATE VIEW entity_14_active AS
    SELECT id, name, entity_14_slug(name) AS slug, email, status
    FROM entity_14
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
