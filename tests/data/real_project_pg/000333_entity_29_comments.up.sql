COMMENT ON TABLE entity_29 IS 'The entity_29 table; it''s "important"; see docs';
COMMENT ON COLUMN entity_29.email IS 'case-insensitive (citext); -- not a comment';
COMMENT ON FUNCTION entity_29_slug(text) IS $c$slugify; keeps 'a-z' and digits$c$;
