DROP FUNCTION entity_23_token(int);
DROP FUNCTION entity_23_slug(text);
