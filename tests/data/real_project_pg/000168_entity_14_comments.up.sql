COMMENT ON TABLE entity_14 IS 'The entity_14 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_14.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_14_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
