CREATE VIEW entity_02_active AS
    SELECT id, name, entity_02_slug(name) AS slug, email, status
    FROM entity_02
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
