COMMENT ON TABLE entity_27 IS 'The entity_27 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_27.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_27_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
