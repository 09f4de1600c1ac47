COMMENT ON TABLE entity_28 IS 'The entity_28 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_28.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_28_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
