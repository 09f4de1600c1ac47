COMMENT ON TABLE entity_15 IS 'The entity_15 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_15.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_15_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
