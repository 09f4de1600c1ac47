CREATE VIEW entity_19_active AS
    SELECT id, name, entity_19_slug(name) AS slug, email, status
    FROM entity_19
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
