COMMENT ON TABLE entity_10 IS 'The entity_10 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_10.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_10_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
