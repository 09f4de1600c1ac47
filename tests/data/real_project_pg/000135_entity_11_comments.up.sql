COMMENT ON TABLE entity_11 IS 'The entity_11 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_11.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_11_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
