CREATE VIEW entity_20_active AS
    SELECT id, name, entity_20_slug(name) AS slug, email, status
    FROM entity_20
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
