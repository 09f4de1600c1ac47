COMMENT ON TABLE entity_23 IS 'The entity_23 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_23.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_23_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
