CREATE VIEW entity_06_active AS
    SELECT id, name, entity_06_slug(name) AS slug, email, status
    FROM entity_06
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
