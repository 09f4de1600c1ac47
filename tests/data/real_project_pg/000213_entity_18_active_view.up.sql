CREATE VIEW entity_18_active AS
    SELECT id, name, entity_18_slug(name) AS slug, email, status
    FROM entity_18
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
