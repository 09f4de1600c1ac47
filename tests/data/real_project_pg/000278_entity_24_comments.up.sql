COMMENT ON TABLE entity_24 IS 'The entity_24 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_24.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_24_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
