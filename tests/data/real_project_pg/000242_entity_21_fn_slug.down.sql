DROP FUNCTION entity_21_token(int);
DROP FUNCTION entity_21_slug(text);
