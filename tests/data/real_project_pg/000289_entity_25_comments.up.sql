COMMENT ON TABLE entity_25 IS 'The entity_25 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_25.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_25_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
