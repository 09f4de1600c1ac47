COMMENT ON TABLE entity_16 IS 'The entity_16 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_16.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_16_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
