CREATE VIEW entity_16_active AS
    SELECT id, name, entity_16_slug(name) AS slug, email, status
    FROM entity_16
    WHERE status <> 'archived'  -- archived rows; hidden
    ;
