DROP FUNCTION entity_05_token(int);
DROP FUNCTION entity_05_slug(text);
