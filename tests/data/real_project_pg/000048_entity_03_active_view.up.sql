CREATE VIEW entity_03_active AS
    SELECT id, name, entity_03_slug(name) AS slug, email, status
    FROM entity_03
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
