COMMENT ON TABLE entity_12 IS 'The entity_12 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_12.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_12_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
