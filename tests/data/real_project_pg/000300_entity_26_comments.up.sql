COMMENT ON TABLE entity_26 IS 'The entity_26 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_26.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_26_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
