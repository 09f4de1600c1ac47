CREATE VIEW entity_22_active AS
    SELECT id, name, entity_22_slug(name) AS slug, email, status
    FROM entity_22
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
