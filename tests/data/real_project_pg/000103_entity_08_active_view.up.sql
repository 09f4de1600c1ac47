CREATE VIEW entity_08_active AS
    SELECT id, name, entity_08_slug(name) AS slug, email, status
    FROM entity_08
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
