CREATE VIEW entity_05_active AS
    SELECT id, name, entity_05_slug(name) AS slug, email, status
    FROM entity_05
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
