DROP FUNCTION entity_27_token(int);
DROP FUNCTION entity_27_slug(text);
