CREATE VIEW entity_09_active AS
    SELECT id, name, entity_09_slug(name) AS slug, email, status
    FROM entity_09
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
