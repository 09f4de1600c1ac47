COMMENT ON TABLE entity_20 IS 'The entity_20 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_20.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_20_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
