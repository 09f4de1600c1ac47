COMMENT ON TABLE entity_17 IS 'The entity_17 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_17.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_17_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
